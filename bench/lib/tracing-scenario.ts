import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpReceiver } from '@emporium/testkit/otlp-receiver.js';
import { createBenchDatabases, type BenchDatabases } from './databases.js';
import { logIn, seedDatabases } from './fixtures.js';
import { runPacedLoad, type LoadRequest, type PacedRunResult } from './load.js';
import { log } from './log.js';
import { hasStandardSettings, type BenchOptions, type TracingKindName } from './options.js';
import { entryPoint, readMainThreadCpuSeconds, startProcess, type ManagedProcess } from './processes.js';
import { readProfileSummary, renderProfileSummary } from './profile.js';
import type { CheckResult } from './report.js';
import { orderRequests, productRequests } from './scenarios.js';
import { CUSTOMER_PASSWORD, customerEmail, KIND, seededIds, type DataSet } from './seed.js';
import { median } from './stats.js';

// The tracing scenario (bench/README.md, "Tracing cost"): what tracing costs in CPU per request,
// with tracing off, on without an exporter, sampled out, and at 100% sampling to a local OTLP
// receiver. One whole stack (account, catalog, order, gateway) per mode, each on its own seeded
// databases, all running at once; every load is a FIXED request rate, busy but below what a stack
// serves (about 0.7 of a core here), so a request's CPU does not depend on how busy the machine is,
// and the modes take turns within each round (a different mode first every round) so a change in
// the machine's load hits them alike. Not light rates: there a request's CPU is mostly waking idle
// processes (two to five times the same request's in a busy one) and one garbage collection moves a
// load by ±20%. CPU is user + system of the four processes (from /proc) during each load, divided
// by its requests; the receiver runs in the harness and is not counted.

export interface TracingMode {
  readonly name: string;
  readonly what: string;
  readonly env: (endpoint: string) => Record<string, string>;
}

export const TRACING_MODES: readonly TracingMode[] = [
  { name: 'off', what: 'OTEL_SDK_DISABLED=true', env: () => ({ OTEL_SDK_DISABLED: 'true' }) },
  { name: 'no-exporter', what: 'no OTEL_EXPORTER_OTLP_ENDPOINT (the default): the same code as off', env: () => ({}) },
  {
    name: 'sampled-out',
    what: 'endpoint set, OTEL_TRACES_SAMPLER=always_off: the SDK registered, nothing recorded',
    env: (endpoint) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'always_off' }),
  },
  {
    name: 'full',
    what: 'endpoint set, OTEL_TRACES_SAMPLER=always_on: every span, http/protobuf to a local receiver',
    env: (endpoint) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'always_on' }),
  },
];

/** The mode every other is compared with. */
export const BASELINE = 'off';

/**
 * The modes of a run: the standard four, or (--tracing-mode) off and those asked for: standard ones
 * by name, experiments as full sampling with their own variables added.
 */
export function tracingModesOf(choices: BenchOptions['tracingModes']): readonly TracingMode[] {
  if (choices.length === 0) return TRACING_MODES;
  const full = TRACING_MODES.find((mode) => mode.name === 'full');
  const baseline = TRACING_MODES.find((mode) => mode.name === BASELINE);
  if (full === undefined || baseline === undefined) throw new Error('no full or baseline mode');
  const chosen = choices.map((choice): TracingMode => {
    const standard = TRACING_MODES.find((mode) => mode.name === choice.name);
    if (Object.keys(choice.env).length === 0) {
      if (standard === undefined) throw new Error(`--tracing-mode: no mode named ${choice.name} (${TRACING_MODES.map((mode) => mode.name).join(', ')})`);
      return standard;
    }
    if (standard !== undefined) throw new Error(`--tracing-mode: ${choice.name} is a standard mode's name; give the experiment another`);
    const extra = Object.entries(choice.env).map(([name, value]) => `${name}=${value}`).join(' ');
    return { name: choice.name, what: `as full, with ${extra}`, env: (endpoint) => ({ ...full.env(endpoint), ...choice.env }) };
  });
  const modes = [baseline, ...chosen.filter((mode) => mode.name !== BASELINE)];
  if (new Set(modes.map((mode) => mode.name)).size !== modes.length) throw new Error('--tracing-mode: a mode named twice');
  return modes;
}

export interface TracingKind {
  readonly name: TracingKindName;
  readonly what: string;
  /** Requests per second: busy, yet below what one stack serves on this machine (no load saturates it). */
  readonly rate: number;
}

