import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../load/seeded-random.js';
import { median, percentile, ratio, serialThroughput, summarizeLatencies } from '../load/stats.js';

describe('percentile', () => {
  it('interpolates between the nearest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 90)).toBe(46);
    expect(percentile([5], 99)).toBe(5);
  });

  it('gives the extremes at 0 and 100 and does not need sorted input', () => {
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([3, 1, 2], 100)).toBe(3);
  });

  it('is NaN for no values and refuses a p outside 0..100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('median and summaries', () => {
  it('takes the middle of an odd count and the mean of the middle pair of an even one', () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('summarizes latencies in ms rounded to microseconds', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1 + 0.00049);
    const summary = summarizeLatencies(samples);
    expect(summary.p50).toBe(50.5);
    expect(summary.p99).toBe(99.01);
    expect(summary.max).toBe(100);
    expect(summary.mean).toBe(50.5);
  });
});

describe('ratio and serialThroughput', () => {
  it('divides, or says there is nothing to compare', () => {
    expect(ratio(50, 200)).toBe(0.25);
    expect(ratio(50, 0)).toBeNull();
    expect(ratio(undefined, 2)).toBeNull();
    expect(ratio(Number.NaN, 2)).toBeNull();
  });

  it('adds the per-unit costs of parts done one after the other', () => {
    // 1 / (1/100 + 1/100) = 50: two equal halves halve the throughput.
    expect(serialThroughput([100, 100])).toBe(50);
    expect(serialThroughput([1000, 250, 500])).toBeCloseTo(1 / (0.001 + 0.004 + 0.002), 9);
    expect(serialThroughput([])).toBeNaN();
    expect(serialThroughput([10, 0])).toBeNaN();
  });
});

describe('SeededRandom', () => {
  it('repeats its sequence for the same seed and stays in range', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const first = Array.from({ length: 1000 }, () => a.int(1, 6));
    expect(Array.from({ length: 1000 }, () => b.int(1, 6))).toEqual(first);
    expect(new Set(first)).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    expect(new SeededRandom(43).int(1, 1_000_000)).not.toBe(new SeededRandom(42).int(1, 1_000_000));
  });

  it('refuses empty ranges and lists', () => {
    expect(() => new SeededRandom(1).int(3, 2)).toThrow(RangeError);
    expect(() => new SeededRandom(1).pick([])).toThrow(RangeError);
  });
});
