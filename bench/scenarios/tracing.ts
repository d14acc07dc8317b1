import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpReceiver } from '@emporium/testkit/otlp-receiver.js';
import { createBenchDatabases, type BenchDatabases } from '../data/databases.js';
import { CUSTOMER_PASSWORD, customerEmail, KIND, seededIds, type DataSet } from '../data/seed.js';
import { runPacedLoad } from '../load/fixed-rate.js';
import type { LoadRequest } from '../load/http.js';
import { hasStandardSettings, type BenchOptions } from '../options.js';
import { readProfileSummary, renderProfileSummary } from '../report/cpu-profile.js';
import { log } from '../report/progress-log.js';
import type { CheckResult } from '../report/results.js';
import {
  BASELINE,
  cpuPerRequest,
  mainThreadCpuPerRequest,
  renderTracingMarkdown,
  STACK_PROCESSES,
  summarizeTracing,
  type TracingResults,
  type TracingSample,
} from '../report/tracing-results.js';
import { readMainThreadCpuSeconds, type ManagedProcess } from '../targets/managed-process.js';
import { graphqlUrlOf, startGateway, startServices, type Launch, type PlatformProcess } from '../targets/platform.js';
import { logIn, seedDatabases } from './fixtures.js';
import { orderRequests } from './order.js';
import { productRequests } from './product.js';
import { tracingKindsAt, tracingModesOf, type TracingKind, type TracingMode } from './tracing-modes.js';

// Scenario 7, tracing (bench/README.md, "Tracing cost"): what tracing costs in CPU per request,
// with tracing off, on without an exporter, sampled out, and at 100% sampling to a local OTLP
// receiver. One whole stack (account, catalog, order, gateway) per mode, each on its own seeded
// databases, all running at once; every load is a FIXED request rate, busy but below what a stack
// serves, so a request's CPU does not depend on how busy the machine is, and the modes take turns
// within each round (a different mode first every round) so a change in the machine's load hits
// them alike. Not light rates: there a request's CPU is mostly waking idle processes, and one
// garbage collection moves a short load's figure. CPU is user + system of the four processes (from /proc) during each load, divided
// by its requests; the receiver runs in the harness and is not counted.

/** Small and quick to seed: the cost of a request hardly depends on the table sizes. */
const DATA: DataSet = { seed: 7, products: 10_000, accounts: 1_000, orders: 10_000, hotProducts: 1, hotStock: 100 };
const CUSTOMERS = 4;
const ADMIN = { email: 'admin@tracing.bench.emporium.test', password: 'bench lamp 7c1f orbit' };

interface Stack {
  readonly mode: TracingMode;
  readonly databases: BenchDatabases;
  readonly processes: Readonly<Record<PlatformProcess, ManagedProcess>>;
  readonly url: string;
  readonly productIds: readonly string[];
  readonly tokens: readonly string[];
}

interface StackContext {
  readonly root: string;
  readonly options: BenchOptions;
  readonly endpoint: string;
  readonly scratch: string;
  readonly profileDir: string;
  readonly all: ManagedProcess[];
}

/** The stack's four processes; seed: fill its fresh databases first (false when restarting on them). */
async function startStack(mode: TracingMode, databases: BenchDatabases, context: StackContext, seed = true): Promise<Stack> {
  const { root, options } = context;
  const profiled = (service: PlatformProcess) => options.cpuProf.includes(service) && (mode.name === 'full' || mode.name === BASELINE);
  const launch: Launch = {
    root,
    nameOf: (service) => `${mode.name}/${service}`,
    nodeFlagsOf: (service) =>
      profiled(service) ? ['--cpu-prof', `--cpu-prof-dir=${context.profileDir}`, `--cpu-prof-name=tracing-${mode.name}-${service}.cpuprofile`] : [],
    // The reconciler's passes would add CPU (and, traced, spans) no request asked for.
    env: { RECONCILE_INTERVAL_MS: '0', ...mode.env(context.endpoint) },
    started: context.all,
  };
  const services = await startServices(launch, databases);
  if (seed) await seedDatabases(DATA, databases, services.accountAddress);
  const gateway = startGateway(launch, services, { jwtSecret: randomBytes(32).toString('base64url'), admin: ADMIN, dataDir: join(context.scratch, mode.name) });
  const url = await graphqlUrlOf(gateway);
  const tokens: string[] = [];
  for (let n = 1; n <= CUSTOMERS; n++) tokens.push(await logIn(url, customerEmail(n), CUSTOMER_PASSWORD));
  const productIds = await seededIds(databases.catalog, KIND.product, 1, DATA.products);
  const { account, catalog, order } = services;
  return { mode, databases, processes: { gateway, account, catalog, order }, url, productIds, tokens };
}

