import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { git, workTreeRoot } from './git.js';

// npm run check:generated: regenerates everything `npm run generate` makes (the contracts from
// proto/, the GraphQL types from the schemas, the account service's case-folding table) and fails
// when that changed any file, naming each one: the committed generated code must be what its
// sources make. Files that were already changed before are judged by what regenerating did to
// them, so uncommitted work elsewhere in the tree is not called drift. Like fastify's
// `test:validator:integrity`, the check leaves the regenerated files in place: what it reports is
// then `git diff`, ready to review and commit.

/** Unicode's table the account service's e-mail key is generated from (Debian: unicode-data). */
const CASE_FOLDING = '/usr/share/unicode/CaseFolding.txt';

/** What a path holds now, enough to tell whether regenerating changed it. */
function fingerprint(file: string): string {
  let stats;
  try {
    stats = lstatSync(file);
  } catch {
    return 'absent';
  }
  if (stats.isSymbolicLink()) return `link:${readlinkSync(file)}`;
  if (!stats.isFile()) return 'not a file';
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Every path git reports as changed or untracked, with its fingerprint. */
function changedPaths(root: string): Map<string, string> {
  const fields = git(['status', '--porcelain=v1', '-z', '--untracked-files=all'], root).split('\0');
  const changed = new Map<string, string>();
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i] ?? '';
    if (entry.length < 4) continue;
    const paths = [entry.slice(3)];
    // A rename or copy is followed by the path it came from.
    if (/[RC]/.test(entry.slice(0, 2))) paths.push(fields[++i] ?? '');
    for (const file of paths) if (file !== '') changed.set(file, fingerprint(path.join(root, file)));
  }
  return changed;
}

function pathsRegenerationChanged(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((file) => before.get(file) !== after.get(file)).sort();
}

function checkGenerated(): boolean {
  if (!existsSync(CASE_FOLDING)) {
    console.log(
      `cannot regenerate: ${CASE_FOLDING} is missing. The account service's case-folding table is made from it: ` +
        'install Debian\'s unicode-data package (apt-get install unicode-data; .ci/run does).',
    );
    return false;
  }
  const root = workTreeRoot();
  const before = changedPaths(root);
  const generate = spawnSync('npm', ['run', 'generate'], { cwd: root, stdio: 'inherit' });
  if (generate.error) throw generate.error;
  if (generate.status !== 0) {
    console.log(`npm run generate failed (exit ${String(generate.status ?? generate.signal)}): see above`);
    return false;
  }
  const drifted = pathsRegenerationChanged(before, changedPaths(root));
  if (drifted.length === 0) {
    console.log('generated code matches its sources');
    return true;
  }
  console.log(`\nnpm run generate changed ${drifted.length} file(s): the committed generated code does not match its sources`);
  for (const file of drifted) console.log(`  ${file}`);
  console.log('The work tree now holds the regenerated files: review them (git diff) and commit them with their sources.');
  return false;
}

process.exitCode = checkGenerated() ? 0 : 1;
