import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventually } from '@emporium/testkit/eventually.js';
import { at, logInAdmin, signUp } from '@emporium/testkit/graphql.js';
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@emporium/testkit/otlp-receiver.js';
import { freePort } from '@emporium/testkit/ports.js';
import { useComposeProject } from './lib/compose.js';
import { createOrder, createProduct, ok, text } from './lib/shop.js';

/*
 * The observability of the real container stack. Prometheus: the Compose profile's own
 * `prometheus` service, its prometheus.yml and alerts.yml, run by Debian's Prometheus on the
 * project's network (fixtures/observability.override.yaml) — it finds every replica through
 * Docker's DNS and scrapes each. Traces: the processes in the containers export OTLP/HTTP to a
 * receiver in this test, configured by the OTEL_* variables compose.yaml passes them.
 */

const OVERRIDE = fileURLToPath(new URL('fixtures/observability.override.yaml', import.meta.url));
const ALERTS = fileURLToPath(new URL('../observability/prometheus/alerts.yml', import.meta.url));
const MINUTE = 60_000;
const run = promisify(execFile);
const CATALOG_REPLICAS = 2;
const ORDERS = 3;

const receiverPort = await freePort();
const prometheusPort = await freePort();
const prometheus = `http://127.0.0.1:${prometheusPort}`;
let receiver: OtlpReceiver | undefined;

// Before the project's own beforeAll: the processes export from their first request on.
beforeAll(async () => {
  // On every interface: the containers reach it through the host's bridge address.
  receiver = await startOtlpReceiver({ host: '0.0.0.0', port: receiverPort });
});
afterAll(async () => {
  await receiver?.close();
});

const stack = useComposeProject({
  name: 'observability',
  scale: { catalog: CATALOG_REPLICAS },
  overrides: [OVERRIDE],
  env: {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://host.docker.internal:${receiverPort}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    PROMETHEUS_PORT: String(prometheusPort),
  },
});

const targetsAnswer = z.object({
  data: z.object({
    activeTargets: z.array(z.looseObject({ labels: z.looseObject({ job: z.string(), instance: z.string() }), health: z.string(), lastError: z.string() })),
  }),
});
const queryAnswer = z.object({ data: z.object({ result: z.array(z.object({ value: z.tuple([z.number(), z.string()]) })) }) });
const rulesAnswer = z.object({
  data: z.object({ groups: z.array(z.object({ name: z.string(), rules: z.array(z.looseObject({ name: z.string(), health: z.string() })) })) }),
});