export const TRACING_KINDS: readonly TracingKind[] = [
  { name: 'product', what: 'product point read: gateway → catalog → one SELECT (6 spans when traced)', rate: 400 },
  {
    name: 'createOrder',
    what: 'createOrder of 2 products: gateway → order → account + catalog, SQL transactions in order and catalog (the saga; 26 spans when traced)',
    // 80 until 2026-12-04: on a 2-core AMD EPYC (11–14 ms of CPU a createOrder) 80 a second queued
    // up (p50 77 ms, up to 650 ms in a round), 50 did not (p50 16 ms); see bench/README.md.
    rate: 50,
  },
];

/** The kinds at the rates --tracing-rate gives, the default rate for the others. */
export function tracingKindsAt(rates: BenchOptions['tracingRates']): TracingKind[] {
  return TRACING_KINDS.map((kind) => ({ ...kind, rate: rates[kind.name] ?? kind.rate }));
}

export const SERVICES = ['gateway', 'account', 'catalog', 'order'] as const;
type Service = (typeof SERVICES)[number];

/** Small and quick to seed: the cost of a request hardly depends on the table sizes. */
const DATA: DataSet = { seed: 7, products: 10_000, accounts: 1_000, orders: 10_000, hotProducts: 1, hotStock: 100 };
const CUSTOMERS = 4;
const ADMIN = { email: 'admin@tracing.bench.emporium.test', password: 'bench lamp 7c1f orbit' };
const START_TIMEOUT_MS = 120_000;

