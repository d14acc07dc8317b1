import { withAdmin } from '../data/databases.js';
import { readCpuSeconds } from './managed-process.js';

// PostgreSQL as a process under test: the CPU its backends spend serving the benchmark databases.

/**
 * CPU seconds (user + system) of every PostgreSQL backend serving the given databases, by pid —
 * read from /proc, so only when the server runs on this machine (an empty map otherwise).
 */
export async function backendCpuSeconds(databaseUrls: readonly string[]): Promise<Map<number, number>> {
  const names = databaseUrls.map((url) => new URL(url).pathname.slice(1));
  const { rows } = await withAdmin((client) =>
    client.query<{ pid: number }>('select pid from pg_stat_activity where datname = any($1::text[])', [names]),
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const seconds = readCpuSeconds(pid);
    if (seconds !== undefined) cpu.set(pid, seconds);
  }
  return cpu;
}

/** CPU seconds the backends spent between two readings (backends that appeared in between count from zero). */
export function backendCpuBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}
