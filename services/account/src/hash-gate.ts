import { DomainError, resourceExhausted } from '@emporium/kit/errors.js';

/**
 * Which calls a hash serves. Log-ins go ahead of sign-ups: a burst of sign-ups (a launch, a bot)
 * must not lock existing customers out, and a log-in costs one hash like a sign-up does.
 */
export type HashPriority = 'logIn' | 'signUp';

const PRIORITIES: readonly HashPriority[] = ['logIn', 'signUp'];

export interface HashGateOptions {
  /** Hashes running at once (each is one libuv thread and, at scrypt N = 2^17, 128 MiB). */
  readonly concurrency: number;
  /** Calls waiting per priority; one more is refused at once. */
  readonly maxQueued: number;
  /** A call whose expected wait before its hash starts is longer than this is refused at once. */
  readonly maxWaitMs: number;
}

export interface HashGateStats {
  readonly running: number;
  readonly queued: number;
  /** Hashes started since the gate was made. */
  readonly started: number;
  /** Calls refused with RESOURCE_EXHAUSTED. */
  readonly refused: number;
  /** Calls given up by their caller (cancelled, deadline passed) before their hash started. */
  readonly dropped: number;
  /** The recent duration of one hash (moving average), once one was measured. */
  readonly hashMs: number | undefined;
}

/** What the gate knows about the call a hash is for. */
export interface CallLimits {
  /** Aborted when the caller gives up. */
  readonly signal?: AbortSignal | undefined;
  readonly deadline?: Date | undefined;
}

interface Waiting {
  /** Called with a slot already taken for it. */
  readonly start: () => void;
}

// Weight of the newest duration in the moving average: about the last ten hashes count.
const SMOOTHING = 0.2;
// Retry-After before any hash was measured.
const UNMEASURED_RETRY_MS = 1_000;

const givenUp = (signal: AbortSignal | undefined, when = 'before its password was hashed'): DomainError =>
  new DomainError(
    'DEADLINE_EXCEEDED',
    `the caller gave up ${when} (${signal?.reason instanceof Error ? signal.reason.message : 'deadline passed'})`,
  );

/** Whether the caller has gone: cancelled, or its deadline passed. */
function hasGivenUp({ signal, deadline }: CallLimits): boolean {
  return signal?.aborted === true || (deadline !== undefined && deadline.getTime() <= Date.now());
}

/**
 * Throws DEADLINE_EXCEEDED if the caller has gone: for work that must not be kept when nobody will
 * hear of it (a sign-up whose caller gave up while its password was hashed is not saved).
 */
export function assertCallerWaiting(limits: CallLimits, when: string): void {
  if (hasGivenUp(limits)) throw givenUp(limits.signal, when);
}

/**
 * Admission control for password hashing: at most `concurrency` hashes at once, FIFO queues per
 * priority bounded by count and by expected wait (from the measured durations of recent hashes),
 * a fast retryable RESOURCE_EXHAUSTED when full, and no hash for a caller who has gone.
 */
export class HashGate {
  private running = 0;
  private readonly queues: Record<HashPriority, Waiting[]> = { logIn: [], signUp: [] };
  private started = 0;
  private refused = 0;
  private dropped = 0;
  private hashMs: number | undefined;

  constructor(private readonly options: HashGateOptions) {}

  stats(): HashGateStats {
    const queued = this.queues.logIn.length + this.queues.signUp.length;
    return { running: this.running, queued, started: this.started, refused: this.refused, dropped: this.dropped, hashMs: this.hashMs };
  }

  /**
   * Throws what run() would throw now (a refusal, a caller who has gone), reserving nothing: lets a
   * call be refused before the work that leads to its hash (a database lookup) when the gate is full.
   */
  check(priority: HashPriority, limits: CallLimits = {}): void {
    if (hasGivenUp(limits)) {
      this.dropped++;
      throw givenUp(limits.signal);
    }
    if (this.running >= this.options.concurrency) this.admitOrRefuse(priority, limits);
  }

  /** Runs work (one hash) when admitted; refuses at once when busy; never starts it for a caller who has gone. */
  async run<T>(priority: HashPriority, work: () => Promise<T>, limits: CallLimits = {}): Promise<T> {
    if (hasGivenUp(limits)) {
      this.dropped++;
      throw givenUp(limits.signal);
    }
    if (this.running < this.options.concurrency) {
      this.running++;
      return this.execute(work);
    }
    this.admitOrRefuse(priority, limits);
    await this.enqueue(priority, limits.signal);
    if (hasGivenUp(limits)) {
      this.dropped++;
      this.release();
      throw givenUp(limits.signal);
    }
    return this.execute(work);
  }

  /** Calls waiting ahead of a new one of this priority: its own queue and every queue before it. */
  private aheadOf(priority: HashPriority): number {
    let ahead = 0;
    for (const p of PRIORITIES) {
      ahead += this.queues[p].length;
      if (p === priority) break;
    }
    return ahead;
  }

  private admitOrRefuse(priority: HashPriority, { deadline }: CallLimits): void {
    const { concurrency, maxQueued, maxWaitMs } = this.options;
    const ahead = this.aheadOf(priority);
    // Every `concurrency` hashes take one hash time; the running ones are on average half done.
    const waitMs = this.hashMs === undefined ? undefined : ((ahead + 0.5) * this.hashMs) / concurrency;
    const remainingMs = deadline === undefined ? Number.POSITIVE_INFINITY : deadline.getTime() - Date.now();
    const full = this.queues[priority].length >= maxQueued;
    const tooLong = waitMs !== undefined && this.hashMs !== undefined && (waitMs > maxWaitMs || waitMs + this.hashMs > remainingMs);
    if (!full && !tooLong) return;
    this.refused++;
    // Roughly when the work ahead will have drained.
    const retryAfterMs = waitMs ?? UNMEASURED_RETRY_MS;
    throw resourceExhausted('too many password checks at once; try again shortly', Math.max(retryAfterMs, 1), 'HASHING_BUSY');
  }

  private enqueue(priority: HashPriority, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const queue = this.queues[priority];
      const onAbort = () => {
        const index = queue.indexOf(entry);
        if (index < 0) return;
        queue.splice(index, 1);
        this.dropped++;
        reject(givenUp(signal));
      };
      const entry: Waiting = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      queue.push(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs work in the slot taken for it, then hands the slot on. */
  private async execute<T>(work: () => Promise<T>): Promise<T> {
    this.started++;
    const began = performance.now();
    try {
      return await work();
    } finally {
      const ms = performance.now() - began;
      this.hashMs = this.hashMs === undefined ? ms : this.hashMs + SMOOTHING * (ms - this.hashMs);
      this.release();
    }
  }

  /**
   * Hands a freed slot to the first waiting call of the highest priority, still counted as running
   * so that no call arriving meanwhile can take it; frees it when nobody waits.
   */
  private release(): void {
    for (const priority of PRIORITIES) {
      const entry = this.queues[priority].shift();
      if (entry) {
        entry.start();
        return;
      }
    }
    this.running--;
  }
}