function requestsOf(stack: Stack, kind: TracingKind, round: number): () => LoadRequest {
  // The same seed for every mode in a round: each stack gets the very same requests.
  const seed = 7_000 + round;
  return kind.name === 'product'
    ? productRequests(seed, stack.productIds)
    : orderRequests(seed, stack.productIds, stack.tokens, `tracing-${stack.mode.name}-${round}-${Date.now().toString(36)}`);
}

/** The same stack on new processes (same databases, not seeded again). */
async function restartStack(stack: Stack, context: StackContext): Promise<Stack> {
  await Promise.all(STACK_PROCESSES.map((name) => stack.processes[name].stop()));
  return startStack(stack.mode, stack.databases, context, false);
}

/** CPU seconds so far of each of the stack's processes. */
function cpuOf(stack: Stack): Record<string, number> {
  return Object.fromEntries(STACK_PROCESSES.map((name) => [name, stack.processes[name].cpuSeconds() ?? Number.NaN]));
}

/** CPU seconds so far of each of the stack's processes' main thread. */
function mainThreadCpuOf(stack: Stack): Record<string, number> {
  return Object.fromEntries(STACK_PROCESSES.map((name) => [name, readMainThreadCpuSeconds(stack.processes[name].pid) ?? Number.NaN]));
}

function millisecondsBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(STACK_PROCESSES.map((name) => [name, Math.round(((after[name] ?? Number.NaN) - (before[name] ?? Number.NaN)) * 1000)]));
}

async function measure(stack: Stack, kind: TracingKind, round: number, seconds: number): Promise<TracingSample> {
  const before = cpuOf(stack);
  const mainBefore = mainThreadCpuOf(stack);
  const result = await runPacedLoad({ url: stack.url, rate: kind.rate, seconds, next: requestsOf(stack, kind, round) });
  const mainThreadCpuMs = millisecondsBetween(mainBefore, mainThreadCpuOf(stack));
  const cpuMs = millisecondsBetween(before, cpuOf(stack));
  return { round, kind: kind.name, mode: stack.mode.name, result, cpuMs, mainThreadCpuMs };
}

/**
 * Each stack in turn, each kind at its rate (nothing measured), so that the processes are measured
 * as a process that has run for a while: its code compiled, the exporter's included. That one runs
 * once a batch (512 spans, or 5 s), and a fresh process sends its first few dozen batches through
 * code not yet optimised, at several times the CPU per span of the steady state
 * (experiments/export-warmup.ts).
 */
async function warmUp(stacks: readonly Stack[], kinds: readonly TracingKind[], seconds: number): Promise<void> {
  for (const stack of stacks) for (const kind of kinds) await measure(stack, kind, 0, seconds);
}

/** The modes in round r: rotated by one each round, so each is first as often as the others. */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  const shift = (round - 1) % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

export interface TracingRun {
  readonly results: TracingResults;
  readonly files: readonly string[];
}

/**
 * Runs the tracing scenario and writes bench/results/<date>-tracing.{json,md} (bench/results/tmp/
 * for a quick or partial-settings run). git is the caller's description of the checkout.
 */
