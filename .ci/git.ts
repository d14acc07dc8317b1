import { execFileSync } from 'node:child_process';

// Git as the static checks use it: the tree they check is the git work tree around the current
// directory (npm runs scripts at the root), so a check can also be pointed at another work tree.

/** git's output without its closing newlines; throws when git exits non-zero. */
export function git(args: readonly string[], cwd: string): string {
  // Only the end is trimmed: leading spaces carry meaning (the status column of `git status`).
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }).replace(/\n+$/, '');
}

function gitOrUndefined(args: readonly string[], cwd: string): string | undefined {
  try {
    return git(args, cwd);
  } catch {
    return undefined;
  }
}

/** The top of the git work tree the current directory is in. */
export function workTreeRoot(): string {
  return git(['rev-parse', '--show-toplevel'], process.cwd());
}

/** The ref the breaking-change checks compare with: CHECK_AGAINST, main when unset. */
function againstRef(): string {
  const chosen = process.env['CHECK_AGAINST']?.trim();
  return chosen === undefined || chosen === '' ? 'main' : chosen;
}

function commitOf(ref: string, cwd: string): string | undefined {
  return gitOrUndefined(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], cwd);
}

/**
 * The commit `ref` names in this clone: the ref itself, else origin/<ref>, else, in a shallow clone
 * (made with --depth) that lacks it, its tip fetched from origin. Undefined when none can be
 * had: then there is nothing to compare with.
 */
function resolveAgainst(ref: string, cwd: string): string | undefined {
  const local = commitOf(ref, cwd) ?? commitOf(`origin/${ref}`, cwd);
  if (local !== undefined) return local;
  if (gitOrUndefined(['rev-parse', '--is-shallow-repository'], cwd) !== 'true') return undefined;
  console.log(`${ref} is not in this shallow clone: fetching its tip`);
  if (gitOrUndefined(['fetch', '--quiet', '--depth=1', 'origin', ref], cwd) === undefined) return undefined;
  return commitOf('FETCH_HEAD', cwd);
}

/** Whether `path` exists in `commit`'s tree. */
export function commitHasPath(commit: string, path: string, cwd: string): boolean {
  return gitOrUndefined(['cat-file', '-e', `${commit}:${path}`], cwd) !== undefined;
}

export function headCommit(cwd: string): string {
  return git(['rev-parse', 'HEAD'], cwd);
}

export interface Against {
  readonly ref: string;
  readonly commit: string;
  /** As people read it: the ref with the commit's short id. */
  readonly described: string;
}

/**
 * What the breaking-change checks compare with (CHECK_AGAINST, main by default), or undefined,
 * having said the check is skipped, when this clone cannot have it.
 */
export function againstOrSkip(cwd: string): Against | undefined {
  const ref = againstRef();
  const commit = resolveAgainst(ref, cwd);
  if (commit === undefined) {
    console.log(`SKIPPED: ${ref} cannot be resolved in this clone, so there is nothing to compare with`);
    return undefined;
  }
  return { ref, commit, described: `${ref} (${commit.slice(0, 12)})` };
}
