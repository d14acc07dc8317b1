import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { dataDirOwner } from '../src/embedded.js';

/*
 * The embedded database's files: the initialized cluster every new data directory is copied from
 * is made once even when several processes start at the same moment, and a lock left by a dead
 * process does not block anyone.
 */

const FIXTURE = fileURLToPath(new URL('./fixtures/ensure-template.ts', import.meta.url));
const MINUTE = 60_000;
const run = promisify(execFile);

async function ensureInChild(parent: string): Promise<{ dir: string; built: boolean }> {
  const { stdout } = await run(process.execPath, ['--conditions=@emporium/source', '--import', 'tsx', FIXTURE, parent]);
  return JSON.parse(stdout) as { dir: string; built: boolean };
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function emptyDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'emporium-embedded-test-'));
  dirs.push(dir);
  return dir;
}

describe('the PGlite template', () => {
  it('is built by one of three processes asking at once; the others wait for it', { timeout: 3 * MINUTE }, async () => {
    const parent = await emptyDir();
    const results = await Promise.all([ensureInChild(parent), ensureInChild(parent), ensureInChild(parent)]);
    expect(results.filter((result) => result.built)).toHaveLength(1);
    const dir = results[0]?.dir ?? '';
    expect(results.map((result) => result.dir)).toEqual([dir, dir, dir]);
    expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
    // Nothing left behind but the template: no lock, no half-built copy.
    expect(readdirSync(parent)).toEqual([dir.slice(parent.length + 1)]);
    // Asked again, it is found.
    expect(await ensureInChild(parent)).toEqual({ dir, built: false });
  });

  it('is built even when a dead process left its build lock behind', { timeout: 3 * MINUTE }, async () => {
    const parent = await emptyDir();
    const first = await ensureInChild(parent);
    await rm(first.dir, { recursive: true });
    writeFileSync(`${first.dir}.lock`, String(await deadPid()));
    expect(await ensureInChild(parent)).toEqual({ dir: first.dir, built: true });
    expect(existsSync(`${first.dir}.lock`)).toBe(false);
  });
});

describe('a data directory lock', () => {
  it('names its live owner, and nobody once the owner is dead', async () => {
    const dir = await emptyDir();
    expect(dataDirOwner(dir)).toBeUndefined();
    writeFileSync(join(dir, 'emporium.lock'), String(process.pid));
    expect(dataDirOwner(dir)).toBe(process.pid);
    writeFileSync(join(dir, 'emporium.lock'), String(await deadPid()));
    expect(dataDirOwner(dir)).toBeUndefined();
  });
});