/** One load of one kind against one mode's stack. */
export interface TracingSample {
  readonly round: number;
  readonly kind: string;
  readonly mode: string;
  readonly result: PacedRunResult;
  /** CPU milliseconds (user + system) each process spent during the load. */
  readonly cpuMs: Readonly<Record<string, number>>;
  /** Of cpuMs, each process's main thread (the event loop); the rest is V8's and libuv's threads. */
  readonly mainThreadCpuMs?: Readonly<Record<string, number>>;
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface TracingRow {
  readonly mode: string;
  readonly rounds: number;
  /** Rounds whose load had every request answered: the only ones in the CPU figures. */
  readonly cleanRounds: number;
  /** Rounds in the ratio to the baseline: this mode's and the baseline's loads both clean. */
  readonly ratioRounds: number;
  readonly requests: number;
  readonly ok: number;
  readonly errors: Record<string, number>;
  /** CPU ms per request of the four processes together, over the rounds. */
  readonly cpuMsPerRequest: Spread;
  /** Each process's CPU ms per request, median over the rounds. */
  readonly byProcess: Record<string, number>;
  /** Of cpuMsPerRequest's median, the main threads' (the rest: V8's workers, libuv's pool), median over the rounds. */
  readonly mainThreadMsPerRequest: number;
  /** This mode's CPU per request ÷ the baseline's in the same round, over the rounds. */
  readonly vsBaseline: Spread;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxInFlight: number;
}

export interface TracingKindSummary {
  readonly kind: string;
  readonly what: string;
  readonly rate: number;
  readonly rows: readonly TracingRow[];
}

const spreadOf = (values: readonly number[]): Spread => ({
  median: median(values),
  min: values.length === 0 ? Number.NaN : Math.min(...values),
  max: values.length === 0 ? Number.NaN : Math.max(...values),
});

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

/** CPU ms per request of one load, all processes together. */
export function cpuPerRequest(sample: TracingSample): number {
  return sample.result.requests > 0 ? sum(Object.values(sample.cpuMs)) / sample.result.requests : Number.NaN;
}

/**
 * Per kind and mode: the median CPU per request over the rounds and its range, and the ratio to the
 * baseline mode taken round by round (the two loads of one round ran minutes apart at most, so
 * the ratio cancels what changed between rounds).
 */
export function summarizeTracing(samples: readonly TracingSample[], kinds: readonly TracingKind[], modes: readonly string[], baseline = BASELINE): TracingKindSummary[] {
  return kinds.map((kind) => {
    const ofKind = samples.filter((sample) => sample.kind === kind.name);
    // A load with failed requests (deadlines missed on a starved machine) did other work than the
    // rest: left out of the CPU figures, and its round's ratios with it.
    const clean = (sample: TracingSample) => sample.result.ok === sample.result.requests;
    const base = new Map(ofKind.filter((sample) => sample.mode === baseline && clean(sample)).map((sample) => [sample.round, cpuPerRequest(sample)]));
    const rows = modes.map((mode): TracingRow => {
      const ofMode = ofKind.filter((sample) => sample.mode === mode);
      const errors: Record<string, number> = {};
      for (const sample of ofMode) for (const [code, count] of Object.entries(sample.result.errors)) errors[code] = (errors[code] ?? 0) + count;
      const processes = [...new Set(ofMode.flatMap((sample) => Object.keys(sample.cpuMs)))];
      const measured = ofMode.filter(clean);
      const ratios = measured.flatMap((sample) => {
        const reference = base.get(sample.round);
        return reference === undefined || !(reference > 0) ? [] : [cpuPerRequest(sample) / reference];
      });
      return {
        mode,
        rounds: ofMode.length,
        cleanRounds: measured.length,
        ratioRounds: ratios.length,
        requests: sum(ofMode.map((sample) => sample.result.requests)),
        ok: sum(ofMode.map((sample) => sample.result.ok)),
        errors,
        cpuMsPerRequest: spreadOf(measured.map(cpuPerRequest)),
        byProcess: Object.fromEntries(
          processes.map((name) => [name, median(measured.map((sample) => (sample.cpuMs[name] ?? 0) / Math.max(sample.result.requests, 1)))]),
        ),
        mainThreadMsPerRequest: median(measured.map((sample) => sum(Object.values(sample.mainThreadCpuMs ?? {})) / Math.max(sample.result.requests, 1))),
        vsBaseline: spreadOf(ratios),
        p50Ms: median(ofMode.map((sample) => sample.result.latencyMs.p50)),
        p99Ms: median(ofMode.map((sample) => sample.result.latencyMs.p99)),
        maxInFlight: Math.max(0, ...ofMode.map((sample) => sample.result.maxInFlight)),
      };
    });
    return { kind: kind.name, what: kind.what, rate: kind.rate, rows };
  });
}

export interface TracingResults {
  readonly date: string;
  readonly settings: {
    readonly rounds: number;
    readonly seconds: number;
    readonly warmupSeconds: number;
    /** Every stack on new processes (warmed up again) before each round after the first. */
    readonly restartEachRound?: boolean;
    readonly data: DataSet;
    readonly argv: readonly string[];
  };
  readonly machine: { readonly cpus: number; readonly model: string; readonly node: string; readonly loadAverageBefore: number[]; readonly loadAverageAfter: number[] };
  readonly git: { readonly commit: string; readonly dirty: boolean };
  readonly modes: readonly { readonly name: string; readonly what: string }[];
  readonly exported: { readonly requests: number; readonly bytes: number };
  /** CPU ms a second of each stack's processes with no requests, by mode, then process. */
  readonly idleCpuMsPerSecond: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly summary: readonly TracingKindSummary[];
  readonly checks: readonly CheckResult[];
  readonly samples: readonly TracingSample[];
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const percentOver = (ratio: number) => `${ratio >= 1 ? '+' : '−'}${Math.abs((ratio - 1) * 100).toFixed(1)}%`;
const range = (spread: Spread, digits: number) => `${fixed(spread.median, digits)} (${fixed(spread.min, digits)}–${fixed(spread.max, digits)})`;

/** The verdict per kind: full sampling against off, next to the noise (no-exporter runs off's code). */
export function tracingVerdict(summary: readonly TracingKindSummary[]): string[] {
  return summary.map((kind) => {
    const full = kind.rows.find((row) => row.mode === 'full');
    const same = kind.rows.find((row) => row.mode === 'no-exporter');
    if (full === undefined) return `${kind.kind}: no full-sampling figure`;
    const noise = same === undefined ? '' : `; no-exporter, the same code as off, came out ${percentOver(same.vsBaseline.median)} (${fixed(same.vsBaseline.min, 3)}–${fixed(same.vsBaseline.max, 3)}): that much is noise`;
    return (
      `${kind.kind} at ${kind.rate} req/s: full sampling costs ${percentOver(full.vsBaseline.median)} CPU per request over off ` +
      `(median of the rounds' ratios ${fixed(full.vsBaseline.median, 3)}, range ${fixed(full.vsBaseline.min, 3)}–${fixed(full.vsBaseline.max, 3)})${noise}`
    );
  });
}

export function renderTracingMarkdown(results: TracingResults): string {
  const { settings, machine } = results;
  const lines = [
    `# Tracing cost, ${results.date}`,
    '',
    `Commit ${results.git.commit.slice(0, 12)}${results.git.dirty ? ' (with uncommitted changes)' : ''}; ${machine.cpus} CPUs (${machine.model}), Node ${machine.node}; ` +
      `load average ${machine.loadAverageBefore.join(' ')} before, ${machine.loadAverageAfter.join(' ')} after.`,
    '',
    `Four stacks (gateway, account, catalog, order as production processes, each on its own databases: ${settings.data.products.toLocaleString('en-US')} products, ` +
      `${settings.data.accounts.toLocaleString('en-US')} accounts, ${settings.data.orders.toLocaleString('en-US')} orders), one per mode, running at once. ` +
      `Each load sends a fixed rate of evenly spaced requests for ${settings.seconds} s; ${settings.rounds} rounds, every mode once per round and kind, a different mode first each round, ` +
      `after a warm-up of each stack in turn with ${settings.warmupSeconds} s of each kind${settings.restartEachRound === true ? '; before every round after the first, each stack is started again on new processes and warmed up again' : ''}. CPU: user + system of the four processes during the load ÷ its requests ("main threads": the part the four event loops spent, the rest being V8's and libuv's threads); the OTLP receiver (in the harness) is not counted. ` +
      `"vs off" is each round's ratio to off's load of the same round; median (min–max) over the rounds. ` +
      `A load with any failed request (on a starved machine: deadlines missed) is left out of the CPU figures and its round's ratios ("rounds": loads used of those run, ratios used).`,
    `Full sampling exported ${results.exported.requests} OTLP requests, ${(results.exported.bytes / 2 ** 20).toFixed(1)} MiB. ` +
      `Idle, with no requests, the stacks used ${Object.entries(results.idleCpuMsPerSecond)
        .map(([mode, byProcess]) => `${mode} ${sum(Object.values(byProcess))}`)
        .join(', ')} ms of CPU a second (counted in the loads too, the same in every mode).`,
    '',
    '| mode | what |',
    '| --- | --- |',
    ...results.modes.map((mode) => `| ${mode.name} | ${mode.what} |`),
  ];
  for (const kind of results.summary) {
    lines.push(
      '',
      `## ${kind.kind}, ${kind.rate} req/s`,
      '',
      kind.what,
      '',
      `| mode | CPU ms / request, median (min–max) | vs off | rounds | ${SERVICES.join(' | ')} | main threads | p50 ms | p99 ms | ok / sent |`,
      `| --- | ---: | ---: | ---: | ${SERVICES.map(() => '---:').join(' | ')} | ---: | ---: | ---: | ---: |`,
      ...kind.rows.map(
        (row) =>
          `| ${row.mode} | ${range(row.cpuMsPerRequest, 3)} | ${range(row.vsBaseline, 3)} | ${row.cleanRounds}/${row.rounds}, ${row.ratioRounds} | ${SERVICES.map((name) => fixed(row.byProcess[name] ?? Number.NaN, 3)).join(' | ')} | ` +
          `${fixed(row.mainThreadMsPerRequest, 3)} | ${fixed(row.p50Ms, 1)} | ${fixed(row.p99Ms, 1)} | ${row.ok} / ${row.requests}${Object.keys(row.errors).length > 0 ? ` ${JSON.stringify(row.errors)}` : ''} |`,
      ),
    );
  }
  lines.push('', '## Verdict', '', ...tracingVerdict(results.summary).map((line) => `- ${line}.`));
  const failed = results.checks.filter((check) => !check.passed);
  if (failed.length > 0) lines.push('', '## Failed checks', '', ...failed.map((check) => `- ${check.name}: ${check.detail}`));
  return `${lines.join('\n')}\n`;
}

interface Stack {
  readonly mode: TracingMode;
  readonly databases: BenchDatabases;
  readonly processes: Readonly<Record<Service, ManagedProcess>>;
  readonly url: string;
  readonly productIds: readonly string[];
  readonly tokens: readonly string[];
}

const grpcAddress = (line: Record<string, unknown>) => (typeof line.address === 'string' ? line.address : '');
const isGrpcListening = (line: Record<string, unknown>) => line.msg === 'gRPC server listening';

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
  const start = (service: Service, env: Record<string, string>) => {
    const entry = entryPoint(root, `services/${service}`);
    const profiled = options.cpuProf.includes(service) && (mode.name === 'full' || mode.name === BASELINE);
    const managed = startProcess({
      name: `${mode.name}/${service}`,
      args: [...(profiled ? ['--cpu-prof', `--cpu-prof-dir=${context.profileDir}`, `--cpu-prof-name=tracing-${mode.name}-${service}.cpuprofile`] : []), ...entry.args],
      // The reconciler's passes would add CPU (and, traced, spans) no request asked for.
      env: { NODE_ENV: 'production', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', RECONCILE_INTERVAL_MS: '0', ...mode.env(context.endpoint), ...env },
      cwd: root,
      mode: entry.mode,
    });
    context.all.push(managed);
    return managed;
  };
  const account = start('account', { DATABASE_URL: databases.account });
  const catalog = start('catalog', { DATABASE_URL: databases.catalog });
  const [accountAddress, catalogAddress] = await Promise.all([account, catalog].map((service) => service.waitForLine(isGrpcListening, START_TIMEOUT_MS).then(grpcAddress)));
  const order = start('order', { DATABASE_URL: databases.order, ACCOUNT_ADDRESS: accountAddress ?? '', CATALOG_ADDRESS: catalogAddress ?? '' });
  const orderAddress = grpcAddress(await order.waitForLine(isGrpcListening, START_TIMEOUT_MS));
  if (seed) await seedDatabases({ ...options, data: DATA }, databases);
  const gateway = start('gateway', {
    ACCOUNT_ADDRESS: accountAddress ?? '',
    CATALOG_ADDRESS: catalogAddress ?? '',
    ORDER_ADDRESS: orderAddress,
    JWT_SECRET: randomBytes(32).toString('base64url'),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    ACCESS_TOKEN_TTL_SECONDS: String(24 * 3600),
    GRAPHIQL: 'false',
    DATA_DIR: join(context.scratch, mode.name),
    // All the load comes from 127.0.0.1: the per-IP budgets are not what is measured.
    RATE_LIMIT_REQUESTS: '1000000000',
    AUTH_ATTEMPTS_PER_IP: '1000000000',
  });
  const listening = await gateway.waitForLine((line) => line.msg === 'gateway listening', START_TIMEOUT_MS);
  const url = `http://127.0.0.1:${String(listening.port)}/graphql`;
  const tokens: string[] = [];
  for (let n = 1; n <= CUSTOMERS; n++) tokens.push(await logIn(url, customerEmail(n), CUSTOMER_PASSWORD));
  const productIds = await seededIds(databases.catalog, KIND.product, 1, DATA.products);
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
  await Promise.all(SERVICES.map((name) => stack.processes[name].stop()));
  return startStack(stack.mode, stack.databases, context, false);
}

/** CPU seconds so far of each of the stack's processes. */
function cpuOf(stack: Stack): Record<string, number> {
  return Object.fromEntries(SERVICES.map((name) => [name, stack.processes[name].cpuSeconds() ?? Number.NaN]));
}

/** CPU seconds so far of each of the stack's processes' main thread. */
function mainThreadCpuOf(stack: Stack): Record<string, number> {
  return Object.fromEntries(SERVICES.map((name) => [name, readMainThreadCpuSeconds(stack.processes[name].pid) ?? Number.NaN]));
}

function millisecondsBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(SERVICES.map((name) => [name, Math.round(((after[name] ?? Number.NaN) - (before[name] ?? Number.NaN)) * 1000)]));
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
 * code not yet optimised, at 5 to 25 times the CPU per span of the steady state
 * (bench/README.md, "Tracing cost").
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
      idle[stack.mode.name] = Object.fromEntries(SERVICES.map((name) => [name, Math.round((((after[name] ?? 0) - (before[name] ?? 0)) * 1000) / idleSeconds)]));
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
              `${cpuPerRequest(sample).toFixed(3)} ms CPU a request, main threads ${(sum(Object.values(sample.mainThreadCpuMs ?? {})) / sample.result.requests).toFixed(3)} (${SERVICES.map((name) => `${name} ${((sample.cpuMs[name] ?? 0) / sample.result.requests).toFixed(3)}`).join(', ')}), ` +
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
