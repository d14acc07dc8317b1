import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';

/** What a server knows about the call it is handling, visible to everything that call awaits. */
export interface RequestContext {
  readonly requestId: string;
  /** The caller's deadline, if it sent one; outbound calls never outlive it. */
  readonly deadline: Date | undefined;
  /**
   * Aborted when the caller gives up (it cancelled, or its deadline passed): work nobody waits for
   * any more can be dropped before it starts. Absent outside a server call.
   */
  readonly signal?: AbortSignal;
  readonly log: Logger;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runInContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * A request id a caller may choose: 1-64 characters of [A-Za-z0-9._-] (a UUID, a trace id). It goes
 * on every log line and back to the caller, so a longer or stranger value is not taken.
 */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function isSafeRequestId(value: unknown): value is string {
  return typeof value === 'string' && SAFE_REQUEST_ID.test(value);
}

/** The caller's request id when it is a safe one (see isSafeRequestId), otherwise a new UUID. */
export function requestIdFrom(value: unknown): string {
  return isSafeRequestId(value) ? value : randomUUID();
}
