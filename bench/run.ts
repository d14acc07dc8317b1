import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { z } from 'zod';
import { accountConfigSchema } from '@emporium/account/config.js';
import { PasswordHasher } from '@emporium/account/password.js';
import { parseConfig } from '@emporium/kit/config.js';
import { REFUSED, runSignUpBurst, type BurstSummary } from './lib/burst.js';
import { measureColdStart } from './lib/coldstart.js';
import { backendCpuBetween, backendCpuSeconds, createBenchDatabases, describeServer, type BenchDatabases } from './lib/databases.js';
import { runLoad, type LoadRequest, type RunResult } from './lib/load.js';
import { isComplete, parseOptions, USAGE, type BenchOptions, type ProcessName, type ScenarioId } from './lib/options.js';
import { findPgbench, runPgbench, type PgbenchResult, type PgbenchScript } from './lib/pgbench.js';
import { entryPoint, startProcess, type ManagedProcess } from './lib/processes.js';
import { readProfileSummary, renderProfileSummary } from './lib/profile.js';
import {
  renderMarkdown,
  summarizePgbench,
  summarizeRuns,
  unexpectedErrors,
  type BenchResults,
  type CeilingPart,
  type CeilingResult,
  type CheckResult,
  type MeasuredRun,
  type ScenarioResult,
  type TargetResult,
} from './lib/report.js';
import {
  DOCUMENTS,
  hotOrderRequests,
  nestedRequests,
  orderRequests,
  orderScripts,
  productRequests,
  productScript,
  searchRequests,
  searchScripts,
} from './lib/scenarios.js';
import { CUSTOMER_PASSWORD, KIND, customerEmail, seedAccounts, seedCatalog, seedOrders, seededIds, validateDataSet } from './lib/seed.js';
import { serialThroughput } from './lib/stats.js';

// `npm run bench`: builds, starts the platform as production processes on fresh PostgreSQL
// databases, seeds them, drives the gateway and its comparators, checks the books, writes the
// results. See bench/README.md for what each number means.

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const SCRATCH_DIR = join(RESULTS_DIR, 'tmp');
const exec = promisify(execFile);

