import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The Docker build context of a checkout: the files `docker build .` would send, i.e. the work
 * tree's files (tracked, or untracked but not git-ignored) minus what .dockerignore excludes.
 * The .dockerignore reader covers Docker's documented pattern syntax (*, ?, **, leading !, last
 * match wins, a matched directory excludes what is below it); character classes are refused.
 */

interface Rule {
  readonly exclude: boolean;
  readonly pattern: RegExp;
  readonly source: string;
}

function escape(text: string): string {
  return text.replace(/[.+^${}()|\\]/g, '\\$&');
}

function toRegExp(pattern: string): RegExp {
  if (/[[\]]/.test(pattern)) throw new Error(`.dockerignore: character classes are not supported here: ${pattern}`);
  const segments = pattern.split('/');
  let source = '';
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '**') {
      // Any number of directories, including none.
      source += last ? '.*' : '(?:[^/]+/)*';
      return;
    }
    source += escape(segment).replaceAll('*', '[^/]*').replaceAll('?', '[^/]');
    if (!last) source += '/';
  });
  return new RegExp(`^${source}$`);
}

export function parseDockerignore(text: string): Rule[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exclude = !line.startsWith('!');
      // Docker cleans patterns like paths: no leading ./ or /, no trailing /.
      const cleaned = (exclude ? line : line.slice(1)).trim().replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
      return { exclude, pattern: toRegExp(cleaned), source: line };
    });
}

/** True when .dockerignore keeps the file (a path relative to the context root, / separated) out. */
export function isIgnored(path: string, rules: readonly Rule[]): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_part, index) => parts.slice(0, index + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((candidate) => rule.pattern.test(candidate))) ignored = rule.exclude;
  }
  return ignored;
}

/** The build context of the checkout at root, as paths relative to it. */
export function buildContextFiles(root: string, dockerignore: string): string[] {
  const rules = parseDockerignore(dockerignore);
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return [...new Set(listed.split('\0'))]
    .filter((path) => path !== '' && !isIgnored(path, rules))
    // A file deleted in the work tree but still tracked is not in the context either.
    .filter((path) => existsSync(join(root, path)))
    .sort();
}
