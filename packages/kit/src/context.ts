import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';

/** What a server knows about the call it is handling, visible to everything that call awaits. */
export interface RequestContext {
  readonly requestId: string;
  /** The caller's deadline, if it sent one; outbound calls never outlive it. */
  readonly deadline: Date | undefined;
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
