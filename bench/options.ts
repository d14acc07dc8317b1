import { parseArgs } from 'node:util';
import type { DataSet } from './data/seed.js';

export const PROCESS_NAMES = ['account', 'catalog', 'order', 'gateway', 'monolith'] as const;
export type ProcessName = (typeof PROCESS_NAMES)[number];

/** The scenarios: the number the CLI and the results know each by, and its name (bench/README.md describes each). */
export const SCENARIOS = [
  { id: 1, name: 'search' },
  { id: 2, name: 'product' },
  { id: 3, name: 'nested' },
  { id: 4, name: 'order' },
  { id: 5, name: 'hot-order' },
  { id: 6, name: 'signup-burst' },
  { id: 7, name: 'tracing' },
  { id: 8, name: 'events' },
] as const;
export type Scenario = (typeof SCENARIOS)[number];
export type ScenarioId = Scenario['id'];
export type ScenarioName = Scenario['name'];
export const SCENARIO_IDS: readonly ScenarioId[] = SCENARIOS.map((scenario) => scenario.id);

/** The tracing scenario's request kinds (bench/scenarios/tracing-modes.ts). */
export const TRACING_KIND_NAMES = ['product', 'createOrder'] as const;
export type TracingKindName = (typeof TRACING_KIND_NAMES)[number];

/** A tracing mode asked for on the command line: a standard one (env empty), or full sampling plus env. */
export interface TracingModeChoice {
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
}

/** Everything that decides what a run measures; all of it is written into the results. */
export interface BenchOptions {
  readonly mode: 'quick' | 'full';
  readonly data: DataSet;
  readonly warmupSeconds: number;
  readonly runSeconds: number;
  readonly runs: number;
  /** autocannon connections for every scenario but the nested query... */
  readonly connections: number;
  /** ...which costs a hundred times a point read: fewer connections, or a short run completes nothing. */
  readonly nestedConnections: number;
  /** pgbench clients: the services' pool size (DATABASE_POOL_MAX 10), the most any of them uses per database. */
  readonly pgbenchClients: number;
  readonly pgbenchThreads: number;
  /** Customers logged in to place the orders of the order and hot-order scenarios. */
  readonly customers: number;
  /** Sign-ups sent at once in each wave of the signup-burst scenario. */
  readonly burstSize: number;
  readonly scenarios: readonly ScenarioId[];
  /** Seconds of each kind on each stack before the tracing scenario's rounds: --warmup, else 30 (2 quick). */
  readonly tracingWarmupSeconds: number;
  /** Rounds of the tracing scenario (each mode once per round and request kind): --runs, else 5 (2 quick). */
  readonly tracingRounds: number;
  /**
   * The tracing scenario's modes when --tracing-mode is given (off is always added first): standard
   * ones by name, or experiments at full sampling with variables of their own. Empty: the standard four.
   */
  readonly tracingModes: readonly TracingModeChoice[];
  /** Request rates of the tracing scenario's kinds given by --tracing-rate, by kind; the others keep their defaults. */
  readonly tracingRates: Readonly<Partial<Record<TracingKindName, number>>>;
  /** Rounds of the events scenario (each stack once per round): --runs, else 5 (2 quick). */
  readonly eventsRounds: number;
  /** Seconds of createOrders on each stack before the events scenario's rounds: --warmup, else 30 (2 quick). */
  readonly eventsWarmupSeconds: number;
  /** createOrders a second of the events scenario's cost rounds: --events-rate, else 50 (as the tracing scenario's). */
  readonly eventsOrderRate: number;
  /** The events scenario's mail phase: createOrders a second (--mail-rate, else 20) for so many seconds (--mail-seconds, else 60; 8 quick). */
  readonly eventsMailRate: number;
  readonly eventsMailSeconds: number;
  /** Whether the events scenario runs its mail phase (--no-mail skips it). */
  readonly eventsMail: boolean;
  readonly coldStart: boolean;
  readonly build: boolean;
  /** Keep the databases afterwards, to look at them. */
  readonly keep: boolean;
  /** PostgreSQL settings for the benchmark databases (ALTER DATABASE … SET), to try one out. */
  readonly databaseSettings: Readonly<Record<string, string>>;
  /** Write V8 CPU profiles of these processes (node --cpu-prof). */
  readonly cpuProf: readonly ProcessName[];
}

const SEED = 7;

const FULL = {
  data: { seed: SEED, products: 100_000, accounts: 10_000, orders: 100_000, hotStock: 500 },
  warmupSeconds: 5,
  runSeconds: 10,
  runs: 3,
  customers: 16,
} as const;

