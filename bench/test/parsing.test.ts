import { describe, expect, it } from 'vitest';
import { parseReadyLine } from '../scenarios/cold-start.js';
import { parseOptions, SCENARIOS } from '../options.js';
import { classifyResponse, parseBackendCalls } from '../load/http.js';
import { parsePgbenchLog, parsePgbenchSummary } from '../targets/pgbench.js';
import { packageOf, summarizeProfile } from '../report/cpu-profile.js';
import { forPgbench, orderLinesInsert, placeholders, reservationLock } from '../targets/service-sql.js';
import { sqlWordArray } from '../data/words.js';

describe('classifyResponse', () => {
  it('is OK for data without errors', () => {
    expect(classifyResponse(200, '{"data":{"product":{"id":"x"}}}')).toBe('OK');
  });

  it('names a GraphQL error by its extensions.code', () => {
    const body = JSON.stringify({ data: null, errors: [{ message: 'no', extensions: { code: 'OUT_OF_STOCK', shortages: [] } }] });
    expect(classifyResponse(200, body)).toBe('OUT_OF_STOCK');
    expect(classifyResponse(401, '{"errors":[{"message":"x","extensions":{"code":"UNAUTHENTICATED"}}]}')).toBe('UNAUTHENTICATED');
  });

  it('falls back to the status, and never trusts a strange code', () => {
    expect(classifyResponse(502, 'Bad Gateway')).toBe('HTTP_502');
    expect(classifyResponse(200, '{"errors":[{"message":"x"}]}')).toBe('GRAPHQL_ERROR');
    expect(classifyResponse(200, '{"errors":[{"extensions":{"code":"<script>"}}]}')).toBe('GRAPHQL_ERROR');
  });
});

describe('parseBackendCalls', () => {
  it('reads the gateway header', () => {
    expect(parseBackendCalls('AccountService.ListAccounts=1, CatalogService.BatchGetProducts=10, OrderService.BatchListAccountOrders=1')).toEqual({
      'AccountService.ListAccounts': 1,
      'CatalogService.BatchGetProducts': 10,
      'OrderService.BatchListAccountOrders': 1,
    });
    expect(parseBackendCalls('')).toEqual({});
    expect(parseBackendCalls('bad, X.Y=2')).toEqual({ 'X.Y': 2 });
  });
});

describe('pgbench output', () => {
  const summary = `pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: /tmp/s.sql
query mode: extended
number of clients: 2
number of threads: 2
maximum number of tries: 1
duration: 1 s
number of transactions actually processed: 18114
number of failed transactions: 0 (0.000%)
latency average = 0.106 ms
initial connection time = 53.451 ms
tps = 18953.448222 (without initial connection time)
`;

  it('reads tps and the counts from the summary', () => {
    expect(parsePgbenchSummary(summary)).toEqual({ tps: 18953.448222, processed: 18114, failed: 0 });
    expect(() => parsePgbenchSummary('pgbench: error: connection failed')).toThrow(/unexpected pgbench output/);
  });

  it('reads latencies in ms from the per-transaction log', () => {
    expect(parsePgbenchLog('0 1 4093 0 1795522241 720002\n0 2 331 0 1795522241 720364\n\n')).toEqual([4.093, 0.331]);
  });
});

describe('parseReadyLine', () => {
  it("reads npm start's ready line, colours and all", () => {
    expect(parseReadyLine('Emporium is ready (12.3 s); loaded 50 demo products.')).toEqual({ seconds: 12.3, demoProducts: 50 });
    expect(parseReadyLine('\u001b[32mEmporium is ready (4.0 s).\u001b[39m')).toEqual({ seconds: 4, demoProducts: 0 });
    expect(parseReadyLine('[gateway] listening')).toBeUndefined();
  });
});

describe('SQL for pgbench and the floor', () => {
  it('numbers placeholders', () => {
    expect(placeholders(3, 2)).toBe('$3, $4');
    expect(reservationLock(2)).toContain('where "id" in ($1, $2) order by "id" for update');
    expect(orderLinesInsert(2)).toMatch(/values \(\$1, \$2, \$3, \$4, \$5, \$6\), \(\$7, \$8, \$9, \$10, \$11, \$12\)$/);
  });

  it('replaces $10 as a whole, flattens lines and ends the statement', () => {
    const values = Array.from({ length: 12 }, (_, i) => `:v${i + 1}`);
    const text = forPgbench(orderLinesInsert(2), values);
    expect(text).toContain('(:v7, :v8, :v9, :v10, :v11, :v12);');
    expect(forPgbench('select $1\n  from t', ['bench.id(1, :n)'])).toBe('select bench.id(1, :n) from t;');
    expect(() => forPgbench('select $2', ['x'])).toThrow(/no pgbench value for \$2/);
  });

  it('embeds only plain words in SQL', () => {
    expect(sqlWordArray(['oak', 'Lamp'])).toBe("array['oak', 'Lamp']");
    expect(() => sqlWordArray(["o'hara"])).toThrow();
  });
});

