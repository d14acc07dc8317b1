import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// The embedded database's files: who holds a data directory, and the initialized cluster new ones
// are copied from. No database code is loaded here, so `npm start` and `npm run reset` can ask cheaply.

/**
 * An embedded data directory belongs to one process at a time; a second one would corrupt it.
 * The lock file holds the owner's pid, and a lock left by a dead process is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const lockFile = join(dataDir, 'emporium.lock');
  try {
    writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = liveOwner(lockFile);
    if (owner !== undefined && owner !== process.pid) {
      throw new Error(`data directory ${dataDir} is in use by process ${owner}`, { cause: error });
    }
    writeFileSync(lockFile, String(process.pid));
  }
  return () => rmSync(lockFile, { force: true });
}

/** The pid of the live process holding an embedded data directory, if any. */
export function dataDirOwner(dataDir: string): number | undefined {
  return liveOwner(join(dataDir, 'emporium.lock'));
}

/** The live process a pid lock file names; none when the file is gone, unreadable or names a dead one. */
function liveOwner(lockFile: string): number | undefined {
  let owner: number;
  try {
    owner = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
  } catch {
    return undefined;
  }
  return Number.isInteger(owner) && isAlive(owner) ? owner : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How long a process waits for another one's initdb before making its own template. */
const TEMPLATE_WAIT_MS = 60_000;

/**
 * Where initialized clusters are kept: node_modules/.cache/emporium beside PGlite (it outlives a
 * reboot and goes with node_modules), or the temporary directory where that is not writable.
 */
function templateParent(wasmPath: string): string {
  const marker = `${sep}node_modules${sep}`;
  const at = wasmPath.lastIndexOf(marker);
  if (at >= 0) {
    const dir = join(wasmPath.slice(0, at + marker.length), '.cache', 'emporium');
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      return dir;
    } catch {
      // A read-only install (a container image): the temporary directory serves.
    }
  }
  const user = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join(tmpdir(), `emporium-${user}`);
}

/**
 * Where a freshly initialized, cleanly closed PGlite cluster is kept for copying. initdb is most of
 * an embedded database's first start (seconds, in WebAssembly); copying a 40 MB directory is not.
 * Keyed by the PGlite build, so an upgrade never reuses an old cluster.
 */
function pgliteTemplateDir(parent: string | undefined): string {
  const wasmPath = createRequire(import.meta.url).resolve('@electric-sql/pglite/pglite.wasm');
  const wasm = statSync(wasmPath);
  const key = `${wasm.size.toString(36)}-${Math.trunc(wasm.mtimeMs).toString(36)}`;
  return join(parent ?? templateParent(wasmPath), `pglite-template-${key}`);
}

/** Takes the lock file for building the template, or takes over one left by a dead process. */
function tryLock(lockFile: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // Held by a live process: wait. Gone meanwhile, or left by a dead one: try again.
    if (liveOwner(lockFile) !== undefined) return false;
    rmSync(lockFile, { force: true });
  }
  return false;
}

async function buildTemplate(template: string): Promise<void> {
  const building = `${template}.building-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    // Loaded only here: PGlite costs a process that merely checks for the template a quarter second.
    const { PGlite } = await import('@electric-sql/pglite');
    const embedded = await PGlite.create({ dataDir: building });
    await embedded.close();
    renameSync(building, template);
  } catch (error) {
    if (!existsSync(join(template, 'PG_VERSION'))) throw error;
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

export interface PGliteTemplate {
  readonly dir: string;
  /** Whether this call ran initdb (false when it found the template or waited for another process's). */
  readonly built: boolean;
}

/**
 * Makes sure the PGlite template exists and returns it. Processes starting together (npm start's
 * three services) do not each run initdb on the same cores: one builds, the others wait for it.
 * Safe to race all the same: a builder works on its own copy and renames it into place, and a
 * waiter that waited too long builds its own. `parent` overrides where templates are kept.
 */
export async function ensurePGliteTemplate(parent?: string): Promise<PGliteTemplate> {
  const dir = pgliteTemplateDir(parent);
  const ready = () => existsSync(join(dir, 'PG_VERSION'));
  if (ready()) return { dir, built: false };
  const lockFile = `${dir}.lock`;
  const giveUpAt = Date.now() + TEMPLATE_WAIT_MS;
  let locked = tryLock(lockFile);
  while (!locked && Date.now() < giveUpAt) {
    await sleep(100);
    if (ready()) return { dir, built: false };
    locked = tryLock(lockFile);
  }
  try {
    if (ready()) return { dir, built: false };
    await buildTemplate(dir);
    return { dir, built: true };
  } finally {
    if (locked) rmSync(lockFile, { force: true });
  }
}