/** Small enough to seed in seconds and finish in under two minutes, with the same shape. */
const QUICK = {
  data: { seed: SEED, products: 10_000, accounts: 1_000, orders: 10_000, hotStock: 100 },
  warmupSeconds: 1,
  runSeconds: 3,
  runs: 1,
  customers: 4,
} as const;

export const USAGE = `npm run bench [-- options] [scenario…]

  --quick             small data set, one short run per target (under 2 minutes)
  --scenarios 1,3     only these scenarios, by number or name (results go to bench/results/tmp/):
                      ${SCENARIOS.map((scenario) => `${scenario.id} ${scenario.name}`).join(', ')}
                      (names or numbers after the options do the same: npm run bench -- tracing)
  --runs N            measured runs per target (median reported); rounds of the tracing scenario
  --seconds N         length of each measured run
  --warmup N          seconds of warm-up before the measured runs (the tracing scenario: of each kind on each stack, 30 by default)
  --cold-start        measure npm start's cold start also with --quick
  --no-cold-start     skip the cold-start measurement
  --skip-build        use the existing dist/ (npm run build is the default)
  --keep              keep the benchmark databases
  --pg-set NAME=VALUE a PostgreSQL setting for the benchmark databases (repeatable), to try it out
  --cpu-prof NAMES    CPU-profile processes (comma-separated, or all): ${PROCESS_NAMES.join(', ')}
  --tracing-mode M    the tracing scenario's modes instead of the standard four (repeatable; off is
                      always first): a standard name (no-exporter, sampled-out, full), or an experiment
                      at full sampling, NAME:VAR=VALUE[,VAR=VALUE] (e.g. json:OTEL_EXPORTER_OTLP_PROTOCOL=http/json)
  --tracing-rate K=N  the tracing scenario's rate for a kind, requests a second (repeatable):
                      ${TRACING_KIND_NAMES.join(', ')} (e.g. createOrder=50)
  --events-rate N     the events scenario's createOrders a second in its cost rounds (50)
  --mail-rate N       the events scenario's createOrders a second in its mail phase (20)
  --mail-seconds N    length of the events scenario's mail phase (60; 8 with --quick)
  --no-mail           the events scenario without its mail phase (the notification service)
  --help`;

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`${flag} must be a positive integer`);
  return Number(value);
}

export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      scenarios: { type: 'string' },
      runs: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      'cold-start': { type: 'boolean' },
      'no-cold-start': { type: 'boolean' },
      'skip-build': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      'pg-set': { type: 'string', multiple: true },
      'tracing-mode': { type: 'string', multiple: true },
      'tracing-rate': { type: 'string', multiple: true },
      'events-rate': { type: 'string' },
      'mail-rate': { type: 'string' },
      'mail-seconds': { type: 'string' },
      'no-mail': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const profile = values.quick ? QUICK : FULL;
  const runs = positiveInt(values.runs, '--runs') ?? profile.runs;
  const chosen = [...(values.scenarios === undefined ? [] : [values.scenarios]), ...positionals];
  const scenarios = chosen.length === 0 ? [...SCENARIO_IDS] : parseScenarios(chosen.join(','));
  const cpuProf = parseProcessNames(values['cpu-prof']);
  return {
    mode: values.quick ? 'quick' : 'full',
    // One hot product for each hot-order load: the warm-up and every run start from the same stock.
    data: { ...profile.data, hotProducts: runs + 1 },
    warmupSeconds: positiveInt(values.warmup, '--warmup') ?? profile.warmupSeconds,
    runSeconds: positiveInt(values.seconds, '--seconds') ?? profile.runSeconds,
    runs,
    connections: 16,
    nestedConnections: 4,
    pgbenchClients: 10,
    pgbenchThreads: 2,
    customers: profile.customers,
    // 100 concurrent sign-ups, in the quick run too: about what a launch or a bot sends at once.
    burstSize: 100,
    scenarios,
    tracingRounds: positiveInt(values.runs, '--runs') ?? (values.quick ? 2 : 5),
    tracingWarmupSeconds: positiveInt(values.warmup, '--warmup') ?? (values.quick ? 2 : 30),
    tracingModes: (values['tracing-mode'] ?? []).map(parseTracingMode),
    tracingRates: parseTracingRates(values['tracing-rate'] ?? []),
    eventsRounds: positiveInt(values.runs, '--runs') ?? (values.quick ? 2 : 5),
    eventsWarmupSeconds: positiveInt(values.warmup, '--warmup') ?? (values.quick ? 2 : 30),
    eventsOrderRate: positiveInt(values['events-rate'], '--events-rate') ?? 50,
    eventsMailRate: positiveInt(values['mail-rate'], '--mail-rate') ?? 20,
    eventsMailSeconds: positiveInt(values['mail-seconds'], '--mail-seconds') ?? (values.quick ? 8 : 60),
    eventsMail: !values['no-mail'],
    coldStart: values['no-cold-start'] === true ? false : (values['cold-start'] ?? !values.quick),
    build: !values['skip-build'],
    keep: values.keep,
    cpuProf,
    databaseSettings: parseSettings(values['pg-set'] ?? []),
  };
}

