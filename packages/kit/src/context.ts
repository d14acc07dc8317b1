import { AsyncLocalStorage } from 'node:async_hooks';
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
