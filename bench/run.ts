import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createBenchDatabases, describeServer } from './data/databases.js';
import { validateDataSet } from './data/seed.js';
import { isComplete, parseOptions, scenarioById, USAGE, type ProcessName } from './options.js';
import { readProfileSummary, renderProfileSummary } from './report/cpu-profile.js';
import { log, mib } from './report/progress-log.js';
import { renderMarkdown, unexpectedErrors, type BenchResults, type CheckResult, type ScenarioResult } from './report/results.js';
import { eventsVerdict } from './report/events-results.js';
import { tracingVerdict } from './report/tracing-results.js';
import { measureColdStart } from './scenarios/cold-start.js';
import { runEventsScenario } from './scenarios/events.js';
import { prepareFixtures, seedDatabases } from './scenarios/fixtures.js';
import type { RunContext } from './scenarios/plan.js';
import { runSignUpBurstScenario } from './scenarios/signup-burst.js';
import { isTimedLoadScenario, runTimedLoadScenario } from './scenarios/timed-load.js';
import { runTracingScenario } from './scenarios/tracing.js';
import type { ManagedProcess } from './targets/managed-process.js';
import { findPgbench } from './targets/pgbench.js';
import { startBenchTargets } from './targets/platform.js';

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
  // The tracing and events scenarios start stacks of their own, once the platform is stopped.
  const tracing = options.scenarios.includes(TRACING);
  const events = options.scenarios.includes(EVENTS);
  const platformScenarios = options.scenarios.filter((id) => id !== TRACING && id !== EVENTS);
  if (platformScenarios.length === 0) {
    const checks: CheckResult[] = [];
    if (tracing) checks.push(...(await runTracingScenario(ROOT, options, argv, await gitState())).results.checks);
    if (events) checks.push(...(await runEventsScenario(ROOT, options, argv, await gitState())).results.checks);
    return reportChecks(checks);
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
    log('starting account, catalog, order, the gateway and the monolith floor');
    const targets = await startBenchTargets({ root: ROOT, cpuProf: options.cpuProf, profileDir, scratch }, databases, processes);
    seedReport = await seedDatabases(options.data, databases, targets.accountAddress);
    const fixtures = await prepareFixtures(options, databases, targets.gatewayUrl);
    loadsStartedAt = performance.now();
    const context: RunContext = { gatewayUrl: targets.gatewayUrl, floorUrl: targets.floorUrl, fixtures, databases, pgbench, scratch, processes };
    for (const id of platformScenarios) {
      const scenario = scenarioById(id);
      scenarios.push(isTimedLoadScenario(scenario) ? await runTimedLoadScenario(scenario, options, context) : await runSignUpBurstScenario(id, options, context));
    }
  } finally {
    log('stopping the processes');
    await Promise.all(processes.map((process) => process.stop()));
    if (options.keep) log(`kept databases: ${databases.account} ${databases.catalog} ${databases.order}`);
    else await databases.drop();
    await rm(scratch, { recursive: true, force: true });
  }

  const ownStackChecks: CheckResult[] = [];
  if (tracing) {
    const run = await runTracingScenario(ROOT, options, argv, await gitState());
    ownStackChecks.push(...run.results.checks);
    notes.push(`tracing (scenario 7, ${relative(ROOT, run.files[1] ?? '')}): ${tracingVerdict(run.results.summary).join('; ')}.`);
  }
  if (events) {
    const run = await runEventsScenario(ROOT, options, argv, await gitState());
    ownStackChecks.push(...run.results.checks);
    notes.push(`events (scenario 8, ${relative(ROOT, run.files[1] ?? '')}): ${eventsVerdict(run.results).join('; ')}.`);
  }

  const coldStart = options.coldStart ? await coldStartOrError() : undefined;

  const gatewayMode = processes.find((process) => process.name === 'gateway')?.mode;
  if (gatewayMode === 'tsx-source') {
    notes.push('the gateway is not in tsconfig.build.json yet, so it ran from its TypeScript sources through tsx (same code, compiled at import).');
  }
  for (const [name, value] of Object.entries(options.databaseSettings)) {
    notes.push(`experiment: the benchmark databases ran with ${name} = ${value} (ALTER DATABASE … SET), not the server's default.`);
  }
  notes.push('the monolith floor runs bench/targets/monolith-floor.ts through tsx; it answers by operationName with the same SQL and JSON, without GraphQL or gRPC.');
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
  const official = isComplete(options, argv);
  await writeResults(results, official ? RESULTS_DIR : SCRATCH_DIR, official ? '' : `-${options.mode}`);

  for (const name of options.cpuProf) {
    // The summary leaves out each process's start-up (module loading, migrations, seeding, log-ins).
    const started = processes.find((process) => process.name === name)?.startedAt;
    const skipMs = loadsStartedAt !== undefined && started !== undefined ? Math.max(loadsStartedAt - started, 0) : 0;
    await printProfile(name, profileDir, skipMs);
  }

  const unexpected = scenarios.map((scenario) => ({ id: scenario.id, errors: unexpectedErrors(scenario) })).filter((s) => Object.keys(s.errors).length > 0);
  for (const { id, errors } of unexpected) log(`scenario ${id} had unexpected errors: ${JSON.stringify(errors)}`);
  const failed = reportChecks([...scenarios.flatMap((scenario) => scenario.checks), ...ownStackChecks]);
  return failed > 0 || unexpected.length > 0 ? 1 : 0;
}

/** The tracing and events scenarios' numbers: they run on stacks of their own, after the others. */
const TRACING = 7;
const EVENTS = 8;

/** Logs the failed checks; 1 if any failed. */
function reportChecks(checks: readonly CheckResult[]): number {
  const failedChecks = checks.filter((check) => !check.passed);
  for (const check of failedChecks) log(`check failed: ${check.name}: ${check.detail}`);
  return failedChecks.length > 0 ? 1 : 0;
}

/** `npm start`'s cold start, or why it could not be measured. */
async function coldStartOrError(): Promise<BenchResults['coldStart']> {
  log('measuring the cold start of npm start (embedded PGlite)');
  try {
    return await measureColdStart();
  } catch (error) {
    return { error: error instanceof Error ? (error.message.split('\n')[0] ?? 'failed') : String(error) };
  }
}

/** <dir>/<start time><suffix>.json (every figure) and .md (the tables), and the tables on stdout. */
async function writeResults(results: BenchResults, dir: string, suffix: string): Promise<void> {
  const markdown = renderMarkdown(results);
  await mkdir(dir, { recursive: true });
  const stamp = results.startedAt.slice(0, 19).replace(/:/g, '-');
  const base = join(dir, `${stamp}${suffix}`);
  await writeFile(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`${base}.md`, markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`wrote ${base}.json and .md`);
}

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