export async function runTracingScenario(
  root: string,
  options: BenchOptions,
  argv: readonly string[],
  git: { commit: string; dirty: boolean },
): Promise<TracingRun> {
  const startedAt = new Date();
  const modes = tracingModesOf(options.tracingModes);
  const kinds = tracingKindsAt(options.tracingRates);
  // A CPU profile covers one process's life: with --cpu-prof the stacks keep theirs all run.
  const restartEachRound = options.cpuProf.length === 0;
  const loadAverageBefore = loadavg().map((value) => Math.round(value * 100) / 100);
  const seconds = options.runSeconds;
  const warmupSeconds = options.tracingWarmupSeconds;
  const resultsDir = join(root, 'bench', 'results');
  const profileDir = join(resultsDir, 'tmp', 'profiles');
  if (options.cpuProf.length > 0) {
    await mkdir(profileDir, { recursive: true });
    for (const name of await readdir(profileDir)) if (name.startsWith('tracing-')) await rm(join(profileDir, name));
  }
  const all: ManagedProcess[] = [];
  const owned: BenchDatabases[] = [];
  const scratch = await mkdtemp(join(tmpdir(), 'emporium-tracing-'));
  const receiver = await startOtlpReceiver();
  const samples: TracingSample[] = [];
  const checks: CheckResult[] = [];
  const idle: Record<string, Record<string, number>> = {};
  let loadsStartedAt: number | undefined;
  try {
    log(`scenario 7 (tracing): starting ${modes.length} stacks (${modes.map((mode) => mode.name).join(', ')})`);
    const stacks: Stack[] = [];
    const context: StackContext = { root, options, endpoint: receiver.endpoint, scratch, profileDir, all };
    for (const mode of modes) {
      const databases = await createBenchDatabases(options.databaseSettings);
      owned.push(databases);
      stacks.push(await startStack(mode, databases, context));
    }
    log(`  warming up: ${warmupSeconds} s of each kind on each stack`);
    await warmUp(stacks, kinds, warmupSeconds);
    // What a stack spends with nothing to do (timers, pools, the batch processor), all four idle at once.
    const idleBefore = stacks.map((stack) => cpuOf(stack));
    const idleStarted = performance.now();
    await new Promise((done) => setTimeout(done, seconds * 1000));
    const idleSeconds = (performance.now() - idleStarted) / 1000;
    stacks.forEach((stack, index) => {
      const before = idleBefore[index] ?? {};
      const after = cpuOf(stack);
      idle[stack.mode.name] = Object.fromEntries(STACK_PROCESSES.map((name) => [name, Math.round((((after[name] ?? 0) - (before[name] ?? 0)) * 1000) / idleSeconds)]));
    });
    log(`  idle CPU, ms a second: ${JSON.stringify(idle)}`);
    loadsStartedAt = performance.now();
    for (let round = 1; round <= options.tracingRounds; round++) {
      if (round > 1 && restartEachRound) {
        // New processes for every stack, warmed up again: a mode's figures come from as many
        // sets of processes as rounds, not from one whose luck (JIT, memory layout) lasts the run.
        for (const [index, stack] of stacks.entries()) stacks[index] = await restartStack(stack, context);
        await warmUp(stacks, kinds, warmupSeconds);
      }
      for (const kind of kinds) {
        for (const stack of roundOrder(stacks, round)) {
          const sample = await measure(stack, kind, round, seconds);
          samples.push(sample);
          log(
            `  round ${round} ${kind.name.padEnd(11)} ${stack.mode.name.padEnd(11)} ${sample.result.ok}/${sample.result.requests} ok, ` +
              `${cpuPerRequest(sample).toFixed(3)} ms CPU a request, main threads ${mainThreadCpuPerRequest(sample).toFixed(3)} (${STACK_PROCESSES.map((name) => `${name} ${((sample.cpuMs[name] ?? 0) / sample.result.requests).toFixed(3)}`).join(', ')}), ` +
              `p50 ${sample.result.latencyMs.p50.toFixed(1)} ms, p99 ${sample.result.latencyMs.p99.toFixed(1)} ms, load ${loadavg()[0]?.toFixed(2) ?? '?'}`,
          );
        }
      }
    }
  } finally {
    await Promise.all(all.map((managed) => managed.stop()));
    await Promise.all(owned.map((databases) => databases.drop()));
    await receiver.close();
    await rm(scratch, { recursive: true, force: true });
  }

  const summary = summarizeTracing(samples, kinds, modes.map((mode) => mode.name));
  for (const kind of summary) {
    const failures = kind.rows.filter((row) => row.ok !== row.requests);
    checks.push({
      name: `tracing ${kind.kind}: every request answered`,
      passed: failures.length === 0,
      detail: failures.length === 0 ? 'all OK' : failures.map((row) => `${row.mode}: ${row.ok}/${row.requests} ok ${JSON.stringify(row.errors)}`).join('; '),
    });
  }
  const date = startedAt.toISOString().slice(0, 19).replace(/:/g, '-');
  const results: TracingResults = {
    date,
    settings: { rounds: options.tracingRounds, seconds, warmupSeconds, restartEachRound, data: DATA, argv },
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
      loadAverageBefore,
      loadAverageAfter: loadavg().map((value) => Math.round(value * 100) / 100),
    },
    git,
    modes: modes.map(({ name, what }) => ({ name, what })),
    exported: { ...receiver.protobuf },
    idleCpuMsPerSecond: idle,
    summary,
    checks,
    samples,
  };
  const official = options.mode === 'full' && hasStandardSettings(argv);
  const dir = official ? resultsDir : join(resultsDir, 'tmp');
  await mkdir(dir, { recursive: true });
  const base = join(dir, `${date}-tracing`);
  const markdown = renderTracingMarkdown(results);
  await writeFile(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`${base}.md`, markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`wrote ${base}.json and .md`);
  for (const name of options.cpuProf) {
    for (const mode of ['full', BASELINE]) {
      const file = join(profileDir, `tracing-${mode}-${name}.cpuprofile`);
      // Start-up, seeding, log-ins and the warm-up are left out: only the measured rounds.
      const started = all.find((managed) => managed.name === `${mode}/${name}`)?.startedAt;
      const skipMs = loadsStartedAt !== undefined && started !== undefined ? Math.max(loadsStartedAt - started, 0) : 0;
      try {
        const text = renderProfileSummary(`${mode}/${name}`, await readProfileSummary(file, { top: 30, skipMs }));
        await writeFile(join(profileDir, `tracing-${mode}-${name}-summary.txt`), text);
        process.stdout.write(`\n${text}\n`);
      } catch {
        // Not a service of the stacks (monolith), or it wrote no profile.
      }
    }
  }
  return { results, files: [`${base}.json`, `${base}.md`] };
}
