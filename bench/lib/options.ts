import { parseArgs } from 'node:util';
import type { DataSet } from './seed.js';

export const PROCESS_NAMES = ['account', 'catalog', 'order', 'gateway', 'monolith'] as const;
export type ProcessName = (typeof PROCESS_NAMES)[number];

export const SCENARIO_IDS = [1, 2, 3, 4, 5] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

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
  /** Customers logged in to place the orders of scenarios 4 and 5. */
  readonly customers: number;
  readonly scenarios: readonly ScenarioId[];
  readonly coldStart: boolean;
  readonly build: boolean;
  /** Keep the databases afterwards, to look at them. */
  readonly keep: boolean;
  /** Write a V8 CPU profile of this process (node --cpu-prof). */
  readonly cpuProf: ProcessName | undefined;
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

export const USAGE = `npm run bench [-- options]

  --quick             small data set, one short run per target (under 2 minutes)
  --scenarios 1,3     only these scenarios (results go to bench/results/tmp/)
  --runs N            measured runs per target (median reported)
  --seconds N         length of each measured run
  --cold-start        measure npm start's cold start also with --quick
  --no-cold-start     skip the cold-start measurement
  --skip-build        use the existing dist/ (npm run build is the default)
  --keep              keep the benchmark databases
  --cpu-prof NAME     CPU-profile one process: ${PROCESS_NAMES.join(', ')}
  --help`;

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`${flag} must be a positive integer`);
  return Number(value);
}

export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      scenarios: { type: 'string' },
      runs: { type: 'string' },
      seconds: { type: 'string' },
      'cold-start': { type: 'boolean' },
      'no-cold-start': { type: 'boolean' },
      'skip-build': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const profile = values.quick ? QUICK : FULL;
  const runs = positiveInt(values.runs, '--runs') ?? profile.runs;
  const scenarios = values.scenarios === undefined ? [...SCENARIO_IDS] : parseScenarios(values.scenarios);
  const cpuProf = values['cpu-prof'];
  if (cpuProf !== undefined && !isProcessName(cpuProf)) throw new Error(`--cpu-prof must be one of ${PROCESS_NAMES.join(', ')}`);
  return {
    mode: values.quick ? 'quick' : 'full',
    // One hot product for each scenario-5 load: the warm-up and every run start from the same stock.
    data: { ...profile.data, hotProducts: runs + 1 },
    warmupSeconds: profile.warmupSeconds,
    runSeconds: positiveInt(values.seconds, '--seconds') ?? profile.runSeconds,
    runs,
    connections: 16,
    nestedConnections: 4,
    pgbenchClients: 10,
    pgbenchThreads: 2,
    customers: profile.customers,
    scenarios,
    coldStart: values['no-cold-start'] === true ? false : (values['cold-start'] ?? !values.quick),
    build: !values['skip-build'],
    keep: values.keep,
    cpuProf,
  };
}

function isProcessName(value: string): value is ProcessName {
  return PROCESS_NAMES.some((name) => name === value);
}

function parseScenarios(text: string): ScenarioId[] {
  const ids = text.split(',').map((part) => {
    const id = SCENARIO_IDS.find((candidate) => String(candidate) === part.trim());
    if (id === undefined) throw new Error(`--scenarios takes numbers from 1 to 5, got ${JSON.stringify(part)}`);
    return id;
  });
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** A run is the official kind (written to bench/results/) only with every scenario and the standard settings. */
export function isComplete(options: BenchOptions, argv: readonly string[]): boolean {
  return options.mode === 'full' && options.scenarios.length === SCENARIO_IDS.length && !argv.some((arg) => /^--(runs|seconds|cpu-prof)/.test(arg));
}