describe('CPU profile summary', () => {
  it('attributes self time to functions and packages', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0, columnNumber: 0, scriptId: '0' });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), hitCount: 0 },
        { id: 2, callFrame: frame('(idle)', ''), hitCount: 1 },
        { id: 3, callFrame: frame('execute', 'file:///app/node_modules/graphql/execution/execute.js'), hitCount: 2 },
        { id: 4, callFrame: frame('toOrder', 'file:///app/services/order/dist/src/repository.js'), hitCount: 1 },
      ],
      startTime: 0,
      endTime: 4000,
      samples: [2, 3, 3, 4],
      timeDeltas: [0, 1000, 1000, 1000],
    };
    const summary = summarizeProfile(profile);
    expect(summary.totalMs).toBe(4);
    expect(summary.packages[0]).toEqual({ name: 'graphql', selfMs: 2, percent: 66.7 });
    expect(summary.functions.map((entry) => entry.name)).toContain('toOrder services/order/dist/src/repository.js:1');
    expect(summary.busyPercent).toBe(75);
    // Skipping the first 1.5 ms leaves the last graphql sample and toOrder.
    const later = summarizeProfile(profile, { skipMs: 1.5 });
    expect(later.totalMs).toBe(2);
    expect(later.busyPercent).toBe(100);
  });

  it('charges Node internals to the package that called them', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0, columnNumber: 0, scriptId: '0' });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2] },
        { id: 2, callFrame: frame('makeUnaryRequest', 'file:///app/node_modules/@grpc/grpc-js/build/src/client.js'), children: [3] },
        { id: 3, callFrame: frame('request', 'node:internal/http2/core'), children: [4] },
        { id: 4, callFrame: frame('writev', '') },
      ],
      startTime: 0,
      endTime: 2000,
      samples: [3, 4],
      timeDeltas: [0, 1000],
    };
    const summary = summarizeProfile(profile);
    expect(summary.callers).toEqual([{ name: '@grpc/grpc-js', selfMs: 2, percent: 100 }]);
    expect(summary.packages.map((entry) => entry.name)).toEqual(['node (built-in)', '(native)']);
  });

  it('names packages, node built-ins and our workspaces', () => {
    expect(packageOf('file:///x/node_modules/@grpc/grpc-js/build/src/call.js', 'f')).toBe('@grpc/grpc-js');
    expect(packageOf('node:internal/http2/util', 'f')).toBe('node (built-in)');
    expect(packageOf('file:///x/services/gateway/dist/src/loaders.js', 'f')).toBe('services/gateway');
    expect(packageOf('file:///work/wt/bench/services/order/dist/src/service.js', 'f')).toBe('services/order');
    expect(packageOf('file:///work/wt/bench/bench/load/fixed-connections.ts', 'f')).toBe('bench');
    expect(packageOf('', '(garbage collector)')).toBe('(garbage collector)');
  });
});

describe('--scenarios', () => {
  const scenariosOf = (text: string) => {
    const options = parseOptions(['--quick', '--scenarios', text]);
    return options === 'help' ? [] : options.scenarios;
  };

  it('takes numbers or names, in any order, and keeps the numbers', () => {
    expect(scenariosOf('1,3')).toEqual([1, 3]);
    expect(scenariosOf('hot-order, search,2,search')).toEqual([1, 2, 5]);
    expect(scenariosOf('signup-burst')).toEqual([6]);
    expect(scenariosOf('tracing')).toEqual([7]);
  });

  it('takes scenarios after the options too (npm run bench -- tracing)', () => {
    const options = parseOptions(['tracing']);
    expect(options === 'help' ? [] : options.scenarios).toEqual([7]);
    const both = parseOptions(['--scenarios', 'product', 'order', '--runs', '3']);
    expect(both === 'help' ? [] : both.scenarios).toEqual([2, 4]);
  });

  it('runs the tracing scenario for --runs rounds, else 5 (2 with --quick)', () => {
    const rounds = (argv: string[]) => {
      const options = parseOptions(argv);
      return options === 'help' ? 0 : options.tracingRounds;
    };
    expect(rounds(['tracing'])).toBe(5);
    expect(rounds(['--quick', 'tracing'])).toBe(2);
    expect(rounds(['--runs', '7', 'tracing'])).toBe(7);
  });

  it('warms the tracing stacks up for --warmup seconds, else 30 (2 with --quick); --warmup sets the other scenarios\' too', () => {
    const warmups = (argv: string[]) => {
      const options = parseOptions(argv);
      return options === 'help' ? [] : [options.tracingWarmupSeconds, options.warmupSeconds];
    };
    expect(warmups(['tracing'])).toEqual([30, 5]);
    expect(warmups(['--quick', 'tracing'])).toEqual([2, 1]);
    expect(warmups(['--warmup', '12', 'tracing'])).toEqual([12, 12]);
    expect(() => parseOptions(['--warmup', '0'])).toThrow(/--warmup must be a positive integer/);
  });

  it('takes the tracing scenario\'s rates by kind (--tracing-rate), none by default, and refuses an unknown kind or a rate of 0', () => {
    const rates = (argv: string[]) => {
      const options = parseOptions(argv);
      return options === 'help' ? {} : options.tracingRates;
    };
    expect(rates(['tracing'])).toEqual({});
    expect(rates(['--tracing-rate', 'createOrder=50', 'tracing'])).toEqual({ createOrder: 50 });
    expect(rates(['--tracing-rate', 'product=300', '--tracing-rate', 'createOrder=40'])).toEqual({ product: 300, createOrder: 40 });
    expect(() => parseOptions(['--tracing-rate', 'checkout=5'])).toThrow(/KIND one of product, createOrder .*got "checkout=5"/);
    expect(() => parseOptions(['--tracing-rate', 'product=0'])).toThrow(/at least 1/);
    expect(() => parseOptions(['--tracing-rate', 'product=fast'])).toThrow(/got "product=fast"/);
  });

  it('refuses anything else, naming what it takes', () => {
    expect(() => scenariosOf('9')).toThrow(/numbers from 1 to 8 or names \(search, product, nested, order, hot-order, signup-burst, tracing, events\)/);
    expect(() => scenariosOf('checkout')).toThrow(/got "checkout"/);
  });

  it('runs every scenario by default', () => {
    const options = parseOptions(['--quick']);
    expect(options === 'help' ? [] : options.scenarios).toEqual(SCENARIOS.map((scenario) => scenario.id));
  });
});
