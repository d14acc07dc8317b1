import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/database.js';
import { createLogger } from '../src/logger.js';
import { exposition, rpcServerCall, startMetricsServer } from '../src/metrics.js';
import { moved, parseExposition, scrape, series } from '@emporium/testkit/metrics.js';

const log = createLogger('metrics-test', 'silent');
const gauges = async () => parseExposition((await exposition()).body);

/**
 * Keeps this thread busy until the process has spent ms of user CPU more: counted in CPU, not
 * wall time, which a loaded machine stretches (200 ms of wall time once gave 99 ms of CPU).
 */
function burnCpu(ms: number): void {
  const start = process.cpuUsage();
  let x = 0;
  while (process.cpuUsage(start).user < ms * 1000) for (let n = 0; n < 10_000; n++) x += Math.sqrt(x + 1);
  expect(x).toBeGreaterThan(0);
}

describe('the metrics endpoint of a service', () => {
  it('counts the CPU spent since the metrics server started, from the first scrape on', async () => {
    const server = await startMetricsServer({ host: '127.0.0.1', port: 0, log });
    try {
      // What a service does after its metrics server is up (migrations, warming up) counts.
      burnCpu(150);
      const first = await scrape(`http://127.0.0.1:${server.port}/metrics`);
      expect(first.get('process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0.1);
    } finally {
      await server.close();
    }
  });

  it('serves the text format at /metrics on the port asked (0 picks one), 404 elsewhere, and records RPCs by code', async () => {
    const server = await startMetricsServer({ host: '127.0.0.1', port: 0, log });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      const before = await scrape(`${url}/metrics`);
      rpcServerCall('/emporium.demo.v1.DemoService/Echo')(0);
      rpcServerCall('/emporium.demo.v1.DemoService/Echo')(5);
      rpcServerCall('/emporium.demo.v1.DemoService/Echo')(5);
      const after = await scrape(`${url}/metrics`);
      const handled = (code: string) => series('grpc_server_handled_total', { grpc_code: code, grpc_method: 'Echo', grpc_service: 'emporium.demo.v1.DemoService' });
      expect(moved(before, after, handled('OK'))).toBe(1);
      expect(moved(before, after, handled('NOT_FOUND'))).toBe(2);
      expect(moved(before, after, series('grpc_server_handling_seconds_count', { grpc_method: 'Echo', grpc_service: 'emporium.demo.v1.DemoService' }))).toBe(3);
      expect(after.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect((await fetch(`${url}/`)).status).toBe(404);
      expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('the embedded database as a pool of one', () => {
  let dir = '';
  let database: Database<unknown> | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emporium-metrics-pglite-'));
    database = await openDatabase({ dataDir: dir, log });
  });
  afterAll(async () => {
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the connection in use while a transaction holds it, and the callers in line for it', async () => {
    if (database === undefined) throw new Error('no database');
    const { db } = database;
    const idle = await gauges();
    expect(idle.get('emporium_db_pool_max_connections')).toBe(1);
    expect(idle.get('emporium_db_pool_in_use_connections')).toBe(0);
    expect(idle.get('emporium_db_pool_idle_connections')).toBe(1);
    expect(idle.get('emporium_db_pool_waiting_requests')).toBe(0);
    let finish: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let began: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => {
      began = resolve;
    });
    const transaction = db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      began();
      await held;
    });
    await inside;
    const waiting = sql`select 2`.execute(db);
    const during = await gauges();
    expect(during.get('emporium_db_pool_in_use_connections')).toBe(1);
    expect(during.get('emporium_db_pool_idle_connections')).toBe(0);
    expect(during.get('emporium_db_pool_waiting_requests')).toBe(1);
    finish();
    await Promise.all([transaction, waiting]);
    const afterwards = await gauges();
    expect(afterwards.get('emporium_db_pool_in_use_connections')).toBe(0);
    expect(afterwards.get('emporium_db_pool_waiting_requests')).toBe(0);
  });
});
