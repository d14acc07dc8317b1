import { backendCpuBetween, backendCpuSeconds } from '../targets/database-cpu.js';
import type { BenchDatabases } from '../data/databases.js';
import { runLoad } from '../load/fixed-connections.js';
import { serialThroughput } from '../load/stats.js';
import type { BenchOptions, Scenario, ScenarioName } from '../options.js';
import { log, mib } from '../report/progress-log.js';
import { summarizePgbench, summarizeRuns, type CeilingPart, type CeilingResult, type CheckResult, type MeasuredRun, type ScenarioResult, type TargetResult } from '../report/results.js';
import { runPgbench, type PgbenchResult } from '../targets/pgbench.js';
import { hotOrder } from './hot-order.js';
import { nested } from './nested.js';
import { order } from './order.js';
import type { FloorPlan, PlanOf, Requests, RunContext } from './plan.js';
import { product } from './product.js';
import { search } from './search.js';

// Runs a timed-load scenario: a warm-up and measured runs against the gateway, the monolith floor
// and pgbench, in turns, with the CPU each process spent per request; then the scenario's checks.

/**
 * The scenarios driven as timed loads, by name; the sign-up burst is a wave of its own
 * (signup-burst.ts), and tracing and events run stacks of their own (tracing.ts, events.ts).
 */
export type TimedLoadScenarioName = Exclude<ScenarioName, 'signup-burst' | 'tracing' | 'events'>;

const PLANS: { readonly [name in TimedLoadScenarioName]: PlanOf } = { search, product, nested, order, 'hot-order': hotOrder };

export function isTimedLoadScenario(scenario: Scenario): scenario is Extract<Scenario, { name: TimedLoadScenarioName }> {
  return scenario.name !== 'signup-burst' && scenario.name !== 'tracing' && scenario.name !== 'events';
}

/** The benchmark databases' PostgreSQL backends, in the CPU table. */
const POSTGRES = 'postgres';

/** The harness itself, in the CPU table: autocannon runs in this process. */
const LOAD_GENERATOR = 'autocannon';

const databaseUrls = (databases: BenchDatabases) => [databases.account, databases.catalog, databases.order];

type Target = 'gateway' | 'floor';

export async function runTimedLoadScenario(which: Extract<Scenario, { name: TimedLoadScenarioName }>, options: BenchOptions, context: RunContext): Promise<ScenarioResult> {
  const id = which.id;
  const scenario = PLANS[which.name](id, options, context);
  log(`scenario ${id} (${which.name}): ${scenario.title}`);
  const checks: CheckResult[] = [];
  const all: Record<Target, MeasuredRun[]> = { gateway: [], floor: [] };
  const measured: Record<Target, MeasuredRun[]> = { gateway: [], floor: [] };

  const drive = async (target: Target, requests: Requests, load: number) => {
    const url = target === 'gateway' ? context.gatewayUrl : context.floorUrl;
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

  const target = (name: Target, runs: MeasuredRun[]): TargetResult => ({
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

/** The database ceiling of a scenario: one pgbench script's figures, or several databases' combined as serial work. */
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

/** Sends one request to both and compares: the floor must answer what the gateway answers. */
async function compareWithFloor(floor: FloorPlan, gateway: Requests, context: RunContext): Promise<CheckResult> {
  // Same generator and seed for both: the same request (for orders, different keys and so different orders).
  const send = async (url: string, requests: Requests) => {
    const request = requests(-1)();
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: request.body });
    const body: unknown = await response.json();
    return body;
  };
  const [fromGateway, fromFloor] = await Promise.all([send(context.gatewayUrl, gateway), send(context.floorUrl, floor.requests)]);
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
