import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { log } from '../report/progress-log.js';

// Another commit of the platform, built as `npm run bench` builds this one, for a comparison in the
// same run (the events scenario's "pre-events" stack): its tree exported with `git archive` (no
// worktree registered in the repository), `npm ci`, `npm run build`. Kept in the temporary
// directory by commit and reused, since installing and building take minutes.

const exec = promisify(execFile);

/** Written last: a directory without it is a half-made checkout, made again. */
const READY = '.emporium-bench-ready';

/** The full commit id of a revision of the repository at root. */
export async function resolveCommit(root: string, revision: string): Promise<string> {
  const { stdout } = await exec('git', ['rev-parse', '--verify', `${revision}^{commit}`], { cwd: root });
  return stdout.trim();
}

function run(command: string, args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${code}) in ${cwd}:\n${output.join('').slice(-4000)}`)),
    );
  });
}

/**
 * The root directory of a built checkout of `revision` (installed and built, as the bench runs the
 * platform: services/<name>/dist). The first call for a commit takes minutes; later ones reuse it.
 */
export async function builtCheckout(root: string, revision: string): Promise<{ dir: string; commit: string }> {
  const commit = await resolveCommit(root, revision);
  const dir = join(tmpdir(), `emporium-bench-checkout-${commit.slice(0, 12)}`);
  if (existsSync(join(dir, READY)) && (await readFile(join(dir, READY), 'utf8')).trim() === commit) return { dir, commit };
  log(`preparing a built checkout of ${commit.slice(0, 12)} in ${dir} (git archive, npm ci, npm run build; once per commit)`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await run('sh', ['-c', `git -C "$0" archive --format=tar ${commit} | tar -x -C "$1"`, root, dir], root);
  // No install scripts: the root's "prepare" makes what npm start needs (the shop, GraphiQL), not
  // what the services run on.
  await run('npm', ['ci', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], dir);
  await run('npm', ['run', 'build'], dir);
  await writeFile(join(dir, READY), `${commit}\n`);
  return { dir, commit };
}
