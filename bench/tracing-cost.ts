// What tracing costs (bench/README.md, "Tracing cost"): CPU per request of the whole platform
// (gateway + account + catalog + order) with tracing off, on without an exporter, with the SDK
// registered but sampling nothing, and at 100% sampling exporting to a local OTLP/HTTP receiver.
// One stack per mode, all started at once on their own databases; the modes take turns within each
// round so a change in the machine's load hits them alike.
//   npm run bench:tracing -- [--seconds 10] [--rounds 3] [--connections 8]
// Writes bench/results/<date>-tracing.{json,md}.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { graphql, at } from '@emporium/testkit/graphql.js';
import { startOtlpReceiver } from '@emporium/testkit/otlp-receiver.js';
import { createBenchDatabases, type BenchDatabases } from './lib/databases.js';
import { runLoad } from './lib/load.js';
import { log } from './lib/log.js';
import { startProcess, type ManagedProcess } from './lib/processes.js';
import { SeededRandom } from './lib/random.js';
import { graphqlBody } from './lib/scenarios.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
  },
});
const seconds = z.coerce.number().int().min(1).max(600).parse(values.seconds);
const rounds = z.coerce.number().int().min(1).max(20).parse(values.rounds);
const connections = z.coerce.number().int().min(1).max(256).parse(values.connections);

const ADMIN = { email: 'admin@tracing.bench.emporium.test', password: 'bench lamp 7c1f orbit' };
const START_TIMEOUT_MS = 120_000;
const PRODUCTS = 20;

interface Mode {
  readonly name: string;
  readonly what: string;
  readonly env: (endpoint: string) => Record<string, string>;
}

const MODES: readonly Mode[] = [
  { name: 'off', what: 'OTEL_SDK_DISABLED=true', env: () => ({ OTEL_SDK_DISABLED: 'true' }) },
  { name: 'no-exporter', what: 'no OTEL_EXPORTER_OTLP_ENDPOINT (the default)', env: () => ({}) },
  {
    name: 'sampled-out',
    what: 'endpoint set, OTEL_TRACES_SAMPLER=always_off (SDK registered, nothing recorded)',
    env: (endpoint) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'always_off' }),
  },
  {
    name: 'full',
    what: 'endpoint set, 100% sampling, http/protobuf to a local receiver',
    env: (endpoint) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'always_on' }),
  },
];

interface Stack {
  readonly mode: Mode;
  readonly processes: readonly ManagedProcess[];
  readonly url: string;
  readonly productIds: readonly string[];
}

const mainOf = (service: string) => ['--conditions=@emporium/source', '--import', 'tsx', join(root, 'services', service, 'src', 'main.ts')];
const grpcAddress = (line: Record<string, unknown>) => (typeof line.address === 'string' ? line.address : '');
const isGrpcListening = (line: Record<string, unknown>) => line.msg === 'gRPC server listening';

