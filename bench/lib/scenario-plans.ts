import type { BenchProcesses } from './bench-processes.js';
import { checkHotStock, checkPlacedOrders } from './books.js';
import type { BenchDatabases } from './databases.js';
import type { Fixtures } from './fixtures.js';
import type { LoadRequest, RunResult } from './load.js';
import type { BenchOptions, Scenario, ScenarioId, ScenarioName } from './options.js';
import type { PgbenchScript } from './pgbench.js';
import type { ManagedProcess } from './processes.js';
import type { CheckResult } from './report.js';
import {
  hotOrderRequests,
  nestedRequests,
  orderRequests,
  orderScripts,
  productRequests,
  productScript,
  searchRequests,
  searchScripts,
  type OperationName,
} from './scenarios.js';

// The timed-load scenarios by name: what each sends to the gateway, the floor and pgbench, how the
// floor's answer is compared with the gateway's, and what is checked after the loads.

/** What a scenario runs against: the started processes, the logged-in users and the databases. */
export interface RunContext {
  readonly started: BenchProcesses;
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

export interface ScenarioPlan {
  readonly title: string;
  /** autocannon connections; fewer for the heavy nested query, so a short run still completes requests. */
  readonly connections: number;
  readonly request: string;
  readonly gateway: Requests;
  readonly floor?: FloorPlan;
  /** pgbench scripts per database; several databases are combined as serial work. */
  readonly ceiling?: ReadonlyArray<{ readonly database: keyof Omit<BenchDatabases, 'drop'>; readonly scripts: readonly PgbenchScript[] }>;
  readonly expectedErrors: readonly string[];
  /** Run after each gateway load (warm-up included), with its result. */
  readonly afterGatewayLoad?: (load: number, result: RunResult) => Promise<CheckResult | undefined>;
  /** Run once the scenario's loads are all done, with every load's result per target. */
  readonly afterAll?: (results: { gateway: RunResult[]; floor: RunResult[] }) => Promise<CheckResult[]>;
}

/**
 * The scenarios driven as timed loads; the sign-up burst is a wave of its own (burst-scenario.ts),
 * and tracing runs stacks of its own (tracing-scenario.ts).
 */
export type LoadScenarioName = Exclude<ScenarioName, 'signup-burst' | 'tracing'>;

export function isLoadScenario(scenario: Scenario): scenario is Extract<Scenario, { name: LoadScenarioName }> {
  return scenario.name !== 'signup-burst' && scenario.name !== 'tracing';
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

type PlanOf = (id: ScenarioId, options: BenchOptions, context: RunContext) => ScenarioPlan;

const PLANS: { readonly [name in LoadScenarioName]: PlanOf } = {
  search: (id, options) => {
    const requests: Requests = (load) => searchRequests(seedFor(options, id, load));
    return {
      title: 'search page',
      connections: options.connections,
      request: `products(first: 20, query: <one of 8 common words>) { totalCount nodes { id name price stock } } — anonymous`,
      gateway: requests,
      floor: { requests, comparison: 'identical JSON', operation: 'Search' },
      ceiling: [{ database: 'catalog', scripts: searchScripts() }],
      expectedErrors: [],
    };
  },
  product: (id, options, { fixtures }) => {
    const requests: Requests = (load) => productRequests(seedFor(options, id, load), fixtures.productIds);
    return {
      title: 'product point read',
      connections: options.connections,
      request: 'product(id: <random seeded product>) { id name description price stock } — anonymous',
      gateway: requests,
      floor: { requests, comparison: 'identical JSON', operation: 'Product' },
      ceiling: [{ database: 'catalog', scripts: [productScript(options.data.products)] }],
      expectedErrors: [],
    };
  },
  nested: (_id, options, { fixtures }) => ({
    title: 'nested batching',
    connections: options.nestedConnections,
    request: 'accounts(first: 50) { nodes { orders { nodes { items { product { name } } } } } } — as admin',
    gateway: () => nestedRequests(fixtures.adminToken),
    expectedErrors: [],
  }),
  order: (id, options, { fixtures, databases }) => {
    const scripts = orderScripts(options.data);
    const requests =
      (target: 'gateway' | 'floor'): Requests =>
      (load) =>
        orderRequests(seedFor(options, id, load), fixtures.productIds, fixtures.customerTokens, keyPrefix(id, target, load));
    return {
      title: 'createOrder (write path)',
      connections: options.connections,
      request: 'createOrder: 2 random products × 1-3, ample stock, idempotency key — as one of the logged-in customers',
      gateway: requests('gateway'),
      // Orders get new ids and times on each side; their shape and money must still agree.
      floor: { requests: requests('floor'), comparison: 'same JSON shape', operation: 'CreateOrder' },
      ceiling: [
        { database: 'account', scripts: [scripts.account] },
        { database: 'catalog', scripts: [scripts.catalog] },
        { database: 'order', scripts: [scripts.order] },
      ],
      expectedErrors: [],
      afterAll: async (results) => [
        await checkPlacedOrders(databases.order, `s${id}-gateway-`, results.gateway, options.connections),
        await checkPlacedOrders(databases.order, `s${id}-floor-`, results.floor, options.connections),
      ],
    };
  },
  'hot-order': (id, options, { fixtures, databases }) => ({
    title: 'createOrder on one hot product',
    connections: options.connections,
    request: `createOrder: 1 × the same product (stock ${options.data.hotStock}; a fresh one per load) until it runs out — as the customers`,
    gateway: (load) => hotOrderRequests(seedFor(options, id, load), hotProduct(fixtures, load), fixtures.customerTokens, keyPrefix(id, 'gateway', load)),
    expectedErrors: ['OUT_OF_STOCK'],
    afterGatewayLoad: (load, result) =>
      checkHotStock(databases, hotProduct(fixtures, load), options.data.hotStock, result, options.connections, load, keyPrefix(id, 'gateway', load)),
  }),
};

/** Each load of each scenario has its own seed, the same for the gateway and the floor. */
const seedFor = (options: BenchOptions, scenario: ScenarioId, load: number) => options.data.seed * 1000 + scenario * 100 + load;

export function planScenario(scenario: Extract<Scenario, { name: LoadScenarioName }>, options: BenchOptions, context: RunContext): ScenarioPlan {
  return PLANS[scenario.name](scenario.id, options, context);
}

/** Sends one request to both and compares: the floor must answer what the gateway answers. */
export async function compareWithFloor(floor: FloorPlan, gateway: Requests, context: RunContext): Promise<CheckResult> {
  // Same generator and seed for both: the same request (for orders, different keys and so different orders).
  const send = async (url: string, requests: Requests) => {
    const request = requests(-1)();
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: request.body });
    const body: unknown = await response.json();
    return body;
  };
  const [fromGateway, fromFloor] = await Promise.all([send(context.started.gatewayUrl, gateway), send(context.started.floorUrl, floor.requests)]);
  const comparable = (value: unknown) => (floor.comparison === 'same JSON shape' ? shapeOf(value) : value);
  const same = JSON.stringify(comparable(fromGateway)) === JSON.stringify(comparable(fromFloor));
  return {
    name: `monolith floor answers like the gateway`,
    passed: same,
    detail: same
      ? `${floor.comparison} for ${floor.operation}`
      : `gateway ${JSON.stringify(fromGateway).slice(0, 300)} vs floor ${JSON.stringify(fromFloor).slice(0, 300)}`,
  };
}

/** The structure of a JSON value: keys and types, not values. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shapeOf(inner)]));
  return typeof value;
}
