import type { BenchDatabases } from '../data/databases.js';
import type { LoadRequest } from '../load/http.js';
import type { RunResult } from '../load/fixed-connections.js';
import type { BenchOptions, ScenarioId } from '../options.js';
import type { CheckResult } from '../report/results.js';
import type { ManagedProcess } from '../targets/managed-process.js';
import type { PgbenchScript } from '../targets/pgbench.js';
import type { Fixtures } from './fixtures.js';
import type { OperationName } from './requests.js';

// What a timed-load scenario is: what it sends to the gateway, the monolith floor and pgbench, and
// what it checks. Each scenario's file (search.ts, product.ts, …) fills one in; timed-load.ts runs it.

/** What a scenario runs against: the two URLs, the logged-in users and the databases. */
export interface RunContext {
  readonly gatewayUrl: string;
  readonly floorUrl: string;
  readonly fixtures: Fixtures;
  readonly databases: BenchDatabases;
  readonly pgbench: string;
  readonly scratch: string;
  /** Every process of the run, for their CPU time and memory. */
  readonly processes: readonly ManagedProcess[];
}

/** A load's request generator; `load` is 0 for the warm-up and 1..runs for the measured runs. */
export type Requests = (load: number) => () => LoadRequest;

/**
 * How the floor's answer to the same request must match the gateway's: the same JSON to the letter,
 * or the same shape (keys and types) where each side makes new ids and times, as for orders.
 */
export type Comparison = 'identical JSON' | 'same JSON shape';

export interface FloorPlan {
  readonly requests: Requests;
  readonly comparison: Comparison;
  /** The GraphQL operation the comparison request sends, named in the check's detail. */
  readonly operation: OperationName;
}

/** The databases a pgbench script can run on. */
export type DatabaseName = keyof Omit<BenchDatabases, 'drop'>;

export interface TimedLoadPlan {
  readonly title: string;
  /** autocannon connections; fewer for the heavy nested query, so a short run still completes requests. */
  readonly connections: number;
  readonly request: string;
  readonly gateway: Requests;
  readonly floor?: FloorPlan;
  /** pgbench scripts per database; several databases are combined as serial work. */
  readonly ceiling?: ReadonlyArray<{ readonly database: DatabaseName; readonly scripts: readonly PgbenchScript[] }>;
  readonly expectedErrors: readonly string[];
  /** Run after each gateway load (warm-up included), with its result. */
  readonly afterGatewayLoad?: (load: number, result: RunResult) => Promise<CheckResult | undefined>;
  /** Run once the scenario's loads are all done, with every load's result per target. */
  readonly afterAll?: (results: { gateway: RunResult[]; floor: RunResult[] }) => Promise<CheckResult[]>;
}

/** A scenario's plan, made for this run: its number, the options and what it runs against. */
export type PlanOf = (id: ScenarioId, options: BenchOptions, context: RunContext) => TimedLoadPlan;

/** Each load of each scenario has its own seed, the same for the gateway and the floor. */
export const seedFor = (options: BenchOptions, scenario: ScenarioId, load: number) => options.data.seed * 1000 + scenario * 100 + load;

/** Idempotency keys name scenario, target and load; the one-off comparison request (load -1) has its own. */
export function keyPrefix(scenario: ScenarioId, target: 'gateway' | 'floor', load: number): string {
  return load < 0 ? `compare-s${scenario}-${target}` : `s${scenario}-${target}-${load}`;
}
