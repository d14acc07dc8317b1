import { describe, expect, it } from 'vitest';
import type { PacedRunResult } from '../lib/load.js';
import { roundOrder, summarizeTracing, tracingVerdict, type TracingKind, type TracingSample } from '../lib/tracing-scenario.js';

const KINDS: readonly TracingKind[] = [{ name: 'product', what: 'a point read', rate: 10 }];

function sample(round: number, mode: string, cpuMs: Record<string, number>, requests = 100, ok = requests): TracingSample {
  const result: PacedRunResult = {
    seconds: 10,
    requests,
    ok,
    errors: ok === requests ? {} : { UNAVAILABLE: requests - ok },
    latencyMs: { p50: round, p90: round, p99: 2 * round, mean: round, max: 3 * round },
    maxInFlight: 2,
  };
  return { round, kind: 'product', mode, result, cpuMs };
}

describe('the tracing scenario', () => {
  it('rotates the modes one place each round, so each goes first as often', () => {
    expect(roundOrder(['a', 'b', 'c', 'd'], 1)).toEqual(['a', 'b', 'c', 'd']);
    expect(roundOrder(['a', 'b', 'c', 'd'], 2)).toEqual(['b', 'c', 'd', 'a']);
    expect(roundOrder(['a', 'b', 'c', 'd'], 5)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('takes CPU per request over all processes, its median and range over rounds, and each round’s ratio to off', () => {
    const samples = [
      sample(1, 'off', { gateway: 60, catalog: 40 }),
      sample(1, 'full', { gateway: 70, catalog: 40 }),
      sample(2, 'off', { gateway: 100, catalog: 100 }),
      sample(2, 'full', { gateway: 120, catalog: 100 }),
      sample(3, 'off', { gateway: 80, catalog: 70 }),
      sample(3, 'full', { gateway: 90, catalog: 90 }),
    ];
    const [product] = summarizeTracing(samples, KINDS, ['off', 'full']);
    const full = product?.rows.find((row) => row.mode === 'full');
    expect(full?.cpuMsPerRequest).toEqual({ median: 1.8, min: 1.1, max: 2.2 });
    // Ratios per round: 1.1, 1.1, 1.2 — not the ratio of the medians (1.8 / 1.5).
    expect(full?.vsBaseline.median).toBeCloseTo(1.1, 10);
    expect(full?.vsBaseline.max).toBeCloseTo(1.2, 10);
    expect(full?.byProcess).toEqual({ gateway: 0.9, catalog: 0.9 });
    expect(full?.requests).toBe(300);
    expect(tracingVerdict(product === undefined ? [] : [product])[0]).toMatch(/full sampling costs \+10\.0% CPU per request over off/);
  });

  it('leaves a load with failed requests out of the CPU figures, and its round out of the ratios', () => {
    const samples = [
      sample(1, 'off', { gateway: 100 }),
      sample(1, 'full', { gateway: 110 }),
      sample(2, 'off', { gateway: 50 }, 100, 60),
      sample(2, 'full', { gateway: 300 }),
    ];
    const [product] = summarizeTracing(samples, KINDS, ['off', 'full']);
    const [off, full] = product?.rows ?? [];
    expect(off).toMatchObject({ rounds: 2, cleanRounds: 1, ratioRounds: 1, ok: 160, errors: { UNAVAILABLE: 40 } });
    expect(off?.cpuMsPerRequest.median).toBe(1);
    expect(full).toMatchObject({ rounds: 2, cleanRounds: 2, ratioRounds: 1 });
    expect(full?.vsBaseline.median).toBeCloseTo(1.1, 10);
  });
});
