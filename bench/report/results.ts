import type { BackendCalls, RunResult } from '../load/fixed-connections.js';
import type { PgbenchResult } from '../targets/pgbench.js';
import { median, ratio, round3 } from '../load/stats.js';

// The results file (every run kept) and its Markdown table. Pure: bench/test checks the rendering.

export interface Summary {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/**
 * A measured load and the CPU time each of our processes spent per request during it: unlike
 * req/s, this hardly depends on what else the shared machine is doing.
 */
export interface MeasuredRun extends RunResult {
  readonly cpuMsPerRequest: Record<string, number>;
}

export interface TargetResult {
  readonly target: 'gateway' | 'floor';
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly runs: readonly MeasuredRun[];
  /** Median over the runs of each figure separately. */
  readonly median: Summary;
}

export interface CeilingPart {
  readonly database: string;
  readonly runs: readonly PgbenchResult[];
  readonly medianTransactionsPerSecond: number;
}

export interface CeilingResult {
  readonly tool: 'pgbench';
  readonly clients: number;
  /** How the figure was obtained, in words (one script, or several databases combined). */
  readonly method: string;
  readonly parts: readonly CeilingPart[];
  /** Latencies only when one script is the whole request; a combination of databases has none. */
  readonly median: Summary | { readonly requestsPerSecond: number; readonly p50: null; readonly p90: null; readonly p99: null };
}

export interface CheckResult {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

export interface ScenarioResult {
  readonly id: number;
  readonly title: string;
  readonly request: string;
  readonly gateway: TargetResult;
  readonly floor?: TargetResult;
  readonly ceiling?: CeilingResult;
  /** Error codes that are the scenario's point (OUT_OF_STOCK in 5), not failures. */
  readonly expectedErrors: readonly string[];
  readonly checks: readonly CheckResult[];
  /** Peak RSS of every process once the scenario was done (peaks only grow), MiB. */
  readonly peakRssMiB: Record<string, number>;
}

export interface ColdStart {
  /** What `npm start` printed: "Emporium is ready (N s)". */
  readonly reportedSeconds: number;
  /** From spawning `npm start` to that line, npm's own start-up included. */
  readonly wallSeconds: number;
  readonly demoProductsLoaded: number;
  /** A second start on the same data directory, as every start after the first (absent in older results). */
  readonly warm?: { readonly reportedSeconds: number; readonly wallSeconds: number };
}

export interface BenchResults {
  readonly version: 1;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly mode: 'quick' | 'full';
  readonly settings: Record<string, unknown>;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly os: string;
    readonly node: string;
    readonly postgres: string;
    readonly postgresSettings: Record<string, string>;
    readonly loadAverageBefore: readonly number[];
    readonly loadAverageAfter: readonly number[];
  };
  readonly git: { readonly commit: string; readonly dirty: boolean };
  readonly processes: Record<string, { readonly mode: string; readonly peakRssMiB: number }>;
  readonly seed: Record<string, number>;
  readonly scenarios: readonly ScenarioResult[];
  readonly coldStart?: ColdStart | { readonly error: string };
  readonly notes: readonly string[];
}

export function summarizeRuns(runs: readonly RunResult[]): Summary {
  return {
    requestsPerSecond: round1(median(runs.map((run) => run.requestsPerSecond))),
    p50: round3(median(runs.map((run) => run.latencyMs.p50))),
    p90: round3(median(runs.map((run) => run.latencyMs.p90))),
    p99: round3(median(runs.map((run) => run.latencyMs.p99))),
  };
}

export function summarizePgbench(runs: readonly PgbenchResult[]): Summary {
  return {
    requestsPerSecond: round1(median(runs.map((run) => run.transactionsPerSecond))),
    p50: round3(median(runs.map((run) => run.latencyMs.p50))),
    p90: round3(median(runs.map((run) => run.latencyMs.p90))),
    p99: round3(median(runs.map((run) => run.latencyMs.p99))),
  };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Per process, the median over the runs of its CPU ms per request; processes that did nothing are left out. */
export function medianCpu(runs: readonly MeasuredRun[]): Record<string, number> {
  const names = new Set(runs.flatMap((run) => Object.keys(run.cpuMsPerRequest)));
  const result: Record<string, number> = {};
  for (const name of names) {
    const value = median(runs.map((run) => run.cpuMsPerRequest[name] ?? 0));
    if (value > 0) result[name] = Math.round(value * 1000) / 1000;
  }
  return result;
}

/** Errors summed over the measured runs. */
export function totalErrors(target: TargetResult): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const run of target.runs) {
    for (const [code, count] of Object.entries(run.errors)) totals[code] = (totals[code] ?? 0) + count;
  }
  return totals;
}