const log = (message: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

interface Platform {
  readonly account: ManagedProcess;
  readonly catalog: ManagedProcess;
  readonly order: ManagedProcess;
  readonly gateway: ManagedProcess;
  readonly monolith: ManagedProcess;
  readonly gatewayUrl: string;
  readonly floorUrl: string;
}

/** What the scenarios need from the seeded data and the logged-in users. */
interface Fixtures {
  readonly productIds: readonly string[];
  readonly hotProductIds: readonly string[];
  readonly adminToken: string;
  readonly customerTokens: readonly string[];
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const parsed = parseOptions(argv);
  if (parsed === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const options = parsed;
  validateDataSet(options.data);
  const startedAt = new Date();
  const loadBefore = loadavg();
  log(`mode ${options.mode}; load average ${loadBefore.map((v) => v.toFixed(2)).join(' ')} on ${cpus().length} cores`);

  const pgbench = await findPgbench();
  const server = await describeServer();
  if (options.build) await build();

  const scratch = await mkdtemp(join(tmpdir(), 'emporium-bench-'));
  const profileDir = join(SCRATCH_DIR, 'profiles');
  const databases = await createBenchDatabases(options.databaseSettings);
  const processes: ManagedProcess[] = [];
  let platform: Platform | undefined;
  const scenarios: ScenarioResult[] = [];
  const notes: string[] = [];
  let seedReport: Record<string, number> | undefined;
  let loadsStartedAt: number | undefined;
  try {
    platform = await startPlatform(options, databases, scratch, profileDir, processes);
    seedReport = await seed(options, databases);
    const fixtures = await prepareFixtures(options, databases, platform);
    loadsStartedAt = performance.now();
    for (const id of options.scenarios) {
      const context = { platform, fixtures, databases, pgbench, scratch, processes };
      const result = id === BURST_SCENARIO ? await runBurstScenario(options, context) : await runScenario(id, options, context);
      scenarios.push(result);
    }
  } finally {
    log('stopping the platform');
    await Promise.all(processes.map((process) => process.stop()));
    if (options.keep) log(`kept databases: ${databases.account} ${databases.catalog} ${databases.order}`);
    else await databases.drop();
    await rm(scratch, { recursive: true, force: true });
  }

  let coldStart: BenchResults['coldStart'];
  if (options.coldStart) {
    log('measuring the cold start of npm start (embedded PGlite)');
    try {
      coldStart = await measureColdStart();
    } catch (error) {
      coldStart = { error: error instanceof Error ? error.message.split('\n')[0] ?? 'failed' : String(error) };
    }
  }

  const gatewayMode = processes.find((process) => process.name === 'gateway')?.mode;
  if (gatewayMode === 'tsx-source') {
    notes.push('the gateway is not in tsconfig.build.json yet, so it ran from its TypeScript sources through tsx (same code, compiled at import).');
  }
  for (const [name, value] of Object.entries(options.databaseSettings)) {
    notes.push(`experiment: the benchmark databases ran with ${name} = ${value} (ALTER DATABASE … SET), not the server's default.`);
  }
  notes.push('the monolith floor runs bench/monolith/server.ts through tsx; it answers by operationName with the same SQL and JSON, without GraphQL or gRPC.');
  const results: BenchResults = {
    version: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    mode: options.mode,
    settings: {
      warmupSeconds: options.warmupSeconds,
      runSeconds: options.runSeconds,
      runs: options.runs,
      connections: options.connections,
      nestedConnections: options.nestedConnections,
      pgbenchClients: options.pgbenchClients,
      pgbenchThreads: options.pgbenchThreads,
      customers: options.customers,
      data: options.data,
      scenarios: options.scenarios,
      logLevel: 'info',
      databaseSettings: options.databaseSettings,
      argv,
    },
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      os: `${type()} ${release()}`,
      node: process.version,
      postgres: server.version,
      postgresSettings: server.settings,
      loadAverageBefore: loadBefore.map((v) => Math.round(v * 100) / 100),
      loadAverageAfter: loadavg().map((v) => Math.round(v * 100) / 100),
    },
    git: await gitState(),
    processes: Object.fromEntries(processes.map((process) => [process.name, { mode: process.mode, peakRssMiB: mib(process.peakRssKiB()) }])),
    seed: seedReport ?? {},
    scenarios,
    ...(coldStart === undefined ? {} : { coldStart }),
    notes,
  };
  const markdown = renderMarkdown(results);
  const official = isComplete(options, argv);
  const dir = official ? RESULTS_DIR : SCRATCH_DIR;
  await mkdir(dir, { recursive: true });
  const stamp = startedAt.toISOString().slice(0, 19).replace(/:/g, '-');
  const base = join(dir, `${stamp}${official ? '' : `-${options.mode}`}`);
  await writeFile(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`${base}.md`, markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`wrote ${base}.json and .md`);

  for (const name of options.cpuProf) {
    // The summary leaves out each process's start-up (module loading, migrations, seeding, log-ins).
    const started = processes.find((process) => process.name === name)?.startedAt;
    const skipMs = loadsStartedAt !== undefined && started !== undefined ? Math.max(loadsStartedAt - started, 0) : 0;
    await printProfile(name, profileDir, skipMs);
  }

  const failedChecks = scenarios.flatMap((scenario) => scenario.checks.filter((check) => !check.passed));
  const unexpected = scenarios.map((scenario) => ({ id: scenario.id, errors: unexpectedErrors(scenario) })).filter((s) => Object.keys(s.errors).length > 0);
  for (const { id, errors } of unexpected) log(`scenario ${id} had unexpected errors: ${JSON.stringify(errors)}`);
  for (const check of failedChecks) log(`check failed: ${check.name}: ${check.detail}`);
  return failedChecks.length > 0 || unexpected.length > 0 ? 1 : 0;
}

/** The benchmark databases' PostgreSQL backends, in the CPU table. */
const POSTGRES = 'postgres';

const databaseUrls = (databases: BenchDatabases) => [databases.account, databases.catalog, databases.order];

/** The harness itself, in the CPU table: autocannon runs in this process. */
const LOAD_GENERATOR = 'autocannon';

const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;

async function build(): Promise<void> {
  log('npm run build');
  const child = spawn('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on('exit', (exitCode) => done(exitCode)));
  if (code !== 0) throw new Error(`npm run build failed:\n${output.join('').slice(-4000)}`);
}

async function gitState(): Promise<{ commit: string; dirty: boolean }> {
  try {
    const { stdout: commit } = await exec('git', ['rev-parse', 'HEAD'], { cwd: ROOT });
    const { stdout: status } = await exec('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT });
    return { commit: commit.trim(), dirty: status.trim() !== '' };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

// --- the platform ----------------------------------------------------------------------------

const grpcAddress = (line: Record<string, unknown>) => (typeof line.address === 'string' ? line.address : '');
const isGrpcListening = (line: Record<string, unknown>) => line.msg === 'gRPC server listening';
const START_TIMEOUT_MS = 120_000;

async function startPlatform(
  options: BenchOptions,
  databases: BenchDatabases,
  scratch: string,
  profileDir: string,
  processes: ManagedProcess[],
): Promise<Platform> {
  if (options.cpuProf.length > 0) {
    await mkdir(profileDir, { recursive: true });
    for (const name of await readdir(profileDir)) if (options.cpuProf.some((process) => name.startsWith(`${process}.`))) await rm(join(profileDir, name));
  }
  const profileFlags = (name: ProcessName) =>
    options.cpuProf.includes(name) ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  const start = (name: ProcessName, workspace: string, env: Record<string, string>) => {
    const entry = entryPoint(ROOT, workspace);
    const managed = startProcess({
      name,
      args: [...profileFlags(name), ...entry.args],
      // The services' defaults otherwise: production mode, info logs, pools of 10.
      env: { NODE_ENV: 'production', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', ...env },
      cwd: ROOT,
      mode: entry.mode,
    });
    processes.push(managed);
    return managed;
  };

  log('starting account, catalog and order (they create their schemas)');
  const account = start('account', 'services/account', { DATABASE_URL: databases.account });
  const catalog = start('catalog', 'services/catalog', { DATABASE_URL: databases.catalog });
  const [accountAddress, catalogAddress] = await Promise.all([
    account.waitForLine(isGrpcListening, START_TIMEOUT_MS).then(grpcAddress),
    catalog.waitForLine(isGrpcListening, START_TIMEOUT_MS).then(grpcAddress),
  ]);
  const order = start('order', 'services/order', {
    DATABASE_URL: databases.order,
    ACCOUNT_ADDRESS: accountAddress,
    CATALOG_ADDRESS: catalogAddress,
  });
  const orderAddress = grpcAddress(await order.waitForLine(isGrpcListening, START_TIMEOUT_MS));

  log('starting the gateway and the monolith floor');
  const jwtSecret = randomBytes(32).toString('base64url');
  const gateway = start('gateway', 'services/gateway', {
    ACCOUNT_ADDRESS: accountAddress,
    CATALOG_ADDRESS: catalogAddress,
    ORDER_ADDRESS: orderAddress,
    JWT_SECRET: jwtSecret,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    // The run logs in once and keeps its tokens for every scenario: longer than the 15-minute default.
    ACCESS_TOKEN_TTL_SECONDS: String(24 * 3600),
    // The GraphiQL bundle is not on the measured path, and building it would only slow the start.
    GRAPHIQL: 'false',
    EXPOSE_BACKEND_CALLS: 'true',
    DATA_DIR: join(scratch, 'gateway'),
    // All the load comes from 127.0.0.1: the per-IP rate limits (sized for one person each)
    // would measure refusals instead of the platform.
    RATE_LIMIT_REQUESTS: '1000000000',
    AUTH_ATTEMPTS_PER_IP: '1000000000',
    SIGNUPS_PER_IP: '1000000000',
  });
  const monolith = startProcess({
    name: 'monolith',
    args: [...profileFlags('monolith'), '--conditions=@emporium/source', '--import', 'tsx', join(ROOT, 'bench', 'monolith', 'server.ts')],
    env: {
      NODE_ENV: 'production',
      ACCOUNT_DATABASE_URL: databases.account,
      CATALOG_DATABASE_URL: databases.catalog,
      ORDER_DATABASE_URL: databases.order,
      JWT_SECRET: jwtSecret,
    },
    cwd: ROOT,
    mode: 'tsx-source',
  });
  processes.push(monolith);
  const portOf = (line: Record<string, unknown>) => (typeof line.port === 'number' ? line.port : 0);
  const [gatewayPort, monolithPort] = await Promise.all([
    gateway.waitForLine((line) => line.msg === 'gateway listening', START_TIMEOUT_MS).then(portOf),
    monolith.waitForLine((line) => line.msg === 'monolith listening', START_TIMEOUT_MS).then(portOf),
  ]);
  return {
    account,
    catalog,
    order,
    gateway,
    monolith,
    gatewayUrl: `http://127.0.0.1:${gatewayPort}/graphql`,
    floorUrl: `http://127.0.0.1:${monolithPort}/graphql`,
  };
}

// Strong enough for the gateway's ADMIN_PASSWORD check (services/gateway/src/secrets.ts).
const ADMIN = { email: 'admin@bench.emporium.test', password: 'bench lamp 7c1f orbit' };

async function seed(options: BenchOptions, databases: BenchDatabases): Promise<Record<string, number>> {
  const data = options.data;
  log(`seeding ${data.products.toLocaleString('en-US')} products, ${data.accounts.toLocaleString('en-US')} accounts, ${data.orders.toLocaleString('en-US')} orders`);
  const started = performance.now();
  // One hash for every seeded customer, at the cost the account service uses (scrypt is slow on purpose).
  const hasher = new PasswordHasher(parseConfig(accountConfigSchema, {}).SCRYPT_LOG_N);
  const passwordHash = await hasher.hash(CUSTOMER_PASSWORD);
  const [, , orderLines] = await Promise.all([
    seedCatalog(databases.catalog, data),
    seedAccounts(databases.account, data, passwordHash),
    seedOrders(databases.order, data),
  ]);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  log(`seeded in ${seconds} s`);
  return { seconds, products: data.products, hotProducts: data.hotProducts, accounts: data.accounts, orders: data.orders, orderLines };
}

const logInResponse = z.object({ data: z.object({ logIn: z.object({ token: z.string().min(1) }) }) });

async function logIn(url: string, email: string, password: string): Promise<string> {
  // The account service refuses password checks beyond its queue (TOO_MANY_REQUESTS, Retry-After):
  // the fixtures wait their turn as any careful client would.
  const giveUpAt = Date.now() + 60_000;
  for (;;) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation LogIn($input: LogInInput!) { logIn(input: $input) { token } }', variables: { input: { email, password } } }),
    });
    const body: unknown = await response.json();
    const parsed = logInResponse.safeParse(body);
    if (parsed.success) return parsed.data.data.logIn.token;
    const waitSeconds = Number(response.headers.get('retry-after') ?? Number.NaN);
    if (response.status !== 429 || !Number.isFinite(waitSeconds) || Date.now() + waitSeconds * 1000 > giveUpAt) {
      throw new Error(`logIn as ${email} failed: ${JSON.stringify(body).slice(0, 500)}`);
    }
    await new Promise((done) => setTimeout(done, waitSeconds * 1000));
  }
}

async function prepareFixtures(options: BenchOptions, databases: BenchDatabases, platform: Platform): Promise<Fixtures> {
  const data = options.data;
  log(`logging in the administrator and ${options.customers} customers`);
  const adminToken = await logIn(platform.gatewayUrl, ADMIN.email, ADMIN.password);
  const customerTokens: string[] = [];
  // Two at a time: each costs a 128 MiB scrypt in the account service.
  for (let n = 1; n <= options.customers; n += 2) {
    const batch = [n, n + 1].filter((k) => k <= options.customers);
    customerTokens.push(...(await Promise.all(batch.map((k) => logIn(platform.gatewayUrl, customerEmail(k), CUSTOMER_PASSWORD)))));
  }
  return {
    productIds: await seededIds(databases.catalog, KIND.product, 1, data.products),
    hotProductIds: await seededIds(databases.catalog, KIND.product, data.products + 1, data.hotProducts),
    adminToken,
    customerTokens,
  };
}

// --- scenarios -------------------------------------------------------------------------------

interface Context {
  readonly platform: Platform;
  readonly fixtures: Fixtures;
  readonly databases: BenchDatabases;
  readonly pgbench: string;
  readonly scratch: string;
  readonly processes: readonly ManagedProcess[];
}

/** A load's request generator; `load` is 0 for the warm-up and 1..runs for the measured runs. */
type Requests = (load: number) => () => LoadRequest;

interface ScenarioPlan {
  readonly title: string;
  /** autocannon connections; fewer for the heavy nested query, so a short run still completes requests. */
  readonly connections: number;
  readonly request: string;
  readonly gateway: Requests;
  readonly floor?: Requests;
  /** pgbench scripts per database; several databases are combined as serial work. */
  readonly ceiling?: ReadonlyArray<{ readonly database: keyof Omit<BenchDatabases, 'drop'>; readonly scripts: readonly PgbenchScript[] }>;
  readonly expectedErrors: readonly string[];
  /** Run after each gateway load (warm-up included), with its result. */
  readonly afterGatewayLoad?: (load: number, result: RunResult) => Promise<CheckResult | undefined>;
  /** Run once the scenario's loads are all done, with every load's result per target. */
  readonly afterAll?: (results: { gateway: RunResult[]; floor: RunResult[] }) => Promise<CheckResult[]>;
}

const seedFor = (options: BenchOptions, scenario: ScenarioId, load: number) => options.data.seed * 1000 + scenario * 100 + load;

function plan(id: Exclude<ScenarioId, typeof BURST_SCENARIO>, options: BenchOptions, context: Context): ScenarioPlan {
  const { fixtures, databases } = context;
  const data = options.data;
  switch (id) {
    case 1:
      return {
        title: 'search page',
        connections: options.connections,
        request: `products(first: 20, query: <one of 8 common words>) { totalCount nodes { id name price stock } } — anonymous`,
        gateway: (load) => searchRequests(seedFor(options, id, load)),
        floor: (load) => searchRequests(seedFor(options, id, load)),
        ceiling: [{ database: 'catalog', scripts: searchScripts() }],
        expectedErrors: [],
      };
    case 2:
      return {
        title: 'product point read',
        connections: options.connections,
        request: 'product(id: <random seeded product>) { id name description price stock } — anonymous',
        gateway: (load) => productRequests(seedFor(options, id, load), fixtures.productIds),
        floor: (load) => productRequests(seedFor(options, id, load), fixtures.productIds),
        ceiling: [{ database: 'catalog', scripts: [productScript(data.products)] }],
        expectedErrors: [],
      };
    case 3:
      return {
        title: 'nested batching',
        connections: options.nestedConnections,
        request: 'accounts(first: 50) { nodes { orders { nodes { items { product { name } } } } } } — as admin',
        gateway: () => nestedRequests(fixtures.adminToken),
        expectedErrors: [],
      };
    case 4: {
      const scripts = orderScripts(data);
      return {
        title: 'createOrder (write path)',
        connections: options.connections,
        request: 'createOrder: 2 random products × 1-3, ample stock, idempotency key — as one of the logged-in customers',
        gateway: (load) => orderRequests(seedFor(options, id, load), fixtures.productIds, fixtures.customerTokens, keyPrefix(4, 'gateway', load)),
        floor: (load) => orderRequests(seedFor(options, id, load), fixtures.productIds, fixtures.customerTokens, keyPrefix(4, 'floor', load)),
        ceiling: [
          { database: 'account', scripts: [scripts.account] },
          { database: 'catalog', scripts: [scripts.catalog] },
          { database: 'order', scripts: [scripts.order] },
        ],
        expectedErrors: [],
        afterAll: async (results) => [
          await checkPlacedOrders(databases.order, 's4-gateway-', results.gateway, options.connections),
          await checkPlacedOrders(databases.order, 's4-floor-', results.floor, options.connections),
        ],
      };
    }
    case 5:
      return {
        title: 'createOrder on one hot product',
        connections: options.connections,
        request: `createOrder: 1 × the same product (stock ${data.hotStock}; a fresh one per load) until it runs out — as the customers`,
        gateway: (load) => hotOrderRequests(seedFor(options, id, load), hotProduct(fixtures, load), fixtures.customerTokens, keyPrefix(5, 'gateway', load)),
        expectedErrors: ['OUT_OF_STOCK'],
        afterGatewayLoad: (load, result) => checkHotStock(databases, hotProduct(fixtures, load), data.hotStock, result, options.connections, load),
      };
  }
}

/** Idempotency keys name scenario, target and load; the one-off comparison request (load -1) has its own. */
function keyPrefix(scenario: ScenarioId, target: 'gateway' | 'floor', load: number): string {
  return load < 0 ? `compare-s${scenario}-${target}` : `s${scenario}-${target}-${load}`;
}

function hotProduct(fixtures: Fixtures, load: number): string {
  const id = fixtures.hotProductIds[load];
  if (id === undefined) throw new Error(`no hot product for load ${load}`);
  return id;
}

async function runScenario(id: Exclude<ScenarioId, typeof BURST_SCENARIO>, options: BenchOptions, context: Context): Promise<ScenarioResult> {
  const scenario = plan(id, options, context);
  log(`scenario ${id}: ${scenario.title}`);
  const checks: CheckResult[] = [];
  const all: Record<'gateway' | 'floor', MeasuredRun[]> = { gateway: [], floor: [] };
  const measured: Record<'gateway' | 'floor', MeasuredRun[]> = { gateway: [], floor: [] };

  const drive = async (target: 'gateway' | 'floor', requests: Requests, load: number) => {
    const url = target === 'gateway' ? context.platform.gatewayUrl : context.platform.floorUrl;
    const seconds = load === 0 ? options.warmupSeconds : options.runSeconds;
    const cpuBefore = context.processes.map((process) => process.cpuSeconds());
    const postgresBefore = await backendCpuSeconds(databaseUrls(context.databases));
    const ownBefore = process.cpuUsage();
    const loadResult = await runLoad({ url, connections: scenario.connections, seconds, next: requests(load) });
    const own = process.cpuUsage(ownBefore);
    const postgresSeconds = backendCpuBetween(postgresBefore, await backendCpuSeconds(databaseUrls(context.databases)));
    // The load generator runs in this process and takes its share of the same cores.
    const cpuMsPerRequest: Record<string, number> = {
      [LOAD_GENERATOR]: loadResult.requests > 0 ? Math.round((own.user + own.system) / loadResult.requests) / 1000 : 0,
    };
    if (postgresBefore.size > 0 && loadResult.requests > 0) {
      cpuMsPerRequest[POSTGRES] = Math.round((postgresSeconds * 1000 * 1000) / loadResult.requests) / 1000;
    }
    context.processes.forEach((process, index) => {
      const before = cpuBefore[index];
      const after = process.cpuSeconds();
      if (before !== undefined && after !== undefined && loadResult.requests > 0) {
        cpuMsPerRequest[process.name] = Math.round(((after - before) * 1000 * 1000) / loadResult.requests) / 1000;
      }
    });
    const result: MeasuredRun = { ...loadResult, cpuMsPerRequest };
    all[target].push(result);
    if (load > 0) measured[target].push(result);
    log(
      `  ${target.padEnd(7)} ${load === 0 ? 'warm-up' : `run ${load}  `} ${result.requestsPerSecond.toFixed(1).padStart(8)} req/s  ` +
        `p50 ${result.latencyMs.p50.toFixed(2)} ms  p99 ${result.latencyMs.p99.toFixed(2)} ms  errors ${JSON.stringify(result.errors)}`,
    );
    if (target === 'gateway' && scenario.afterGatewayLoad) {
      const check = await scenario.afterGatewayLoad(load, result);
      if (check) checks.push(check);
    }
  };

  if (scenario.floor) checks.push(await compareWithFloor(id, scenario, context));

  const ceilingRuns = new Map<string, PgbenchResult[]>();
  for (let load = 0; load <= options.runs; load++) {
    // Targets take turns within each run, so a change in the machine's load hits all of them alike.
    await drive('gateway', scenario.gateway, load);
    if (scenario.floor) await drive('floor', scenario.floor, load);
    if (scenario.ceiling && load > 0) {
      for (const part of scenario.ceiling) {
        const result = await runPgbench({
          pgbench: context.pgbench,
          url: context.databases[part.database],
          scripts: part.scripts,
          clients: options.pgbenchClients,
          threads: options.pgbenchThreads,
          seconds: options.runSeconds,
          dir: context.scratch,
        });
        ceilingRuns.set(part.database, [...(ceilingRuns.get(part.database) ?? []), result]);
        log(`  pgbench ${part.database.padEnd(7)} run ${load}  ${result.transactionsPerSecond.toFixed(1).padStart(8)} tx/s   p50 ${result.latencyMs.p50.toFixed(2)} ms  p99 ${result.latencyMs.p99.toFixed(2)} ms`);
      }
    }
  }
  if (scenario.afterAll) checks.push(...(await scenario.afterAll(all)));

  const target = (name: 'gateway' | 'floor', runs: MeasuredRun[]): TargetResult => ({
    target: name,
    connections: scenario.connections,
    warmupSeconds: options.warmupSeconds,
    runs,
    median: summarizeRuns(runs),
  });
  return {
    id,
    title: scenario.title,
    request: scenario.request,
    gateway: target('gateway', measured.gateway),
    ...(scenario.floor ? { floor: target('floor', measured.floor) } : {}),
    ...(scenario.ceiling ? { ceiling: ceilingOf(scenario.ceiling.map((part) => part.database), ceilingRuns, options) } : {}),
    expectedErrors: scenario.expectedErrors,
    checks,
    peakRssMiB: Object.fromEntries(context.processes.map((process) => [process.name, mib(process.peakRssKiB())])),
  };
}

function ceilingOf(databases: readonly string[], runs: Map<string, PgbenchResult[]>, options: BenchOptions): CeilingResult {
  const parts: CeilingPart[] = databases.map((database) => {
    const partRuns = runs.get(database) ?? [];
    return { database, runs: partRuns, medianTransactionsPerSecond: summarizePgbench(partRuns).requestsPerSecond };
  });
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only !== undefined) {
    return {
      tool: 'pgbench',
      clients: options.pgbenchClients,
      method: `pgbench -M extended -c ${options.pgbenchClients} -j ${options.pgbenchThreads} on the ${only.database} database: the request's statements as one script`,
      parts,
      median: summarizePgbench(only.runs),
    };
  }
  const combined = serialThroughput(parts.map((part) => part.medianTransactionsPerSecond));
  return {
    tool: 'pgbench',
    clients: options.pgbenchClients,
    method:
      `one pgbench script per database (${databases.join(', ')}) with that database's statements of one request, each run alone; ` +
      'a request needs all of them on one server, so their costs per request add: 1 / Σ(1 / tps)',
    parts,
    median: { requestsPerSecond: Math.round(combined * 10) / 10, p50: null, p90: null, p99: null },
  };
}

// --- scenario 6: a burst of sign-ups -----------------------------------------------------------

const BURST_SCENARIO = 6;
/** The hardening issue's targets: a refusal is answered fast, and the service still logs people in. */
const REFUSAL_BUDGET_MS = 1_000;
const LOG_IN_AFTER_BUDGET_MS = 2_000;
/** Between waves the account service's queue drains, so each wave meets an idle service. */
const PAUSE_BETWEEN_WAVES_MS = 3_000;

/**
 * Scenario 6: waves of `burstSize` sign-ups sent at once, each followed by the administrator's
 * logIn. Not a timed load: every wave is one burst, measured to its last answer. Sign-ups must
 * either succeed or be refused fast with TOO_MANY_REQUESTS; nothing else is acceptable.
 */
async function runBurstScenario(options: BenchOptions, context: Context): Promise<ScenarioResult> {
  const title = 'sign-up burst, then logIn';
  log(`scenario ${BURST_SCENARIO}: ${title}`);
  const runs: MeasuredRun[] = [];
  const checks: CheckResult[] = [];
  for (let wave = 0; wave <= options.runs; wave++) {
    if (wave > 0) await new Promise((done) => setTimeout(done, PAUSE_BETWEEN_WAVES_MS));
    const cpuBefore = context.processes.map((process) => process.cpuSeconds());
    const burst = await runSignUpBurst({
      url: context.platform.gatewayUrl,
      size: options.burstSize,
      emailPrefix: `s${BURST_SCENARIO}-${Date.now().toString(36)}-${wave}`,
      logIn: ADMIN,
    });
    const cpuMsPerRequest: Record<string, number> = {};
    context.processes.forEach((process, index) => {
      const before = cpuBefore[index];
      const after = process.cpuSeconds();
      if (before !== undefined && after !== undefined) cpuMsPerRequest[process.name] = Math.round(((after - before) * 1000 * 1000) / options.burstSize) / 1000;
    });
    if (wave > 0) runs.push({ ...burst.run, cpuMsPerRequest });
    const label = wave === 0 ? 'warm-up' : `wave ${wave}`;
    log(
      `  ${label}: ${burst.run.ok} signed up, ${burst.run.errors[REFUSED] ?? 0} refused (${(burst.refusedShare * 100).toFixed(0)}%), ` +
        `${burst.signUpsPerSecond.toFixed(1)} sign-ups/s; success p99 ${burst.succeeded.p99.toFixed(0)} ms, refusal max ${burst.refused.max.toFixed(0)} ms; ` +
        `logIn after ${burst.logInAfter.outcome} in ${burst.logInAfter.ms.toFixed(0)} ms; others ${JSON.stringify(burst.run.errors)}`,
    );
    checks.push(...burstChecks(label, burst));
  }
  return {
    id: BURST_SCENARIO,
    title,
    request: `${options.burstSize} signUp mutations sent at once (one wave per run, ${PAUSE_BETWEEN_WAVES_MS / 1000} s apart), then one logIn; req/s is the wave's answers over its wall time`,
    gateway: { target: 'gateway', connections: options.burstSize, warmupSeconds: 0, runs, median: summarizeRuns(runs) },
    expectedErrors: [REFUSED],
    checks,
    peakRssMiB: Object.fromEntries(context.processes.map((process) => [process.name, mib(process.peakRssKiB())])),
  };
}

function burstChecks(label: string, burst: BurstSummary): CheckResult[] {
  const others = Object.entries(burst.run.errors).filter(([code]) => code !== REFUSED);
  const refusals = burst.run.errors[REFUSED] ?? 0;
  return [
    {
      name: `sign-up burst ${label}: only successes and fast refusals`,
      passed: others.length === 0 && (refusals === 0 || burst.refused.max < REFUSAL_BUDGET_MS),
      detail:
        `${burst.run.ok} succeeded (p50 ${burst.succeeded.p50.toFixed(0)} ms, p99 ${burst.succeeded.p99.toFixed(0)} ms, ` +
        `${burst.signUpsPerSecond.toFixed(1)}/s), ${refusals} ${REFUSED} (${(burst.refusedShare * 100).toFixed(0)}%, slowest ${burst.refused.max.toFixed(0)} ms; budget ${REFUSAL_BUDGET_MS} ms)` +
        (others.length === 0 ? '' : `; other answers: ${others.map(([code, count]) => `${count} ${code}`).join(', ')}`),
    },
    {
      name: `logIn right after the burst ${label}`,
      passed: burst.logInAfter.outcome === 'OK' && burst.logInAfter.ms < LOG_IN_AFTER_BUDGET_MS,
      detail: `${burst.logInAfter.outcome} in ${burst.logInAfter.ms.toFixed(0)} ms (budget ${LOG_IN_AFTER_BUDGET_MS} ms)`,
    },
  ];
}

// --- correctness -------------------------------------------------------------------------------

async function query<T>(url: string, text: string, values: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T & pg.QueryResultRow>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Waits until no order of the load is PENDING (requests cut off when the load stopped may still be settling). */
async function settledCounts(orderUrl: string, keyPrefix: string, productId?: string): Promise<{ placed: number; pending: number; quantity: number }> {
  const text = `select count(distinct o.id) filter (where o.status = 'PLACED')::int as placed,
                       count(distinct o.id) filter (where o.status = 'PENDING')::int as pending,
                       coalesce(sum(l.quantity) filter (where o.status = 'PLACED' and l.product_id = $2::uuid), 0)::int as quantity
                  from orders o left join order_line l on l.order_id = o.id and ($2::uuid is null or l.product_id = $2::uuid)
                 where o.idempotency_key like $1`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [row] = await query<{ placed: number; pending: number; quantity: number }>(orderUrl, text, [`${keyPrefix}%`, productId ?? null]);
    const counts = row ?? { placed: 0, pending: 0, quantity: 0 };
    if (counts.pending === 0 || Date.now() > deadline) return counts;
    await new Promise((done) => setTimeout(done, 250));
  }
}

/** Every success the client saw is a PLACED order; at most one request per connection was in flight when the load stopped. */
async function checkPlacedOrders(orderUrl: string, keyPrefix: string, loads: readonly RunResult[], connections: number): Promise<CheckResult> {
  const ok = loads.reduce((sum, load) => sum + load.ok, 0);
  const { placed, pending } = await settledCounts(orderUrl, keyPrefix);
  const inFlight = loads.length * connections;
  const passed = pending === 0 && placed >= ok && placed <= ok + inFlight;
  return {
    name: `orders ${keyPrefix}* placed`,
    passed,
    detail: `${placed} PLACED in the order database, ${ok} successes seen by the client (up to ${inFlight} more may have been in flight at the stops), ${pending} PENDING`,
  };
}

interface HotBooks {
  readonly placed: number;
  readonly pending: number;
  readonly quantity: number;
  readonly stock: number;
  readonly held: number;
  /** Orders holding a reservation of the product that are not PLACED: "id STATUS" (none when the books are right). */
  readonly strays: readonly string[];
}

/** Both databases' view of the hot product, the order database read before and after the catalog. */
async function readHotBooks(databases: BenchDatabases, productId: string, prefix: string): Promise<{ books: HotBooks; stable: boolean }> {
  const before = await settledCounts(databases.order, prefix, productId);
  const [catalog] = await query<{ stock: number; held: number; holders: string[] }>(
    databases.catalog,
    `select p.stock,
            coalesce((select sum(l.quantity) from reservation_line l join reservation r on r.id = l.reservation_id
                       where l.product_id = p.id and r.status = 'HELD'), 0)::int as held,
            array(select r.id::text from reservation r join reservation_line l on l.reservation_id = r.id
                   where l.product_id = p.id and r.status = 'HELD') as holders
       from product p where p.id = $1`,
    [productId],
  );
  const after = await settledCounts(databases.order, prefix, productId);
  // A reservation is made for an order of the same id (services/order: reserve(order.id, …)).
  const holders = catalog?.holders ?? [];
  const statuses = await query<{ id: string; status: string }>(databases.order, `select id::text, status from orders where id = any($1::uuid[])`, [holders]);
  const statusOf = new Map(statuses.map((row) => [row.id, row.status]));
  const strays = holders.filter((id) => statusOf.get(id) !== 'PLACED').map((id) => `${id} ${statusOf.get(id) ?? 'MISSING'}`);
  return {
    books: { ...after, stock: catalog?.stock ?? Number.NaN, held: catalog?.held ?? Number.NaN, strays },
    stable: before.placed === after.placed && before.pending === after.pending && before.quantity === after.quantity,
  };
}

/**
 * Scenario 5's books: the product's stock is exactly its initial stock minus what the PLACED orders
 * hold. Requests in flight when a load stops are still being served (an order not yet written when
 * the order database is read can hold stock by the time the catalog is read), so the books are read
 * until both databases agree or stop changing, for up to 15 s.
 */
async function checkHotStock(
  databases: BenchDatabases,
  productId: string,
  initial: number,
  result: RunResult,
  connections: number,
  load: number,
): Promise<CheckResult> {
  const prefix = `${keyPrefix(5, 'gateway', load)}-`;
  const right = (books: HotBooks) =>
    books.pending === 0 && books.stock === initial - books.quantity && books.held === books.quantity && books.quantity === books.placed && books.strays.length === 0;
  const deadline = Date.now() + 15_000;
  let read = await readHotBooks(databases, productId, prefix);
  while (!(right(read.books) && read.stable) && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 250));
    read = await readHotBooks(databases, productId, prefix);
  }
  const { placed, pending, quantity, stock, held, strays } = read.books;
  const passed = right(read.books) && result.ok <= placed && placed <= result.ok + connections;
  return {
    name: `hot product stock, ${load === 0 ? 'warm-up' : `run ${load}`}`,
    passed,
    detail:
      `stock ${stock} = ${initial} − ${quantity} placed: ${stock === initial - quantity ? 'yes' : 'NO'}; catalog holds ${held}; ` +
      `${result.ok} placed and ${result.errors.OUT_OF_STOCK ?? 0} OUT_OF_STOCK seen by the client; ${pending} PENDING` +
      (strays.length === 0 ? '' : `; reservations of orders not PLACED: ${strays.join(', ')}`),
  };
}

