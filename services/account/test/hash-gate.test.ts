import { describe, expect, it } from 'vitest';
import { HashGate, type HashGateOptions, type HashPriority } from '../src/hash-gate.js';
import { failure } from '@emporium/testkit/errors.js';

// The gate's rules with work the test finishes by hand: every step is decided by the test, none by
// the clock. (The service's own tests show the same gate with real hashes behind real gRPC calls.)

interface Job {
  readonly result: Promise<string>;
  /** Finishes this job's work (once it started); the gate then starts the next one. */
  readonly finish: () => void;
  readonly started: () => boolean;
}

function harness(options: Partial<HashGateOptions> = {}) {
  const gate = new HashGate({ concurrency: 1, maxQueued: 10, maxWaitMs: 60_000, ...options });
  const order: string[] = [];
  const submit = (name: string, priority: HashPriority, signal?: AbortSignal, deadline?: Date): Job => {
    let finish: (() => void) | undefined;
    const work = () =>
      new Promise<string>((resolve) => {
        order.push(name);
        finish = () => {
          resolve(name);
        };
      });
    const result = gate.run(priority, work, { signal, deadline });
    result.catch(() => undefined); // observed by each test
    return { result, finish: () => finish?.(), started: () => finish !== undefined };
  };
  return { gate, order, submit };
}

/** Lets the promise callbacks the gate scheduled run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('HashGate', () => {
  it('runs at most `concurrency` at once, the rest in arrival order', async () => {
    const { gate, order, submit } = harness({ concurrency: 2 });
    const jobs = ['a', 'b', 'c', 'd'].map((name) => submit(name, 'signUp'));
    await settle();
    expect(order).toEqual(['a', 'b']);
    expect(gate.stats()).toMatchObject({ running: 2, queued: 2, started: 2 });
    jobs[1]?.finish();
    await settle();
    expect(order).toEqual(['a', 'b', 'c']);
    jobs[0]?.finish();
    await settle();
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    jobs[2]?.finish();
    jobs[3]?.finish();
    expect(await Promise.all(jobs.map((j) => j.result))).toEqual(['a', 'b', 'c', 'd']);
    expect(gate.stats()).toMatchObject({ running: 0, queued: 0, started: 4, refused: 0, dropped: 0 });
  });

  it('serves waiting log-ins before waiting sign-ups', async () => {
    const { order, submit } = harness();
    const blocker = submit('blocker', 'signUp');
    const signUps = [submit('s1', 'signUp'), submit('s2', 'signUp')];
    const logIns = [submit('l1', 'logIn'), submit('l2', 'logIn')];
    for (const job of [blocker, ...logIns, ...signUps]) {
      await settle();
      job.finish();
    }
    await Promise.all([blocker, ...signUps, ...logIns].map((j) => j.result));
    expect(order).toEqual(['blocker', 'l1', 'l2', 's1', 's2']);
  });

  it('refuses at once with RESOURCE_EXHAUSTED and a retry delay when a queue is full, without starting the work', async () => {
    const { gate, submit } = harness({ maxQueued: 1 });
    const running = submit('running', 'signUp');
    const queued = submit('queued', 'signUp');
    const refused = submit('refused', 'signUp');
    const error = await failure(refused.result);
    expect(error.kind).toBe('RESOURCE_EXHAUSTED');
    expect(error.reason).toBe('HASHING_BUSY');
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(refused.started()).toBe(false);
    expect(gate.stats()).toMatchObject({ running: 1, queued: 1, started: 1, refused: 1 });
    // Each priority has its own queue: a log-in still gets in while sign-ups fill theirs.
    const logIn = submit('logIn', 'logIn');
    await settle();
    expect(gate.stats()).toMatchObject({ queued: 2, refused: 1 });
    running.finish();
    await settle();
    logIn.finish();
    await settle();
    queued.finish();
    expect(await Promise.all([running.result, logIn.result, queued.result])).toEqual(['running', 'logIn', 'queued']);
  });

  it('refuses a call whose expected wait, from measured hash times, is longer than allowed', async () => {
    const { gate, submit } = harness({ maxWaitMs: 0 });
    // Unmeasured, only the count bounds the queue.
    const first = submit('first', 'signUp');
    const second = submit('second', 'signUp');
    await settle();
    first.finish();
    await settle();
    expect(gate.stats().hashMs).toBeGreaterThanOrEqual(0);
    // Now one hash runs and has taken measurable time: any wait is longer than 0 ms.
    await new Promise((resolve) => setTimeout(resolve, 5));
    second.finish();
    await second.result;
    expect(gate.stats().hashMs).toBeGreaterThan(0);
    const third = submit('third', 'signUp');
    const fourth = submit('fourth', 'logIn');
    expect((await failure(fourth.result)).kind).toBe('RESOURCE_EXHAUSTED');
    expect(fourth.started()).toBe(false);
    third.finish();
    await third.result;
  });

  it('refuses a call that could not be done before its deadline', async () => {
    const { gate, submit } = harness();
    const first = submit('first', 'signUp');
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 5));
    first.finish();
    await first.result;
    const hashMs = gate.stats().hashMs ?? 0;
    expect(hashMs).toBeGreaterThan(0);
    const running = submit('running', 'signUp');
    // Its deadline leaves less than the expected wait plus one hash.
    const late = submit('late', 'signUp', undefined, new Date(Date.now() + hashMs));
    expect((await failure(late.result)).kind).toBe('RESOURCE_EXHAUSTED');
    running.finish();
    await running.result;
  });

  it('never starts work whose caller cancelled while it waited, and frees its place', async () => {
    const { gate, submit } = harness({ maxQueued: 1 });
    const running = submit('running', 'logIn');
    const caller = new AbortController();
    const cancelled = submit('cancelled', 'logIn', caller.signal);
    await settle();
    expect(gate.stats().queued).toBe(1);
    caller.abort(new Error('the caller cancelled the call'));
    const error = await failure(cancelled.result);
    expect(error.kind).toBe('DEADLINE_EXCEEDED');
    expect(gate.stats()).toMatchObject({ queued: 0, dropped: 1 });
    const next = submit('next', 'logIn');
    running.finish();
    await settle();
    next.finish();
    expect(await next.result).toBe('next');
    expect(cancelled.started()).toBe(false);
    expect(gate.stats()).toMatchObject({ started: 2, dropped: 1, running: 0 });
  });

  it('never starts work whose caller already gave up or whose deadline has passed', async () => {
    const { gate, submit } = harness();
    const job = submit('late', 'signUp', undefined, new Date(Date.now() - 1));
    expect((await failure(job.result)).kind).toBe('DEADLINE_EXCEEDED');
    const aborted = submit('aborted', 'signUp', AbortSignal.abort());
    expect((await failure(aborted.result)).kind).toBe('DEADLINE_EXCEEDED');
    expect(gate.stats()).toMatchObject({ started: 0, dropped: 2, running: 0 });
  });
});
