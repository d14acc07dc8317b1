import { describe, expect, it } from 'vitest';
import type { PacedRunResult } from '../load/fixed-rate.js';
import { parseOptions } from '../options.js';
import { summarizeTracing, tracingVerdict, type TracingSample } from '../report/tracing-results.js';
import { roundOrder } from '../scenarios/tracing.js';
import { TRACING_KINDS, tracingKindsAt, tracingModesOf, type TracingKind } from '../scenarios/tracing-modes.js';

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
  const modesOf = (...choices: string[]) => {
    const options = parseOptions(['tracing', ...choices.flatMap((choice) => ['--tracing-mode', choice])]);
    if (options === 'help') throw new Error('help');
    return tracingModesOf(options.tracingModes);
  };

  it('runs the standard four modes, or off and those --tracing-mode asks for', () => {
    expect(modesOf().map((mode) => mode.name)).toEqual(['off', 'no-exporter', 'sampled-out', 'full']);
    expect(modesOf('full', 'off').map((mode) => mode.name)).toEqual(['off', 'full']);
    const modes = modesOf('full', 'json:OTEL_EXPORTER_OTLP_PROTOCOL=http/json,OTEL_BSP_MAX_EXPORT_BATCH_SIZE=64');
    expect(modes.map((mode) => mode.name)).toEqual(['off', 'full', 'json']);
    expect(modes[2]?.env('http://receiver')).toEqual({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://receiver',
      OTEL_TRACES_SAMPLER: 'always_on',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '64',
    });
  });

  it('refuses an unknown mode, an experiment named like a standard one, a mode twice, and a malformed one', () => {
    expect(() => modesOf('fast')).toThrow(/no mode named fast/);
    expect(() => modesOf('full:OTEL_BSP_MAX_EXPORT_BATCH_SIZE=64')).toThrow(/standard mode's name/);
    expect(() => modesOf('full', 'full')).toThrow(/named twice/);
    expect(() => modesOf('json:protocol=json')).toThrow(/--tracing-mode takes/);
  });

  it('runs each kind at its default rate unless --tracing-rate gives one', () => {
    const rateOf = (kinds: readonly TracingKind[], name: string) => kinds.find((kind) => kind.name === name)?.rate;
    expect(tracingKindsAt({}).map((kind) => kind.rate)).toEqual(TRACING_KINDS.map((kind) => kind.rate));
    const options = parseOptions(['--tracing-rate', 'createOrder=35', 'tracing']);
    const kinds = tracingKindsAt(options === 'help' ? {} : options.tracingRates);
    expect(rateOf(kinds, 'createOrder')).toBe(35);
    expect(rateOf(kinds, 'product')).toBe(rateOf(TRACING_KINDS, 'product'));
  });

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