/** Errors that are not the scenario's expected ones. */
export function unexpectedErrors(scenario: ScenarioResult): Record<string, number> {
  const unexpected: Record<string, number> = {};
  for (const target of [scenario.gateway, scenario.floor]) {
    if (target === undefined) continue;
    for (const [code, count] of Object.entries(totalErrors(target))) {
      if (!scenario.expectedErrors.includes(code)) unexpected[`${target.target}:${code}`] = count;
    }
  }
  return unexpected;
}

/** Mean backend calls per request over the runs, with the RPCs: "1 (CatalogService.ListProducts)". */
export function describeBackendCalls(runs: readonly RunResult[]): string {
  const measured = runs.map((run) => run.backendCalls).filter((calls): calls is BackendCalls => calls !== undefined);
  if (measured.length === 0) return '—';
  const perRequest = measured.reduce((sum, calls) => sum + calls.perRequest, 0) / measured.length;
  const rpcs = new Set(measured.flatMap((calls) => Object.keys(calls.byRpc)));
  const parts = [...rpcs].sort().map((rpc) => {
    const mean = measured.reduce((sum, calls) => sum + (calls.byRpc[rpc] ?? 0), 0) / measured.length;
    return `${rpc.replace('Service.', '.')}×${formatNumber(mean)}`;
  });
  return `${formatNumber(perRequest)} (${parts.join(', ')})`;
}

export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(2);
}

function formatErrors(errors: Record<string, number>): string {
  const entries = Object.entries(errors).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '0';
  return entries.map(([code, count]) => `${count.toLocaleString('en-US')} ${code}`).join(', ');
}

