// The experiment behind "Not applied: the two reads on the order path"
// (bench/results/2026-11-24-full-runs-and-fixes.md): the order database's share of createOrder
// (the pgbench ceiling's script) with and without the two reads a first attempt could skip — the
// idempotency-key lookup before the insert and the re-read right after it.
// Run against a kept quick data set: npm run bench -- --quick --scenarios 2 --keep, then
//   npx tsx --conditions=@emporium/source bench/experiments/order-reads.ts <order database URL>
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPgbench, runPgbench, type PgbenchScript } from '../targets/pgbench.js';
import { orderScripts } from '../scenarios/order.js';

const url = process.argv[2];
if (url === undefined || !url.startsWith('postgres')) throw new Error('give the order database URL of a kept benchmark run');

const full = orderScripts({ products: 10_000, accounts: 1_000 }).order;
const lines = full.text.split('\n');
const isKeyLookup = (line: string) => line.startsWith('select') && line.includes('"orders"."idempotency_key" = ');
// The re-read after the PENDING insert: a select by id right after the first commit.
const isReRead = (line: string, index: number) => line.includes('where "orders"."id" =') && lines[index - 1] === 'commit;' && lines[index + 1] === 'begin;';
const lean: PgbenchScript = { name: 'order-lean', text: lines.filter((line, index) => !isKeyLookup(line) && !isReRead(line, index)).join('\n') };
if (lean.text.split('\n').length !== lines.length - 2) throw new Error('the script changed: the two reads were not found');

const pgbench = await findPgbench();
const dir = await mkdtemp(join(tmpdir(), 'emporium-order-reads-'));
try {
  for (let round = 1; round <= 3; round++) {
    for (const script of [full, lean]) {
      const result = await runPgbench({ pgbench, url, scripts: [script], clients: 10, threads: 2, seconds: 8, dir });
      process.stdout.write(`round ${round}: ${script.name} ${result.transactionsPerSecond.toFixed(0)} tx/s, p50 ${result.latencyMs.p50} ms\n`);
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