function isProcessName(value: string): value is ProcessName {
  return PROCESS_NAMES.some((name) => name === value);
}

function parseSettings(pairs: readonly string[]): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const pair of pairs) {
    const match = /^([a-z_]+)=(.+)$/.exec(pair);
    if (match?.[1] === undefined || match[2] === undefined) throw new Error(`--pg-set takes name=value, got ${JSON.stringify(pair)}`);
    settings[match[1]] = match[2];
  }
  return settings;
}

const EXPERIMENT = /^([a-z][a-z0-9-]*):((?:[A-Z][A-Z0-9_]*=[^,]*)(?:,[A-Z][A-Z0-9_]*=[^,]*)*)$/;

function parseTracingMode(text: string): TracingModeChoice {
  if (/^[a-z][a-z0-9-]*$/.test(text)) return { name: text, env: {} };
  const match = EXPERIMENT.exec(text);
  if (match?.[1] === undefined || match[2] === undefined) {
    throw new Error(`--tracing-mode takes a mode's name or NAME:VAR=VALUE[,VAR=VALUE], got ${JSON.stringify(text)}`);
  }
  const env = Object.fromEntries(match[2].split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  return { name: match[1], env };
}

function parseTracingRates(pairs: readonly string[]): Partial<Record<TracingKindName, number>> {
  const rates: Partial<Record<TracingKindName, number>> = {};
  for (const pair of pairs) {
    const match = /^([A-Za-z]+)=(\d+)$/.exec(pair);
    const kind = TRACING_KIND_NAMES.find((name) => name === match?.[1]);
    if (match?.[2] === undefined || kind === undefined || Number(match[2]) < 1) {
      throw new Error(`--tracing-rate takes KIND=N, KIND one of ${TRACING_KIND_NAMES.join(', ')} and N requests a second (at least 1), got ${JSON.stringify(pair)}`);
    }
    rates[kind] = Number(match[2]);
  }
  return rates;
}

function parseProcessNames(text: string | undefined): ProcessName[] {
  if (text === undefined) return [];
  if (text === 'all') return [...PROCESS_NAMES];
  return text.split(',').map((part) => {
    const name = part.trim();
    if (!isProcessName(name)) throw new Error(`--cpu-prof takes ${PROCESS_NAMES.join(', ')} or all, got ${JSON.stringify(part)}`);
    return name;
  });
}

function parseScenarios(text: string): ScenarioId[] {
  const ids = text.split(',').map((part) => {
    const scenario = SCENARIOS.find((candidate) => String(candidate.id) === part.trim() || candidate.name === part.trim());
    if (scenario === undefined) {
      throw new Error(`--scenarios takes numbers from 1 to ${SCENARIOS.length} or names (${SCENARIOS.map((s) => s.name).join(', ')}), got ${JSON.stringify(part)}`);
    }
    return scenario.id;
  });
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** The scenario of that number. */
export function scenarioById(id: ScenarioId): Scenario {
  const scenario = SCENARIOS.find((candidate) => candidate.id === id);
  if (scenario === undefined) throw new Error(`no scenario ${id}`);
  return scenario;
}

/** Whether argv keeps the standard settings: no option that changes what is measured or how long. */
export function hasStandardSettings(argv: readonly string[]): boolean {
  return !argv.some((arg) => /^--(runs|seconds|warmup|cpu-prof|pg-set|tracing-|events-|mail-|no-mail)/.test(arg));
}

/** A run is the official kind (written to bench/results/) only with every scenario and the standard settings. */
export function isComplete(options: BenchOptions, argv: readonly string[]): boolean {
  return options.mode === 'full' && options.scenarios.length === SCENARIO_IDS.length && hasStandardSettings(argv);
}
