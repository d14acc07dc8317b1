import { describe, expect, it } from 'vitest';
import {
  describeBackendCalls,
  formatNumber,
  medianCpu,
  renderMarkdown,
  summarizeRuns,
  unexpectedErrors,
  type BenchResults,
  type MeasuredRun,
  type ScenarioResult,
  type TargetResult,
} from '../report/results.js';

function run(requestsPerSecond: number, p50: number, errors: Record<string, number> = {}, calls = 1): MeasuredRun {
  return {
    seconds: 10,
    requests: requestsPerSecond * 10,
    requestsPerSecond,
    latencyMs: { p50, p90: p50 * 2, p99: p50 * 4, mean: p50, max: p50 * 10 },
    ok: requestsPerSecond * 10,
    errors,
    backendCalls: { perRequest: calls, byRpc: { 'CatalogService.ListProducts': calls } },
    cpuMsPerRequest: { gateway: p50 / 10, catalog: 0 },
  };
}

function target(name: 'gateway' | 'floor', runs: MeasuredRun[]): TargetResult {
  return { target: name, connections: 16, warmupSeconds: 5, runs, median: summarizeRuns(runs) };
}

const search: ScenarioResult = {
  id: 1,
  title: 'search page',
  request: 'products(first: 20, query: …)',
  gateway: target('gateway', [run(100, 10), run(300, 30), run(200, 20)]),
  floor: target('floor', [run(400, 5), run(400, 5), run(400, 5)]),
  ceiling: {
    tool: 'pgbench',
    clients: 10,
    method: 'one script',
    parts: [{ database: 'catalog', runs: [], medianTransactionsPerSecond: 1000 }],
    median: { requestsPerSecond: 1000, p50: 1, p90: 2, p99: 3 },
  },
  expectedErrors: [],
  checks: [{ name: 'floor answers like the gateway', passed: true, detail: 'identical JSON' }],
  peakRssMiB: { gateway: 100 },
};

const hot: ScenarioResult = {
  id: 5,
  title: 'hot product',
  request: 'createOrder …',
  gateway: target('gateway', [run(50, 100, { OUT_OF_STOCK: 20, INTERNAL: 1 })]),
  expectedErrors: ['OUT_OF_STOCK'],
  checks: [{ name: 'stock', passed: false, detail: 'stock 5 = 10 − 4: NO' }],
  peakRssMiB: {},
};

const results: BenchResults = {
  version: 1,
  startedAt: '2026-11-24T12:00:00.000Z',
  finishedAt: '2026-11-24T12:10:00.000Z',
  mode: 'full',
  settings: { runs: 3, runSeconds: 10, warmupSeconds: 5, connections: 16, nestedConnections: 4 },
  machine: {
    cpus: 2,
    cpuModel: 'AMD EPYC',
    memoryGiB: 23.5,
    os: 'Linux 6',
    node: 'v20.20.2',
    postgres: 'PostgreSQL 15.20 (Debian) on x86_64',
    postgresSettings: {},
    loadAverageBefore: [0.5, 0.4, 0.3],
    loadAverageAfter: [1.5, 1, 0.5],
  },
  git: { commit: 'abcdef0123456789', dirty: false },
  processes: { gateway: { mode: 'dist', peakRssMiB: 120.4 } },
  seed: {},
  scenarios: [search, hot],
  coldStart: { reportedSeconds: 12.34, wallSeconds: 13.5, demoProductsLoaded: 50, warm: { reportedSeconds: 5.54, wallSeconds: 5.9 } },
  notes: ['a note'],
};

describe('summaries', () => {
  it('takes the median of each figure over the runs', () => {
    expect(search.gateway.median).toEqual({ requestsPerSecond: 200, p50: 20, p90: 40, p99: 80 });
  });

  it('lists only the errors a scenario does not expect, per target', () => {
    expect(unexpectedErrors(search)).toEqual({});
    expect(unexpectedErrors(hot)).toEqual({ 'gateway:INTERNAL': 1 });
  });

  it('takes the median CPU per request and leaves out idle processes', () => {
    expect(medianCpu(search.gateway.runs)).toEqual({ gateway: 2 });
  });

  it('describes backend calls per request with the RPCs', () => {
    expect(describeBackendCalls(search.gateway.runs)).toBe('1 (Catalog.ListProducts×1)');
    expect(describeBackendCalls([{ ...run(1, 1), backendCalls: undefined }])).toBe('—');
  });

  it('formats numbers for a table', () => {
    expect(formatNumber(1234.5)).toBe('1,235');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(0.456)).toBe('0.46');
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(null)).toBe('—');
  });
});

describe('renderMarkdown', () => {
  const markdown = renderMarkdown(results);

  it('has a row per target with the ratio of the gateway to it', () => {
    expect(markdown).toContain('| 1 | search page | gateway | 200 | 20.0 | 40.0 | 80.0 | 0 | 1 (Catalog.ListProducts×1) |  |');
    expect(markdown).toContain('|  |  | monolith floor | 400 | 5 | 10.0 | 20.0 | 0 | 0 | 0.50 |');
    expect(markdown).toContain('|  |  | database ceiling (pgbench) | 1,000 | 1 | 2 | 3 | 0 | — | 0.20 |');
  });

  it('shows errors, checks, memory, cold start and the shared machine', () => {
    expect(markdown).toContain('1 INTERNAL, 20 OUT_OF_STOCK');
    expect(markdown).toContain('- FAIL (5) stock: stock 5 = 10 − 4: NO');
    expect(markdown).toContain('| whole run | 120 |');
    expect(markdown).toContain('| 1 | gateway | 2 |');
    expect(markdown).toContain('|  | monolith floor | 0.50 |');
    expect(markdown).toContain('ready in 12.3 s as reported (13.5 s from spawning npm), 50 demo products loaded');
    expect(markdown).toContain('started again on the same data: ready in 5.5 s as reported (5.9 s from spawning npm)');
    expect(markdown).toContain('share these 2 cores');
    expect(markdown).toContain('Note: a note');
  });
});
