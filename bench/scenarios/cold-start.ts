import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@emporium/testkit/ports.js';
import { parseReadyLine, runNpm } from '@emporium/testkit/npm-process.js';
import type { ColdStart } from '../report/results.js';

export { parseReadyLine };

/** One `npm start` on the data directory: its ready line and the wall time to it; then Ctrl-C, and every process gone. */
async function startOnce(env: Record<string, string>, timeoutMs: number): Promise<{ reportedSeconds: number; wallSeconds: number; demoProducts: number }> {
  const started = performance.now();
  const npmStart = runNpm(['start'], env, timeoutMs);
  try {
    const ready = await npmStart.ready;
    return { reportedSeconds: ready.seconds, wallSeconds: (performance.now() - started) / 1000, demoProducts: ready.demoProducts };
  } finally {
    await npmStart.stop(undefined, 20_000);
  }
}

/**
 * `npm start` on an empty data directory, as a new user's first start: four processes, four
 * embedded PGlite databases created and migrated, demo data loaded; then again on the same data,
 * as every later start. Own ports and data directory, so it cannot meet anything else running
 * here; stopped with Ctrl-C's SIGINT each time, as a user would.
 */
export async function measureColdStart(timeoutMs = 180_000): Promise<ColdStart> {
  const dataDir = await mkdtemp(join(tmpdir(), 'emporium-bench-cold-'));
  const env: Record<string, string> = { EMPORIUM_DATA_DIR: dataDir };
  for (const name of ['GATEWAY_PORT', 'ACCOUNT_PORT', 'CATALOG_PORT', 'ORDER_PORT']) env[name] = String(await freePort());
  try {
    const first = await startOnce(env, timeoutMs);
    const warm = await startOnce(env, timeoutMs);
    return {
      reportedSeconds: first.reportedSeconds,
      wallSeconds: first.wallSeconds,
      demoProductsLoaded: first.demoProducts,
      warm: { reportedSeconds: warm.reportedSeconds, wallSeconds: warm.wallSeconds },
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
