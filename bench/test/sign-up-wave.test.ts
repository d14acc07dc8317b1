import { describe, expect, it } from 'vitest';
import { summarizeBurst } from '../load/sign-up-wave.js';

describe('summarizeBurst', () => {
  it('counts outcomes, splits latencies by outcome and measures throughput over the wall time', () => {
    const outcomes = [
      { outcome: 'OK', ms: 400 },
      { outcome: 'OK', ms: 800 },
      { outcome: 'TOO_MANY_REQUESTS', ms: 5 },
      { outcome: 'TOO_MANY_REQUESTS', ms: 15 },
      { outcome: 'UNAVAILABLE', ms: 5000 },
    ];
    const summary = summarizeBurst(outcomes, 2000, { outcome: 'OK', ms: 300 });
    expect(summary.run.requests).toBe(5);
    expect(summary.run.ok).toBe(2);
    expect(summary.run.errors).toEqual({ TOO_MANY_REQUESTS: 2, UNAVAILABLE: 1 });
    expect(summary.run.requestsPerSecond).toBe(2.5);
    expect(summary.signUpsPerSecond).toBe(1);
    expect(summary.refusedShare).toBe(0.4);
    expect(summary.succeeded.max).toBe(800);
    expect(summary.succeeded.p50).toBe(600);
    expect(summary.refused.max).toBe(15);
    expect(summary.run.latencyMs.max).toBe(5000);
    expect(summary.logInAfter).toEqual({ outcome: 'OK', ms: 300 });
  });

  it('reports no throughput for a wave of no time rather than dividing by zero', () => {
    const summary = summarizeBurst([], 0, { outcome: 'TRANSPORT', ms: 1 });
    expect(summary.run.requestsPerSecond).toBe(0);
    expect(summary.signUpsPerSecond).toBe(0);
    expect(summary.refusedShare).toBe(0);
    expect(Number.isNaN(summary.refused.p99)).toBe(true);
  });
});
