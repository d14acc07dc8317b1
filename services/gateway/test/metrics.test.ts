import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@emporium/testkit/databases.js';
import { ADMIN, at, graphql } from '@emporium/testkit/graphql.js';
import { moved, scrape, series, type Samples } from '@emporium/testkit/metrics.js';
import { startServiceProcess, type ServiceProcess } from '@emporium/testkit/service-process.js';
import { uniqueEmail } from '@emporium/testkit/unique.js';

/*
 * The four processes as production runs them (each its own process on PostgreSQL, metrics on a
 * port of its own), scraped before and after known traffic: every counter named here must have
 * moved by exactly what was sent.
 */

const main = (service: string) => fileURLToPath(new URL(`../../${service}/src/main.ts`, import.meta.url));

const SIGN_UPS = 3; // K: the gateway's SIGNUPS_PER_IP is set to this, so the next ones are refused
const REFUSED_SIGN_UPS = 2;
const ORDERS = 4; // N createOrder that succeed
const FAILED_ORDERS = 2; // M createOrder refused OUT_OF_STOCK
const STOCK = 10;

const processes: ServiceProcess[] = [];
const databases: TestDatabase[] = [];
let dataDir = '';
let gateway = '';
/** service name -> its /metrics URL */
const metricsUrls: Record<string, string> = {};

function start(service: string, env: Record<string, string>): ServiceProcess {
  const child = startServiceProcess(main(service), { LOG_LEVEL: 'info', PORT: '0', ...env });
  processes.push(child);
  return child;
}

async function metricsUrlOf(child: ServiceProcess): Promise<string> {
  const line = await child.waitFor((entry) => entry.msg === 'metrics at /metrics');
  return `http://${String(line.address)}/metrics`;
}

async function startDatabaseService(service: string, env: Record<string, string> = {}): Promise<string> {
  const database = await createTestDatabase();
  databases.push(database);
  const child = start(service, { DATABASE_URL: database.url, METRICS_PORT: '0', ...env });
  const address = await child.listening();
  metricsUrls[service] = await metricsUrlOf(child);
  return address;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'emporium-metrics-'));
  const [account, catalog] = await Promise.all([startDatabaseService('account', { SCRYPT_LOG_N: '12' }), startDatabaseService('catalog')]);
  const order = await startDatabaseService('order', { ACCOUNT_ADDRESS: account, CATALOG_ADDRESS: catalog, RECONCILE_INTERVAL_MS: '0' });
  const gatewayProcess = start('gateway', {
    ACCOUNT_ADDRESS: account,
    CATALOG_ADDRESS: catalog,
    ORDER_ADDRESS: order,
    DATA_DIR: dataDir,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    SIGNUPS_PER_IP: String(SIGN_UPS),
  });
  const listening = await gatewayProcess.waitFor((entry) => entry.msg === 'gateway listening');
  gateway = `http://127.0.0.1:${String(listening.port)}`;
  metricsUrls.gateway = await metricsUrlOf(gatewayProcess);
}, 120_000);

afterAll(async () => {
  for (const child of processes) child.process.kill('SIGTERM');
  await Promise.all(processes.map((child) => child.exited));
  await Promise.all(databases.map((database) => database.drop()));
  if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
});

async function scrapeAll(): Promise<Record<string, Samples>> {
  const entries = await Promise.all(Object.entries(metricsUrls).map(async ([service, url]) => [service, await scrape(url)] as const));
  return Object.fromEntries(entries);
}

/** A named operation, so that the gateway's per-operation series can be named in the checks. */
async function mutate(name: string, field: string, inputType: string, selection: string, input: unknown, token?: string) {
  return graphql(gateway, `mutation ${name}($input: ${inputType}!) { ${field}(input: $input) { ${selection} } }`, { variables: { input }, token });
}

const rpc = (service: string, method: string, code: string) =>
  series('grpc_server_handled_total', { grpc_code: code, grpc_method: method, grpc_service: service });
const rpcCount = (service: string, method: string) =>
  series('grpc_server_handling_seconds_count', { grpc_method: method, grpc_service: service });
const operation = (name: string, code: string) => series('emporium_graphql_requests_total', { code, operation: name, type: 'mutation' });

