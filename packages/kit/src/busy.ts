import { setTimeout as sleep } from 'node:timers/promises';
import { isDomainError } from './errors.js';

/** When a busy service does not say how long to wait. */
const DEFAULT_WAIT_MS = 500;

/**
 * Calls `call`, and while the service answers RESOURCE_EXHAUSTED (busy: it did none of the work)
 * calls again after the wait it asked for, until `giveUpAt` (epoch ms). For the platform's own
 * one-off calls that must go through (the administrator bootstrap, the demo seed); a client
 * request is answered with the refusal instead, and its caller decides.
 */
export async function retryWhileBusy<T>(call: () => Promise<T>, giveUpAt: number): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!isDomainError(error, 'RESOURCE_EXHAUSTED')) throw error;
      const wait = error.retryAfterMs ?? DEFAULT_WAIT_MS;
      if (Date.now() + wait > giveUpAt) throw error;
      await sleep(wait);
    }
  }
}