function row(cells: readonly string[]): string {
  return `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
}

/** The Markdown report: one row per scenario and target, then memory, cold start, checks and the machine. */
export function renderMarkdown(results: BenchResults): string {
  const lines: string[] = [];
  const date = results.startedAt.slice(0, 16).replace('T', ' ');
  lines.push(`### Emporium benchmark, ${date} UTC (${results.mode})`, '');
  lines.push(
    row(['#', 'scenario', 'target', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'errors', 'backend calls / req', 'gateway ÷ target']),
    row(['--:', '---', '---', '--:', '--:', '--:', '--:', '---', '---', '--:']),
  );
  for (const scenario of results.scenarios) {
    const gateway = scenario.gateway.median;
    lines.push(
      row([
        String(scenario.id),
        scenario.title,
        'gateway',
        formatNumber(gateway.requestsPerSecond),
        formatNumber(gateway.p50),
        formatNumber(gateway.p90),
        formatNumber(gateway.p99),
        formatErrors(totalErrors(scenario.gateway)),
        describeBackendCalls(scenario.gateway.runs),
        '',
      ]),
    );
    if (scenario.floor !== undefined) {
      const floor = scenario.floor.median;
      lines.push(
        row([
          '',
          '',
          'monolith floor',
          formatNumber(floor.requestsPerSecond),
          formatNumber(floor.p50),
          formatNumber(floor.p90),
          formatNumber(floor.p99),
          formatErrors(totalErrors(scenario.floor)),
          '0',
          formatNumber(ratio(gateway.requestsPerSecond, floor.requestsPerSecond)),
        ]),
      );
    }
    if (scenario.ceiling !== undefined) {
      const ceiling = scenario.ceiling.median;
      const failed = scenario.ceiling.parts.reduce((sum, part) => sum + part.runs.reduce((s, run) => s + run.failed, 0), 0);
      lines.push(
        row([
          '',
          '',
          scenario.ceiling.parts.length > 1 ? 'database ceiling (pgbench, 3 DBs)' : 'database ceiling (pgbench)',
          formatNumber(ceiling.requestsPerSecond),
          formatNumber(ceiling.p50),
          formatNumber(ceiling.p90),
          formatNumber(ceiling.p99),
          String(failed),
          '—',
          formatNumber(ratio(gateway.requestsPerSecond, ceiling.requestsPerSecond)),
        ]),
      );
    }
  }
  lines.push('');
  lines.push(`Request per scenario (median of ${String(results.settings.runs)} run(s) of ${String(results.settings.runSeconds)} s each after a ${String(results.settings.warmupSeconds)} s warm-up, ${String(results.settings.connections)} connections; ${String(results.settings.nestedConnections)} for scenario 3):`, '');
  for (const scenario of results.scenarios) lines.push(`${scenario.id}. ${scenario.request}`);
  lines.push('');

  const names = Object.keys(results.processes);
  const measuredNames = new Set(results.scenarios.flatMap((s) => [s.gateway, s.floor]).flatMap((t) => t?.runs ?? []).flatMap((r) => Object.keys(r.cpuMsPerRequest)));
  const cpuNames = [...names, ...[...measuredNames].filter((name) => !names.includes(name)).sort()];
  lines.push(
    'CPU time per request (ms, median of the runs): our processes, the PostgreSQL backends serving the benchmark databases, and autocannon, the load generator:',
    '',
  );
  lines.push(row(['#', 'target', ...cpuNames]), row(['--:', '---', ...cpuNames.map(() => '--:')]));
  for (const scenario of results.scenarios) {
    for (const target of [scenario.gateway, scenario.floor]) {
      if (target === undefined) continue;
      const cpu = medianCpu(target.runs);
      lines.push(row([target === scenario.gateway ? String(scenario.id) : '', target.target === 'gateway' ? 'gateway' : 'monolith floor', ...cpuNames.map((name) => formatNumber(cpu[name]))]));
    }
  }
  lines.push('');
  lines.push(row(['peak RSS (MiB)', ...names]), row(['---', ...names.map(() => '--:')]));
  lines.push(row(['whole run', ...names.map((name) => formatNumber(results.processes[name]?.peakRssMiB))]));
  lines.push('');
  lines.push(`Processes: ${names.map((name) => `${name} (${results.processes[name]?.mode ?? '?'})`).join(', ')}.`);

  const cold = results.coldStart;
  if (cold === undefined) lines.push('Cold start: not measured in this run.');
  else if ('error' in cold) lines.push(`Cold start: failed (${cold.error}).`);
  else {
    lines.push(
      `Cold start (\`npm start\`, embedded PGlite, empty data directory): ready in ${cold.reportedSeconds.toFixed(1)} s as reported ` +
        `(${cold.wallSeconds.toFixed(1)} s from spawning npm), ${cold.demoProductsLoaded} demo products loaded` +
        (cold.warm === undefined
          ? '.'
          : `; started again on the same data: ready in ${cold.warm.reportedSeconds.toFixed(1)} s as reported (${cold.warm.wallSeconds.toFixed(1)} s from spawning npm).`),
    );
  }
  const checks = results.scenarios.flatMap((scenario) => scenario.checks.map((check) => ({ scenario: scenario.id, check })));
  if (checks.length > 0) {
    lines.push('', 'Checks:');
    for (const { scenario, check } of checks) lines.push(`- ${check.passed ? 'PASS' : 'FAIL'} (${scenario}) ${check.name}: ${check.detail}`);
  }
  const m = results.machine;
  lines.push(
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${formatNumber(m.memoryGiB)} GiB, ${m.os}; Node ${m.node}; ${m.postgres.split(' on ')[0] ?? m.postgres}. ` +
      `The load generator (autocannon, pgbench), PostgreSQL and every server share these ${m.cpus} cores. ` +
      `Load average before ${m.loadAverageBefore.map((v) => v.toFixed(2)).join(' / ')}, after ${m.loadAverageAfter.map((v) => v.toFixed(2)).join(' / ')}. ` +
      `Commit ${results.git.commit.slice(0, 10)}${results.git.dirty ? ' (with uncommitted changes)' : ''}.`,
  );
  for (const note of results.notes) lines.push('', `Note: ${note}`);
  return `${lines.join('\n')}\n`;
}
