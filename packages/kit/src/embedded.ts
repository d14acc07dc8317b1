import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
    const owner = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
    if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
      throw new Error(`data directory ${dataDir} is in use by process ${owner}`, { cause: error });
    }
    writeFileSync(lockFile, String(process.pid));
  }
  return () => rmSync(lockFile, { force: true });
}

/** The pid of the live process holding an embedded data directory, if any. */
export function dataDirOwner(dataDir: string): number | undefined {
  let owner: number;
  try {
    owner = Number.parseInt(readFileSync(join(dataDir, 'emporium.lock'), 'utf8'), 10);
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

/**
 * Where a freshly initialized, cleanly closed PGlite cluster is kept for copying. initdb is most of
 * an embedded database's first start (seconds, in WebAssembly); copying a 40 MB directory is not.
 * Keyed by the PGlite build, so an upgrade never reuses an old cluster.
 */
function pgliteTemplateDir(): string {
  const wasm = statSync(createRequire(import.meta.url).resolve('@electric-sql/pglite/pglite.wasm'));
  const key = `${wasm.size.toString(36)}-${Math.trunc(wasm.mtimeMs).toString(36)}`;
  const user = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join(tmpdir(), `emporium-pglite-template-${user}-${key}`);
}

/**
 * Makes sure the PGlite template exists and returns it. Safe to race: each racer builds its own
 * copy and renames it into place; the first rename wins and the others discard theirs.
 */
export async function ensurePGliteTemplate(): Promise<string> {
  const template = pgliteTemplateDir();
  if (existsSync(join(template, 'PG_VERSION'))) return template;
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
  return template;
}