async function prometheusApi<T>(path: string, schema: z.ZodType<T>): Promise<T> {
  const response = await fetch(`${prometheus}${path}`);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}: ${await response.text()}`);
  return schema.parse(await response.json());
}

/** The value of a PromQL query whose answer is one number (NaN when it has no series). */
async function scalar(query: string): Promise<number> {
  const answer = await prometheusApi(`/api/v1/query?query=${encodeURIComponent(query)}`, queryAnswer);
  return answer.data.result.length === 1 ? Number(answer.data.result[0]?.value[1]) : Number.NaN;
}

/** The addresses of a service's containers (one per replica) on the project's network. */
async function addressesOf(service: 'account' | 'catalog' | 'order' | 'notification' | 'gateway'): Promise<string[]> {
  const addresses: string[] = [];
  for (const container of await stack.containers(service)) {
    const { stdout } = await run('docker', ['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', container]);
    addresses.push(stdout.trim());
  }
  return addresses.sort();
}

describe('the container stack, observed', () => {
  // One administrator and one customer for every test: each log-in or sign-up is a password hash.
  let admin = '';
  let customer: { token: string } = { token: '' };
  beforeAll(async () => {
    admin = await logInAdmin(stack);
    customer = await signUp(stack, 'Ada Observer');
  }, 2 * MINUTE);

  beforeAll(async () => {
    const started = performance.now();
    // Only the profile's Prometheus: the collector, Jaeger and Grafana images are not here.
    await stack.compose(['--profile', 'observability', 'up', '--detach', '--wait', 'prometheus'], 5 * MINUTE);
    console.log(`Prometheus (the profile's service, Debian's binary) running ${Math.round(performance.now() - started)} ms after up`);
  }, 6 * MINUTE);

  it("Debian's Prometheus, with the profile's configuration, scrapes every replica of every process", { timeout: 3 * MINUTE }, async () => {
    const expected: Record<string, string[]> = {};
    for (const service of ['account', 'catalog', 'order', 'notification', 'gateway'] as const) expected[service] = await addressesOf(service);
    expect(expected.catalog).toHaveLength(CATALOG_REPLICAS);

    const started = performance.now();
    const targets = await eventually(
      async () => (await prometheusApi('/api/v1/targets?state=active', targetsAnswer)).data.activeTargets,
      (active) => Object.keys(expected).every((job) => active.filter((t) => t.labels.job === job && t.health === 'up').length === expected[job]?.length),
      2 * MINUTE,
    );
    console.log(`every target up ${Math.round(performance.now() - started)} ms after Prometheus started`);
    for (const [job, addresses] of Object.entries(expected)) {
      const instances = targets.filter((t) => t.labels.job === job);
      expect(instances.map((t) => t.labels.instance.replace(/:\d+$/, '')).sort(), job).toEqual(addresses);
      for (const target of instances) expect(target, job).toMatchObject({ health: 'up', lastError: '' });
    }
    // Each on its process's metrics port, not the port its clients use.
    const port = (job: string) => new Set(targets.filter((t) => t.labels.job === job).map((t) => t.labels.instance.split(':').pop()));
    expect(port('gateway')).toEqual(new Set(['9450']));
    expect(port('catalog')).toEqual(new Set(['9452']));

    // The alert rules load and evaluate: every rule of alerts.yml, none failing.
    const ruleCount = z
      .object({ groups: z.array(z.object({ rules: z.array(z.unknown()) })) })
      .parse(parse(readFileSync(ALERTS, 'utf8')))
      .groups.reduce((sum, group) => sum + group.rules.length, 0);
    const rules = (await prometheusApi('/api/v1/rules', rulesAnswer)).data.groups.flatMap((group) => group.rules);
    expect(rules).toHaveLength(ruleCount);
    expect(rules.filter((rule) => rule.health === 'err').map((rule) => rule.name)).toEqual([]);
  });

  it('counts the traffic sent through the gateway, summed over the replicas', { timeout: 3 * MINUTE }, async () => {
    const lamp = await createProduct(stack, admin, { name: 'Observed lamp', price: '12.00', stock: 10 });
    for (let i = 0; i < ORDERS; i++) ok(await createOrder(stack, customer.token, [{ productId: lamp, quantity: 1 }], randomBytes(8).toString('hex')));
    // A fresh stack: these are the only orders placed, whichever replica served them.
    const placed = await eventually(
      () => scalar('sum(emporium_order_transitions_total{to="PLACED"})'),
      (value) => value === ORDERS,
      MINUTE,
    );
    expect(placed).toBe(ORDERS);
    const reserved = await eventually(
      () => scalar('sum(emporium_stock_reservations_total{outcome="reserved"})'),
      (value) => value === ORDERS,
      MINUTE,
    );
    expect(reserved).toBe(ORDERS);
  });

  it('one createOrder is one trace across the containers: gateway, order, account and catalog, with their SQL, then the event to the notification service', { timeout: 2 * MINUTE }, async () => {
    const kettle = await createProduct(stack, admin, { name: 'Traced kettle', price: '30.00', stock: 4 });
    const traceId = randomBytes(16).toString('hex');
    const parent = randomBytes(8).toString('hex');
    const response = await stack.request(
      'mutation PlaceOrder($input: CreateOrderInput!) { createOrder(input: $input) { id status } }',
      { token: customer.token, headers: { traceparent: `00-${traceId}-${parent}-01` }, variables: { input: { items: [{ productId: kettle, quantity: 1 }] } } },
    );
    expect(text(at(ok(response), 'createOrder', 'status'))).toBe('PLACED');

    const isSql = (service: string) => (span: ReceivedSpan) => span.service === service && span.attributes['db.system'] === 'postgresql';
    // Batches leave each process every 5 s (the SDK's default schedule).
    const spans = await eventually(
      () => Promise.resolve((receiver?.spans ?? []).filter((span) => span.traceId === traceId)),
      (received) =>
        ['account', 'catalog', 'order', 'notification'].every((service) => received.some(isSql(service))) &&
        received.some((s) => s.service === 'gateway' && s.kind === SPAN_KIND.SERVER) &&
        // The notification service processed OrderPlaced and looked the recipient up.
        received.some((s) => s.service === 'notification' && s.name === 'emporium.order.v1.OrderPlaced process') &&
        received.some((s) => s.service === 'notification' && s.kind === SPAN_KIND.CLIENT),
      MINUTE,
    );
    const http = spans.find((s) => s.service === 'gateway' && s.kind === SPAN_KIND.SERVER);
    expect(http).toMatchObject({ name: 'POST /graphql', parentSpanId: parent });
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['gateway', 'order', 'account', 'catalog', 'notification']));
    // The order service's relay published OrderPlaced in this trace, and the notification service processed it as its child.
    const published = spans.find((s) => s.service === 'order' && s.name === 'emporium.order.v1.OrderPlaced publish');
    const processed = spans.find((s) => s.service === 'notification' && s.name === 'emporium.order.v1.OrderPlaced process');
    expect(processed?.parentSpanId).toBe(published?.spanId);
    // Each service's server span answers a client span of its caller.
    for (const [callers, callee] of [[['gateway'], 'order'], [['order', 'notification'], 'account'], [['order'], 'catalog']] as const) {
      const served = spans.filter((s) => s.service === callee && s.kind === SPAN_KIND.SERVER);
      expect(served.length, `${callee} server spans`).toBeGreaterThan(0);
      for (const span of served) {
        const client = spans.find((s) => s.spanId === span.parentSpanId);
        expect(client?.kind, `${callee} ${span.name}'s parent`).toBe(SPAN_KIND.CLIENT);
        expect(callers, `${callee} ${span.name}'s caller`).toContain(client?.service);
      }
    }
    // Parents intact: every span but the gateway's HTTP span has its parent in this trace.
    const ids = new Set(spans.map((s) => s.spanId));
    expect(spans.filter((s) => s !== http && !ids.has(s.parentSpanId)).map((s) => `${s.service} ${s.name}`)).toEqual([]);
  });
});
