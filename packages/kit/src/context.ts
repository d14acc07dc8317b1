import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { ROOT_CONTEXT, createContextKey, type Context, type ContextManager } from '@opentelemetry/api';
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

/*
 * One AsyncLocalStorage for the whole process, holding an OpenTelemetry Context: the call's
 * RequestContext is one value in it and, when tracing, the active span another. On Node 20 every
 * AsyncLocalStorage writes its store onto every promise the process creates (async hooks), so a
 * second one, OpenTelemetry's own context manager, cost a few percent of a request's CPU even with
 * nothing sampled; tracing registers processContextManager below instead.
 */
const storage = new AsyncLocalStorage<Context>();
const REQUEST = createContextKey('@emporium/kit request context');

function activeContext(): Context {
  return storage.getStore() ?? ROOT_CONTEXT;
}

export function runInContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(activeContext().setValue(REQUEST, context), fn);
}

export function currentContext(): RequestContext | undefined {
  // Only runInContext sets this key.
  return storage.getStore()?.getValue(REQUEST) as RequestContext | undefined;
}

/**
 * OpenTelemetry's context manager on the kit's storage (what @opentelemetry/context-async-hooks'
 * AsyncLocalStorageContextManager does, on this one store). bind() wraps functions; it does not
 * patch event emitters, which nothing here asks of it.
 */
class ProcessContextManager implements ContextManager {
  active(): Context {
    return activeContext();
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return storage.run(context, () => fn.apply(thisArg, args));
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as (...args: unknown[]) => unknown;
    const bound = function (this: unknown, ...args: unknown[]) {
      return storage.run(context, () => fn.apply(this, args));
    };
    return bound as T;
  }

  enable(): this {
    return this;
  }

  // The storage stays: the kit's request context lives in it whether or not tracing does.
  disable(): this {
    return this;
  }
}

export const processContextManager: ContextManager = new ProcessContextManager();

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
