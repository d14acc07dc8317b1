import { ROOT_CONTEXT, createContextKey } from '@opentelemetry/api';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { currentContext, processContextManager, runInContext, type RequestContext } from '../src/context.js';

// The kit's request context and OpenTelemetry's context share one AsyncLocalStorage: each must
// see the other's values through awaits and timers, and neither may overwrite the other.

const SPAN = createContextKey('a span, as the tracing API would set it');
const manager = processContextManager;

function request(requestId: string): RequestContext {
  return { requestId, deadline: undefined, log: pino({ level: 'silent' }) };
}

describe('the process context (one store for the request and the trace)', () => {
  it('keeps the request context through awaits and timers, and only inside runInContext', async () => {
    expect(currentContext()).toBeUndefined();
    const seen = await runInContext(request('r-1'), async () => {
      await sleep(5);
      const later = await new Promise<string | undefined>((resolve) => setTimeout(() => resolve(currentContext()?.requestId), 1));
      return [currentContext()?.requestId, later];
    });
    expect(seen).toEqual(['r-1', 'r-1']);
    expect(currentContext()).toBeUndefined();
  });

  it('is the trace context too: active() inside with(), ROOT outside', async () => {
    expect(manager.active()).toBe(ROOT_CONTEXT);
    const traced = ROOT_CONTEXT.setValue(SPAN, 'span-a');
    const value = await manager.with(traced, async (suffix: string) => {
      await sleep(1);
      return `${String(manager.active().getValue(SPAN))}${suffix}`;
    }, undefined, '!');
    expect(value).toBe('span-a!');
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('keeps the span a request runs under, and the request under a span started inside it', async () => {
    const traced = ROOT_CONTEXT.setValue(SPAN, 'server span');
    const seen = await manager.with(traced, () =>
      runInContext(request('r-2'), async () => {
        await sleep(1);
        const inside = manager.active();
        const child = await manager.with(inside.setValue(SPAN, 'client span'), async () => {
          await sleep(1);
          return { span: manager.active().getValue(SPAN), requestId: currentContext()?.requestId };
        });
        return { span: manager.active().getValue(SPAN), requestId: currentContext()?.requestId, child };
      }),
    );
    expect(seen).toEqual({ span: 'server span', requestId: 'r-2', child: { span: 'client span', requestId: 'r-2' } });
  });

  it('binds a function to a context, with its own this and arguments', () => {
    const traced = ROOT_CONTEXT.setValue(SPAN, 'bound');
    function read(this: { prefix: string }, suffix: string) {
      return `${this.prefix}${String(manager.active().getValue(SPAN))}${suffix}`;
    }
    const bound = manager.bind(traced, read);
    expect(bound.call({ prefix: '>' }, '<')).toBe('>bound<');
    expect(manager.active()).toBe(ROOT_CONTEXT);
    expect(manager.bind(traced, 42)).toBe(42);
  });

  it('keeps the store working after the API disables the manager (the request context lives on)', async () => {
    manager.disable();
    expect(await runInContext(request('r-3'), async () => {
      await sleep(1);
      return currentContext()?.requestId;
    })).toBe('r-3');
  });
});
