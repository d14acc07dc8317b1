import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { summarizeLatencies, type LatencySummary } from '../load/stats.js';

const run = promisify(execFile);

/** pgbench from PATH, else from a Debian PostgreSQL install (postgresql-contrib or the server package). */
export async function findPgbench(): Promise<string> {
  try {
    const { stdout } = await run('sh', ['-c', 'command -v pgbench']);
    if (stdout.trim() !== '') return stdout.trim();
  } catch {
    // Not on PATH; look where Debian puts it.
  }
  if (existsSync('/usr/lib/postgresql')) {
    for (const version of (await readdir('/usr/lib/postgresql')).sort().reverse()) {
      const candidate = `/usr/lib/postgresql/${version}/bin/pgbench`;
      if (existsSync(candidate)) return candidate;
    }
  }
  throw new Error('pgbench not found: install it (Debian: apt-get install postgresql-contrib) or put it on PATH');
}

export interface PgbenchScript {
  readonly name: string;
  /** The script: \set lines and SQL statements ending in ";" (or "\gset"). */
  readonly text: string;
  readonly weight?: number;
}

export interface PgbenchOptions {
  readonly pgbench: string;
  readonly url: string;
  readonly scripts: readonly PgbenchScript[];
  readonly clients: number;
  readonly threads: number;
  readonly seconds: number;
  /** Scratch directory for the scripts and per-transaction logs. */
  readonly dir: string;
}

export interface PgbenchResult {
  readonly seconds: number;
  readonly transactions: number;
  readonly transactionsPerSecond: number;
  /** From pgbench's per-transaction log, so computed exactly like the HTTP loads'. */
  readonly latencyMs: LatencySummary;
  readonly failed: number;
}

/** tps and the transaction counts from pgbench's summary. */
export function parsePgbenchSummary(output: string): { tps: number; processed: number; failed: number } {
  const tps = /^tps = ([\d.]+) \(without initial connection time\)$/m.exec(output)?.[1];
  const processed = /^number of transactions actually processed: (\d+)/m.exec(output)?.[1];
  const failed = /^number of failed transactions: (\d+)/m.exec(output)?.[1];
  if (tps === undefined || processed === undefined) throw new Error(`unexpected pgbench output:\n${output}`);
  return { tps: Number(tps), processed: Number(processed), failed: failed === undefined ? 0 : Number(failed) };
}

/** Latencies in ms from pgbench -l lines: "client transaction latency_us script epoch epoch_us". */
export function parsePgbenchLog(text: string): number[] {
  const latencies: number[] = [];
  for (const line of text.split('\n')) {
    const micros = line.split(' ')[2];
    if (micros !== undefined && /^\d+$/.test(micros)) latencies.push(Number(micros) / 1000);
  }
  return latencies;
}

let scriptCounter = 0;

export async function runPgbench(options: PgbenchOptions): Promise<PgbenchResult> {
  await mkdir(options.dir, { recursive: true });
  const tag = `pgbench-${process.pid}-${++scriptCounter}`;
  const args = ['-n', '-M', 'extended', '-c', String(options.clients), '-j', String(options.threads), '-T', String(options.seconds)];
  for (const script of options.scripts) {
    const file = join(options.dir, `${tag}-${script.name}.sql`);
    await writeFile(file, script.text);
    args.push('-f', `${file}@${script.weight ?? 1}`);
  }
  const logPrefix = join(options.dir, `${tag}-log`);
  args.push('-l', `--log-prefix=${logPrefix}`, options.url);
  let stdout: string;
  try {
    ({ stdout } = await run(options.pgbench, args, { maxBuffer: 16 * 1024 * 1024 }));
  } catch (error) {
    const detail = typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr) : String(error);
    throw new Error(`pgbench failed:\n${detail.slice(-3000)}`, { cause: error });
  }
  const summary = parsePgbenchSummary(stdout);
  const latencies: number[] = [];
  for (const name of await readdir(options.dir)) {
    if (!name.startsWith(`${tag}-`)) continue;
    const path = join(options.dir, name);
    if (name.startsWith(`${tag}-log`)) {
      // A loop, not push(...all): a spread of a few hundred thousand values overflows the stack.
      for (const latency of parsePgbenchLog(await readFile(path, 'utf8'))) latencies.push(latency);
    }
    await rm(path);
  }
  return {
    seconds: options.seconds,
    transactions: summary.processed,
    transactionsPerSecond: summary.tps,
    latencyMs: summarizeLatencies(latencies),
    failed: summary.failed,
  };
}