/** Sends one request to both and compares: the floor must answer what the gateway answers. */
async function compareWithFloor(id: ScenarioId, scenario: ScenarioPlan, context: Context): Promise<CheckResult> {
  const floor = scenario.floor;
  if (floor === undefined) throw new Error('no floor');
  // Same generator and seed for both: the same request (for orders, different keys and so different orders).
  const send = async (url: string, requests: Requests) => {
    const request = requests(-1)();
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: request.body });
    const body: unknown = await response.json();
    return body;
  };
  const [fromGateway, fromFloor] = await Promise.all([send(context.platform.gatewayUrl, scenario.gateway), send(context.platform.floorUrl, floor)]);
  // Orders get new ids and times on each side; their shape and money must still agree.
  const comparable = (value: unknown) => (id === 4 ? shapeOf(value) : value);
  const same = JSON.stringify(comparable(fromGateway)) === JSON.stringify(comparable(fromFloor));
  return {
    name: `monolith floor answers like the gateway`,
    passed: same,
    detail: same ? `${id === 4 ? 'same JSON shape' : 'identical JSON'} for ${Object.keys(DOCUMENTS)[id === 4 ? 3 : id - 1] ?? '?'}` : `gateway ${JSON.stringify(fromGateway).slice(0, 300)} vs floor ${JSON.stringify(fromFloor).slice(0, 300)}`,
  };
}

/** The structure of a JSON value: keys and types, not values. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shapeOf(inner)]));
  return typeof value;
}

async function printProfile(name: ProcessName, profileDir: string, skipMs: number): Promise<void> {
  const file = (await readdir(profileDir)).find((entry) => entry.startsWith(`${name}.`) && entry.endsWith('.cpuprofile'));
  if (file === undefined) {
    log(`no CPU profile of ${name} was written`);
    return;
  }
  const summary = renderProfileSummary(name, await readProfileSummary(join(profileDir, file), { top: 25, skipMs }));
  await writeFile(join(profileDir, `${name}-summary.txt`), summary);
  process.stdout.write(`\n${summary}\n`);
  log(`profile: ${join(profileDir, file)} (open it in Chrome DevTools or speedscope)`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
