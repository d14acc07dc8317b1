import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@emporium/testkit/databases.js';
import { eventually } from '@emporium/testkit/eventually.js';
import { ADMIN, at, graphql, logInAdmin, signUp, type GraphQLClient, type RequestOptions } from '@emporium/testkit/graphql.js';
import { SPAN_KIND, STATUS, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@emporium/testkit/otlp-receiver.js';
import { startServiceProcess, type ServiceProcess } from '@emporium/testkit/service-process.js';

// One trace per GraphQL request, across real processes: each service and the gateway run as their
// own process (as production runs them), told by the standard OTEL_* variables to export to a
// receiver inside this test.

const mainOf = (service: string) => fileURLToPath(new URL(`../../${service}/src/main.ts`, import.meta.url));

const CREATE_PRODUCT = `mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }`;
const CREATE_ORDER = `mutation PlaceOrder($input: CreateOrderInput!) { createOrder(input: $input) { id status } }`;

/** A W3C traceparent of our own: the request's trace id is then known before it is sent. */
function newTraceparent(): { header: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { header: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

describe('tracing across the processes', () => {
  let receiver: OtlpReceiver;
  const databases: TestDatabase[] = [];
  const processes: Record<string, ServiceProcess> = {};
  let dataDir: string;
  let gatewayUrl: string;
  let client: GraphQLClient;
  let adminToken: string;

  const otel = (): Record<string, string> => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Export every 100 ms, so the test need not wait 5 s for a batch.
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });

  async function startService(name: 'account' | 'catalog' | 'order', env: Record<string, string>): Promise<string> {
    const child = startServiceProcess(mainOf(name), { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', ...otel(), ...env });
    processes[name] = child;
    return child.listening();
  }

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    databases.push(...(await Promise.all([createTestDatabase(), createTestDatabase(), createTestDatabase()])));
    const [account, catalog, order] = databases.map((database) => database.url);
    dataDir = await mkdtemp(join(tmpdir(), 'emporium-tracing-'));
    const [accountAddress, catalogAddress] = await Promise.all([
      startService('account', { DATABASE_URL: account ?? '', SCRYPT_LOG_N: '10' }),
      startService('catalog', { DATABASE_URL: catalog ?? '' }),
    ]);
    const orderAddress = await startService('order', {
      DATABASE_URL: order ?? '',
      ACCOUNT_ADDRESS: accountAddress,
      CATALOG_ADDRESS: catalogAddress,
      UPSTREAM_DEADLINE_MS: '1500',
      RECONCILE_INTERVAL_MS: '500',
    });
    const gateway = startServiceProcess(mainOf('gateway'), {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      ACCOUNT_ADDRESS: accountAddress,
      CATALOG_ADDRESS: catalogAddress,
      ORDER_ADDRESS: orderAddress,
      DATA_DIR: dataDir,
      GRAPHIQL: 'false',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      ...otel(),
    });
    processes.gateway = gateway;
    const listening = await gateway.waitFor((line) => line.msg === 'gateway listening');
    gatewayUrl = `http://127.0.0.1:${String(listening.port)}`;
    client = { request: (query: string, options?: RequestOptions) => graphql(gatewayUrl, query, options) };
    adminToken = await logInAdmin(client);
  }, 60_000);

  afterAll(async () => {
    for (const child of Object.values(processes)) child.process.kill('SIGTERM');
    await Promise.all(Object.values(processes).map((child) => child.exited));
    await Promise.all(databases.map((database) => database.drop()));
    await receiver.close();
    await rm(dataDir, { recursive: true, force: true });
  }, 30_000);

  async function newProduct(stock: number): Promise<string> {
    const response = await client.request(CREATE_PRODUCT, {
      token: adminToken,
      variables: { input: { name: 'Traced teapot', description: '', price: '12.50', stock } },
    });
    return String(at(response.data, 'createProduct', 'id'));
  }

  /** Sends createOrder in a trace of our own and returns its trace id and the response. */
  async function placeOrder(productId: string, quantity: number) {
    const customer = await signUp(client);
    const traceparent = newTraceparent();
    const response = await client.request(CREATE_ORDER, {
      token: customer.token,
      headers: { traceparent: traceparent.header },
      variables: { input: { items: [{ productId, quantity }] } },
    });
    return { traceparent, response, customer };
  }

  /** The trace's spans once `done` holds of them (they arrive in batches from four processes). */
  function traceOf(traceId: string, done: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
    return eventually(
      () => Promise.resolve(receiver.spans.filter((span) => span.traceId === traceId)),
      done,
      15_000,
    );
  }

  const one = (spans: ReceivedSpan[], where: (span: ReceivedSpan) => boolean, what: string): ReceivedSpan => {
    const found = spans.filter(where);
    if (found.length !== 1) throw new Error(`expected one ${what}, found ${found.length}: ${JSON.stringify(spans.map((s) => [s.service, s.name]))}`);
    return found[0] as ReceivedSpan;
  };

  const rpc = (service: string, kind: number, method: string) => (span: ReceivedSpan) =>
    span.service === service && span.kind === kind && span.name.endsWith(`/${method}`);

  /** True when ancestor is span's parent, grandparent... within spans. */
  function descends(spans: ReceivedSpan[], span: ReceivedSpan, ancestor: ReceivedSpan): boolean {
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (let current = byId.get(span.parentSpanId); current !== undefined; current = byId.get(current.parentSpanId)) {
      if (current.spanId === ancestor.spanId) return true;
    }
    return false;
  }

  it('createOrder is one trace: gateway HTTP -> operation -> resolver -> gRPC -> order -> account and catalog -> their SQL', async () => {
    const productId = await newProduct(10);
    const { traceparent, response, customer } = await placeOrder(productId, 2);
    expect(response.errors).toBeUndefined();
    expect(at(response.data, 'createOrder', 'status')).toBe('PLACED');

    const isSql = (service: string) => (span: ReceivedSpan) => span.service === service && span.attributes['db.system'] === 'postgresql';
    const spans = await traceOf(traceparent.traceId, (received) =>
      ['account', 'catalog', 'order'].every((service) => received.some(isSql(service))) &&
      received.some((span) => span.service === 'gateway' && span.kind === SPAN_KIND.SERVER),
    );

    // The gateway: its HTTP span continues the caller's trace; the operation, then the resolver.
    const http = one(spans, (s) => s.service === 'gateway' && s.kind === SPAN_KIND.SERVER, 'gateway HTTP span');
    expect(http).toMatchObject({ name: 'POST /graphql', parentSpanId: traceparent.spanId });
    expect(http.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/graphql', 'http.response.status_code': 200 });
    const operation = one(spans, (s) => s.name === 'mutation PlaceOrder', 'operation span');
    expect(operation.parentSpanId).toBe(http.spanId);
    expect(operation.attributes).toMatchObject({ 'graphql.operation.type': 'mutation', 'graphql.operation.name': 'PlaceOrder' });
    const resolver = one(spans, (s) => s.name === 'resolve Mutation.createOrder', 'resolver span');
    expect(resolver.parentSpanId).toBe(operation.spanId);

    // gateway -> order
    const toOrder = one(spans, rpc('gateway', SPAN_KIND.CLIENT, 'CreateOrder'), 'gateway CreateOrder client span');
    expect(toOrder.parentSpanId).toBe(resolver.spanId);
    const orderServer = one(spans, rpc('order', SPAN_KIND.SERVER, 'CreateOrder'), 'order CreateOrder server span');
    expect(orderServer.parentSpanId).toBe(toOrder.spanId);
    expect(orderServer.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.service': 'emporium.order.v1.OrderService',
      'rpc.method': 'CreateOrder',
      'rpc.grpc.status_code': 0,
    });

    // order -> account and catalog, each answered by a server span in that service
    for (const service of ['account', 'catalog']) {
      const calls = spans.filter((s) => s.service === 'order' && s.kind === SPAN_KIND.CLIENT && s.attributes['rpc.service'] === `emporium.${service}.v1.${service === 'account' ? 'Account' : 'Catalog'}Service`);
      expect(calls.length, `order's calls to ${service}`).toBeGreaterThan(0);
      for (const call of calls) {
        expect(descends(spans, call, orderServer)).toBe(true);
        const served = one(spans, (s) => s.service === service && s.kind === SPAN_KIND.SERVER && s.parentSpanId === call.spanId, `${service} server span of ${call.name}`);
        expect(served.attributes['rpc.grpc.status_code']).toBe(0);
        const sql = spans.filter((s) => isSql(service)(s) && descends(spans, s, served));
        expect(sql.length, `${service}'s SQL under ${served.name}`).toBeGreaterThan(0);
      }
    }

    // Every SQL statement: under its service's server span, parameterised, no values.
    for (const sql of spans.filter((s) => s.attributes['db.system'] === 'postgresql')) {
      const server = spans.find((s) => s.service === sql.service && s.kind === SPAN_KIND.SERVER && descends(spans, sql, s));
      expect(server, `${sql.service} ${sql.name} under a server span`).toBeDefined();
      // The default conventions (no OTEL_SEMCONV_STABILITY_OPT_IN): the statement once, as db.statement.
      const statement = String(sql.attributes['db.statement']);
      expect(sql.attributes['db.query.text']).toBeUndefined();
      expect(statement).not.toContain(productId);
      expect(statement).not.toContain(customer.id);
    }
    expect(spans.some((s) => s.service === 'catalog' && String(s.attributes['db.statement']).includes('$1'))).toBe(true);

    // Parents intact: every span but the gateway's HTTP span has its parent in this trace.
    const ids = new Set(spans.map((s) => s.spanId));
    expect(spans.filter((s) => s !== http && !ids.has(s.parentSpanId)).map((s) => `${s.service} ${s.name}`)).toEqual([]);
  });

  it('log lines written inside a request carry its trace id and span id', async () => {
    const productId = await newProduct(5);
    const { traceparent } = await placeOrder(productId, 1);
    const spans = await traceOf(traceparent.traceId, (received) => received.some(rpc('order', SPAN_KIND.SERVER, 'CreateOrder')));
    const orderServer = one(spans, rpc('order', SPAN_KIND.SERVER, 'CreateOrder'), 'order server span');
    const order = processes.order;
    if (order === undefined) throw new Error('no order process');
    const line = await order.waitFor((entry) => entry.msg === 'call ok' && entry.trace_id === traceparent.traceId);
    expect(line).toMatchObject({ method: '/emporium.order.v1.OrderService/CreateOrder', span_id: orderServer.spanId });
    // And a line outside any request carries none.
    expect(order.lines.find((entry) => entry.msg === 'gRPC server listening')).not.toHaveProperty('trace_id');
  });

  it('OUT_OF_STOCK is recorded on the catalog, order and gateway spans with its status and code', async () => {
    const productId = await newProduct(1);
    const { traceparent, response } = await placeOrder(productId, 3);
    expect(response.errors?.map((error) => error.extensions.code)).toEqual(['OUT_OF_STOCK']);
    const spans = await traceOf(traceparent.traceId, (received) =>
      received.some(rpc('catalog', SPAN_KIND.SERVER, 'ReserveStock')) && received.some((s) => s.name === 'resolve Mutation.createOrder'),
    );
    const FAILED_PRECONDITION = 9;
    const reserve = one(spans, rpc('catalog', SPAN_KIND.SERVER, 'ReserveStock'), 'catalog ReserveStock server span');
    expect(reserve.attributes['rpc.grpc.status_code']).toBe(FAILED_PRECONDITION);
    expect(reserve.status.code).toBe(STATUS.ERROR);
    const reserveCall = one(spans, rpc('order', SPAN_KIND.CLIENT, 'ReserveStock'), 'order ReserveStock client span');
    expect(reserveCall).toMatchObject({ spanId: reserve.parentSpanId, status: { code: STATUS.ERROR } });
    expect(reserveCall.attributes['rpc.grpc.status_code']).toBe(FAILED_PRECONDITION);
    const orderServer = one(spans, rpc('order', SPAN_KIND.SERVER, 'CreateOrder'), 'order CreateOrder server span');
    expect(orderServer.attributes['rpc.grpc.status_code']).toBe(FAILED_PRECONDITION);
    expect(orderServer.status.code).toBe(STATUS.ERROR);
    const resolver = one(spans, (s) => s.name === 'resolve Mutation.createOrder', 'resolver span');
    expect(resolver).toMatchObject({ status: { code: STATUS.ERROR }, attributes: { 'error.type': 'OUT_OF_STOCK' } });
    const operation = one(spans, (s) => s.name === 'mutation PlaceOrder', 'operation span');
    expect(operation).toMatchObject({ status: { code: STATUS.ERROR }, attributes: { 'error.type': 'OUT_OF_STOCK' } });
  });

  it('UNAVAILABLE (the catalog down) is recorded on the order service client span with its code', async () => {
    const productId = await newProduct(5);
    const catalog = processes.catalog;
    if (catalog === undefined) throw new Error('no catalog process');
    catalog.process.kill('SIGTERM');
    expect(await catalog.exited).toBe(0);
    const { traceparent } = await placeOrder(productId, 1);
    const UNAVAILABLE = 14;
    const spans = await traceOf(traceparent.traceId, (received) => received.some(rpc('order', SPAN_KIND.SERVER, 'CreateOrder')));
    const reserveCalls = spans.filter(rpc('order', SPAN_KIND.CLIENT, 'ReserveStock'));
    expect(reserveCalls.length).toBeGreaterThan(0);
    for (const call of reserveCalls) {
      expect(call.attributes['rpc.grpc.status_code']).toBe(UNAVAILABLE);
      expect(call.status.code).toBe(STATUS.ERROR);
    }
    // Nobody answered: no catalog span in this trace.
    expect(spans.filter((s) => s.service === 'catalog')).toEqual([]);
  });

  it("the reconciler's passes are root traces of their own, with their SQL under them", async () => {
    const passes = await eventually(
      () => Promise.resolve(receiver.spans.filter((s) => s.service === 'order' && s.name === 'order.reconcile')),
      (found) => found.some((pass) => receiver.spans.some((s) => s.parentSpanId === pass.spanId && s.attributes['db.system'] === 'postgresql')),
    );
    for (const pass of passes) expect(pass.parentSpanId).toBe('');
  });
});