async function startStack(mode: Mode, endpoint: string, databases: BenchDatabases, dataDir: string, all: ManagedProcess[]): Promise<Stack> {
  const start = (service: string, env: Record<string, string>) => {
    const managed = startProcess({
      name: `${mode.name}/${service}`,
      args: mainOf(service),
      // The reconciler would add CPU no request asked for.
      env: { NODE_ENV: 'production', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', RECONCILE_INTERVAL_MS: '0', ...mode.env(endpoint), ...env },
      cwd: root,
      mode: 'tsx-source',
    });
    all.push(managed);
    return managed;
  };
  // A cheap password hash: the administrator's log-in is set-up here, not what is measured.
  const account = start('account', { DATABASE_URL: databases.account, SCRYPT_LOG_N: '12' });
  const catalog = start('catalog', { DATABASE_URL: databases.catalog });
  const [accountAddress, catalogAddress] = await Promise.all(
    [account, catalog].map((service) => service.waitForLine(isGrpcListening, START_TIMEOUT_MS).then(grpcAddress)),
  );
  const order = start('order', { DATABASE_URL: databases.order, ACCOUNT_ADDRESS: accountAddress ?? '', CATALOG_ADDRESS: catalogAddress ?? '' });
  const orderAddress = grpcAddress(await order.waitForLine(isGrpcListening, START_TIMEOUT_MS));
  const gateway = start('gateway', {
    ACCOUNT_ADDRESS: accountAddress ?? '',
    CATALOG_ADDRESS: catalogAddress ?? '',
    ORDER_ADDRESS: orderAddress,
    JWT_SECRET: randomBytes(32).toString('base64url'),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    GRAPHIQL: 'false',
    DATA_DIR: dataDir,
    // One client sends everything here: the per-IP budget is not what is measured.
    RATE_LIMIT_REQUESTS: '100000000',
  });
  const listening = await gateway.waitForLine((line) => line.msg === 'gateway listening', START_TIMEOUT_MS);
  const url = `http://127.0.0.1:${String(listening.port)}/graphql`;
  const base = url.slice(0, -'/graphql'.length);
  const logIn = await graphql(base, 'mutation($input: LogInInput!) { logIn(input: $input) { token } }', { variables: { input: ADMIN } });
  const token = String(at(logIn.data, 'logIn', 'token'));
  const productIds: string[] = [];
  for (let n = 0; n < PRODUCTS; n++) {
    const created = await graphql(base, 'mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }', {
      token,
      variables: { input: { name: `Bench lamp ${n}`, description: 'a lamp', price: '19.99', stock: 1000 } },
    });
    productIds.push(String(at(created.data, 'createProduct', 'id')));
  }
  return { mode, processes: [account, catalog, order, gateway], url, productIds };
}

function cpuOf(stack: Stack): number {
  return stack.processes.reduce((sum, process) => sum + (process.cpuSeconds() ?? Number.NaN), 0);
}

interface Measured {
  requests: number;
  ok: number;
  cpuSeconds: number;
  seconds: number;
}

async function measure(stack: Stack, loadSeconds: number, seed: number): Promise<Measured> {
  const random = new SeededRandom(seed);
  const next = () => ({ body: graphqlBody('Product', { id: random.pick(stack.productIds) }), headers: {} });
  const before = cpuOf(stack);
  const result = await runLoad({ url: stack.url, connections, seconds: loadSeconds, next });
  const cpuSeconds = cpuOf(stack) - before;
  return { requests: result.requests, ok: result.ok, cpuSeconds, seconds: result.seconds };
}

const all: ManagedProcess[] = [];
const databases: BenchDatabases[] = [];
const scratch = await mkdtemp(join(tmpdir(), 'emporium-tracing-bench-'));
const receiver = await startOtlpReceiver();
try {
  log(`starting ${MODES.length} stacks (${MODES.map((mode) => mode.name).join(', ')})`);
  const stacks: Stack[] = [];
  for (const mode of MODES) {
    const owned = await createBenchDatabases();
    databases.push(owned);
    stacks.push(await startStack(mode, receiver.endpoint, owned, join(scratch, mode.name), all));
  }
  log('warming up');
  for (const stack of stacks) await measure(stack, 3, 0);
  const totals = new Map<string, Measured>(MODES.map((mode) => [mode.name, { requests: 0, ok: 0, cpuSeconds: 0, seconds: 0 }]));
  for (let round = 1; round <= rounds; round++) {
    // Each round in another order, so no mode always runs first.
    const order = round % 2 === 1 ? stacks : [...stacks].reverse();
    for (const stack of order) {
      const measured = await measure(stack, seconds, round);
      const total = totals.get(stack.mode.name);
      if (total === undefined) continue;
      total.requests += measured.requests;
      total.ok += measured.ok;
      total.cpuSeconds += measured.cpuSeconds;
      total.seconds += measured.seconds;
      log(`round ${round} ${stack.mode.name}: ${measured.requests} requests, ${((measured.cpuSeconds * 1000) / measured.requests).toFixed(3)} ms CPU each`);
    }
  }
  const cpuPerRequest = (name: string) => {
    const total = totals.get(name);
    return total === undefined ? Number.NaN : (total.cpuSeconds * 1000) / total.requests;
  };
  const off = cpuPerRequest('off');
  const rows = MODES.map((mode) => {
    const total = totals.get(mode.name) ?? { requests: 0, ok: 0, cpuSeconds: 0, seconds: 0 };
    return {
      mode: mode.name,
      what: mode.what,
      requests: total.requests,
      ok: total.ok,
      requestsPerSecond: total.requests / total.seconds,
      cpuMsPerRequest: cpuPerRequest(mode.name),
      vsOff: cpuPerRequest(mode.name) / off,
    };
  });
  const date = new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, '');
  const machine = { cpus: availableParallelism(), model: cpus()[0]?.model ?? '', node: process.version };
  const results = {
    date,
    scenario: 'product (point read: gateway -> catalog -> one SELECT; 6 spans a request when traced)',
    connections,
    seconds,
    rounds,
    machine,
    exported: receiver.protobuf,
    rows,
  };
  const table = [
    `# Tracing cost, ${date}`,
    '',
    `Scenario: ${results.scenario}; ${connections} connections, ${rounds} rounds × ${seconds} s per mode, modes interleaved; ${machine.cpus} CPUs (${machine.model}), Node ${machine.node}.`,
    `CPU: user + system of the four processes (gateway, account, catalog, order) during the loads; the receiver is not counted. Exported: ${receiver.protobuf.requests} OTLP requests, ${receiver.protobuf.bytes} bytes.`,
    '',
    '| mode | what | requests | ok | req/s | CPU ms / request | vs off |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.mode} | ${row.what} | ${row.requests} | ${row.ok} | ${row.requestsPerSecond.toFixed(0)} | ${row.cpuMsPerRequest.toFixed(3)} | ${row.vsOff.toFixed(3)} |`,
    ),
    '',
  ].join('\n');
  const dir = join(root, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${date}-tracing.json`), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(dir, `${date}-tracing.md`), table);
  process.stdout.write(`${table}\n`);
} finally {
  await Promise.all(all.map((managed) => managed.stop()));
  await Promise.all(databases.map((owned) => owned.drop()));
  await receiver.close();
  await rm(scratch, { recursive: true, force: true });
}
