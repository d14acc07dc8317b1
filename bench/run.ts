import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startBenchProcesses, type BenchProcesses } from './lib/bench-processes.js';
import { runBurstScenario } from './lib/burst-scenario.js';
import { measureColdStart } from './lib/coldstart.js';
import { backendCpuBetween, backendCpuSeconds, createBenchDatabases, describeServer, type BenchDatabases } from './lib/databases.js';
import { prepareFixtures, seedDatabases } from './lib/fixtures.js';
import { runLoad } from './lib/load.js';
import { log, mib } from './lib/log.js';
import { isComplete, parseOptions, scenarioById, USAGE, type BenchOptions, type ProcessName, type Scenario } from './lib/options.js';
import { findPgbench, runPgbench, type PgbenchResult } from './lib/pgbench.js';
import type { ManagedProcess } from './lib/processes.js';
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
import { compareWithFloor, isLoadScenario, planScenario, type LoadScenarioName, type Requests, type RunContext } from './lib/scenario-plans.js';
import { validateDataSet } from './lib/seed.js';
import { serialThroughput } from './lib/stats.js';
import { runTracingScenario, tracingVerdict } from './lib/tracing-scenario.js';

// `npm run bench`: builds, starts the platform as production processes on fresh PostgreSQL
// databases, seeds them, drives the gateway and its comparators, checks the books, writes the
// results; then the tracing scenario on stacks of its own. See bench/README.md for what each
// number means.

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const SCRATCH_DIR = join(RESULTS_DIR, 'tmp');
const exec = promisify(execFile);

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

  if (options.build) await build();
  // The tracing scenario starts stacks of its own, once the platform is stopped.
  const tracing = options.scenarios.includes(TRACING);
  const platformScenarios = options.scenarios.filter((id) => id !== TRACING);
  if (platformScenarios.length === 0) {
    if (!tracing) return 0;
    const run = await runTracingScenario(ROOT, options, argv, await gitState());
    return reportChecks(run.results.checks);
  }
  const pgbench = await findPgbench();
  const server = await describeServer();

  const scratch = await mkdtemp(join(tmpdir(), 'emporium-bench-'));
  const profileDir = join(SCRATCH_DIR, 'profiles');
  const databases = await createBenchDatabases(options.databaseSettings);
  const processes: ManagedProcess[] = [];
  const scenarios: ScenarioResult[] = [];
  const notes: string[] = [];
  let seedReport: Record<string, number> | undefined;
  let loadsStartedAt: number | undefined;
  try {
    const started: BenchProcesses = await startBenchProcesses(ROOT, options, databases, scratch, profileDir, processes);
    seedReport = await seedDatabases(options, databases);
    const fixtures = await prepareFixtures(options, databases, started);
    loadsStartedAt = performance.now();
    const context: RunContext = { started, fixtures, databases, pgbench, scratch, processes };
    for (const id of platformScenarios) {
      const scenario = scenarioById(id);
      scenarios.push(isLoadScenario(scenario) ? await runScenario(scenario, options, context) : await runBurstScenario(id, options, context));
    }
  } finally {
    log('stopping the processes');
    await Promise.all(processes.map((process) => process.stop()));
    if (options.keep) log(`kept databases: ${databases.account} ${databases.catalog} ${databases.order}`);
    else await databases.drop();
    await rm(scratch, { recursive: true, force: true });
  }

  const tracingChecks: CheckResult[] = [];
  if (tracing) {
    const run = await runTracingScenario(ROOT, options, argv, await gitState());
    tracingChecks.push(...run.results.checks);
    notes.push(`tracing (scenario 7, ${relative(ROOT, run.files[1] ?? '')}): ${tracingVerdict(run.results.summary).join('; ')}.`);
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

  const unexpected = scenarios.map((scenario) => ({ id: scenario.id, errors: unexpectedErrors(scenario) })).filter((s) => Object.keys(s.errors).length > 0);
  for (const { id, errors } of unexpected) log(`scenario ${id} had unexpected errors: ${JSON.stringify(errors)}`);
  const failed = reportChecks([...scenarios.flatMap((scenario) => scenario.checks), ...tracingChecks]);
  return failed > 0 || unexpected.length > 0 ? 1 : 0;
}

/** The tracing scenario's number: it runs on stacks of its own, after the others. */
const TRACING = 7;

/** Logs the failed checks; 1 if any failed. */
function reportChecks(checks: readonly CheckResult[]): number {
  const failedChecks = checks.filter((check) => !check.passed);
  for (const check of failedChecks) log(`check failed: ${check.name}: ${check.detail}`);
  return failedChecks.length > 0 ? 1 : 0;
}

/** The benchmark databases' PostgreSQL backends, in the CPU table. */
const POSTGRES = 'postgres';

const databaseUrls = (databases: BenchDatabases) => [databases.account, databases.catalog, databases.order];

/** The harness itself, in the CPU table: autocannon runs in this process. */
const LOAD_GENERATOR = 'autocannon';

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

/** A timed-load scenario: warm-up and measured runs against the gateway, the floor and pgbench, in turns, then its checks. */
async function runScenario(which: Extract<Scenario, { name: LoadScenarioName }>, options: BenchOptions, context: RunContext): Promise<ScenarioResult> {
  const id = which.id;
  const scenario = planScenario(which, options, context);
  log(`scenario ${id} (${which.name}): ${scenario.title}`);
  const checks: CheckResult[] = [];
  const all: Record<'gateway' | 'floor', MeasuredRun[]> = { gateway: [], floor: [] };
  const measured: Record<'gateway' | 'floor', MeasuredRun[]> = { gateway: [], floor: [] };

  const drive = async (target: 'gateway' | 'floor', requests: Requests, load: number) => {
    const url = target === 'gateway' ? context.started.gatewayUrl : context.started.floorUrl;
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

  if (scenario.floor) checks.push(await compareWithFloor(scenario.floor, scenario.gateway, context));

  const ceilingRuns = new Map<string, PgbenchResult[]>();
  for (let load = 0; load <= options.runs; load++) {
    // Targets take turns within each run, so a change in the machine's load hits all of them alike.
    await drive('gateway', scenario.gateway, load);
    if (scenario.floor) await drive('floor', scenario.floor.requests, load);
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