describe('metrics of every process', () => {
  it('serves process, pool and domain metrics at every /metrics', async () => {
    const scraped = await scrapeAll();
    expect(Object.keys(scraped).sort()).toEqual(['account', 'catalog', 'gateway', 'order']);
    for (const [service, samples] of Object.entries(scraped)) {
      expect(samples.get('process_cpu_user_seconds_total'), service).toBeGreaterThan(0);
      expect(samples.has('nodejs_eventloop_lag_seconds'), service).toBe(true);
    }
    for (const service of ['account', 'catalog', 'order']) {
      expect(scraped[service]?.get('emporium_db_pool_max_connections'), service).toBe(10);
      expect(scraped[service]?.has('emporium_db_pool_in_use_connections'), service).toBe(true);
      expect(scraped[service]?.has('emporium_db_pool_waiting_requests'), service).toBe(true);
    }
    expect(scraped.order?.get('emporium_order_oldest_pending_age_seconds')).toBe(0);
    expect(scraped.account?.get('emporium_password_hash_queue_depth')).toBe(0);
    expect(scraped.account?.get('emporium_password_hash_queue_capacity')).toBeGreaterThan(0);
  });

  it('keeps the gateway\'s metrics off its public port', async () => {
    expect(new URL(metricsUrls.gateway ?? '').port).not.toBe(new URL(gateway).port);
    const publicPage = await fetch(`${gateway}/metrics`);
    expect(await publicPage.text()).not.toContain('emporium_graphql_requests_total');
  });

  it('moves the counters by exactly the traffic sent', async () => {
    const logIn = await mutate('AdminLogIn', 'logIn', 'LogInInput', 'token', ADMIN);
    const admin = String(at(logIn.data, 'logIn', 'token'));
    const product = await mutate('AddProduct', 'createProduct', 'CreateProductInput', 'id', { name: 'Metered lamp', description: '', price: '5.00', stock: STOCK }, admin);
    const productId = String(at(product.data, 'createProduct', 'id'));

    const before = await scrapeAll();

    const tokens: string[] = [];
    for (let i = 0; i < SIGN_UPS + REFUSED_SIGN_UPS; i++) {
      const response = await mutate('Join', 'signUp', 'SignUpInput', 'token', { name: 'Meter Reader', email: uniqueEmail(), password: 'correct horse battery' });
      if (i < SIGN_UPS) tokens.push(String(at(response.data, 'signUp', 'token')));
      else expect(response.errors?.[0]?.extensions.code).toBe('TOO_MANY_REQUESTS');
    }
    const customer = tokens[0] ?? '';
    for (let i = 0; i < ORDERS; i++) {
      const response = await mutate('Buy', 'createOrder', 'CreateOrderInput', 'id status', { items: [{ productId, quantity: 1 }] }, customer);
      expect(at(response.data, 'createOrder', 'status')).toBe('PLACED');
    }
    for (let i = 0; i < FAILED_ORDERS; i++) {
      const response = await mutate('Buy', 'createOrder', 'CreateOrderInput', 'id status', { items: [{ productId, quantity: STOCK + 1 }] }, customer);
      expect(response.errors?.[0]?.extensions.code).toBe('OUT_OF_STOCK');
    }

    const after = await scrapeAll();
    const delta = (service: string, key: string) => moved(before[service] ?? new Map(), after[service] ?? new Map(), key);

    // The gateway: per operation and outcome, the latency histogram's count, the refusals.
    expect(delta('gateway', operation('Join', 'OK'))).toBe(SIGN_UPS);
    expect(delta('gateway', operation('Join', 'TOO_MANY_REQUESTS'))).toBe(REFUSED_SIGN_UPS);
    expect(delta('gateway', operation('Buy', 'OK'))).toBe(ORDERS);
    expect(delta('gateway', operation('Buy', 'OUT_OF_STOCK'))).toBe(FAILED_ORDERS);
    expect(delta('gateway', series('emporium_graphql_request_duration_seconds_count', { operation: 'Buy', type: 'mutation' }))).toBe(ORDERS + FAILED_ORDERS);
    expect(delta('gateway', series('emporium_gateway_rate_limit_refusals_total', { reason: 'SIGNUPS_PER_IP' }))).toBe(REFUSED_SIGN_UPS);

    // The services: every RPC by code, and its latency histogram.
    const orderService = 'emporium.order.v1.OrderService';
    const catalogService = 'emporium.catalog.v1.CatalogService';
    expect(delta('order', rpc(orderService, 'CreateOrder', 'OK'))).toBe(ORDERS);
    expect(delta('order', rpc(orderService, 'CreateOrder', 'FAILED_PRECONDITION'))).toBe(FAILED_ORDERS);
    expect(delta('order', rpcCount(orderService, 'CreateOrder'))).toBe(ORDERS + FAILED_ORDERS);
    expect(delta('catalog', rpc(catalogService, 'ReserveStock', 'OK'))).toBe(ORDERS);
    expect(delta('catalog', rpc(catalogService, 'ReserveStock', 'FAILED_PRECONDITION'))).toBe(FAILED_ORDERS);
    expect(delta('account', rpc('emporium.account.v1.AccountService', 'CreateAccount', 'OK'))).toBe(SIGN_UPS);

    // The domain: the saga's transitions, the reservations, the hashes.
    const transition = (from: string, to: string) => series('emporium_order_transitions_total', { from, to });
    expect(delta('order', transition('none', 'PENDING'))).toBe(ORDERS + FAILED_ORDERS);
    expect(delta('order', transition('PENDING', 'PLACED'))).toBe(ORDERS);
    expect(delta('order', transition('PENDING', 'REJECTED'))).toBe(FAILED_ORDERS);
    expect(delta('catalog', series('emporium_stock_reservations_total', { outcome: 'reserved' }))).toBe(ORDERS);
    expect(delta('catalog', series('emporium_stock_reservations_total', { outcome: 'insufficientStock' }))).toBe(FAILED_ORDERS);
    expect(delta('account', 'emporium_password_hash_started_total')).toBe(SIGN_UPS);
    expect(delta('account', 'emporium_password_hash_refusals_total')).toBe(0);
    expect(after.order?.get('emporium_order_oldest_pending_age_seconds')).toBe(0);
  });
});
