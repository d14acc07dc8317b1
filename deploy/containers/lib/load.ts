import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { at, signUp, type GraphQLClient } from '@emporium/testkit/graphql.js';
import { createOrder, text, type OrderItem } from './shop.js';

/*
 * A keyed createOrder load like real clients make it: several customers at once, each order with
 * its own idempotency key, every failure retried with the SAME key until the order is answered.
 * Every attempt is recorded, so a test can tell when errors stopped.
 */

export interface Customer {
  readonly token: string;
  /** Sent as X-Forwarded-For: each customer is its own client for the rate limits (the stack trusts the proxy). */
  readonly ip: string;
}

export interface AnsweredOrder {
  readonly key: string;
  readonly orderId: string;
  readonly status: string;
  readonly items: readonly OrderItem[];
}

export interface Attempt {
  readonly at: number;
  /** undefined when the order was answered; otherwise what went wrong. */
  readonly error: string | undefined;
}

export interface KeyedLoad {
  readonly answered: readonly AnsweredOrder[];
  readonly attempts: readonly Attempt[];
  /** Lets every client finish the order it is on (retrying until answered), then resolves. */
  stop(): Promise<void>;
  /** Stops at once, orders unanswered or not (a failed test's clean-up). */
  abort(): void;
}

/** Signs up `count` customers, each from its own (private, made-up) client address. */
export async function customers(client: GraphQLClient, count: number): Promise<Customer[]> {
  const all: Customer[] = [];
  for (let i = 0; i < count; i++) {
    const ip = `10.${77 + Math.floor(i / 250)}.${i % 250}.${1 + Math.floor(Math.random() * 250)}`;
    const forwarded: GraphQLClient = { request: (query, options) => client.request(query, { ...options, headers: { 'x-forwarded-for': ip } }) };
    const { token } = await signUp(forwarded, `Load customer ${i}`);
    all.push({ token, ip });
  }
  return all;
}

/** A key's order must be answered within this long, faults included; longer is a failure. */
const GIVE_UP_MS = 180_000;

export function startKeyedLoad(client: GraphQLClient, buyers: readonly Customer[], products: readonly string[]): KeyedLoad {
  const answered: AnsweredOrder[] = [];
  const attempts: Attempt[] = [];
  const prefix = randomBytes(4).toString('hex');
  let stopping = false;
  let aborted = false;

  const buyer = async (customer: Customer, index: number) => {
    for (let n = 0; !stopping; n++) {
      const key = `load-${prefix}-${index}-${n}`;
      const first = products[(index + n) % products.length] ?? '';
      const second = products[(index + n + 1) % products.length] ?? '';
      const items: OrderItem[] = first === second ? [{ productId: first, quantity: 1 + (n % 3) }] : [{ productId: first, quantity: 1 + (n % 3) }, { productId: second, quantity: 1 }];
      const since = Date.now();
      while (!aborted) {
        let error: string;
        try {
          const response = await createOrder(client, customer.token, items, key, { 'x-forwarded-for': customer.ip });
          const order = response.data?.createOrder;
          if (order !== undefined && order !== null) {
            attempts.push({ at: Date.now(), error: undefined });
            answered.push({ key, orderId: text(at(order, 'id')), status: text(at(order, 'status')), items });
            break;
          }
          error = `HTTP ${response.status} ${(response.errors ?? []).map((e) => e.extensions.code).join(',')}`;
        } catch (thrown) {
          error = thrown instanceof Error ? thrown.message : String(thrown);
        }
        attempts.push({ at: Date.now(), error });
        if (Date.now() - since > GIVE_UP_MS) throw new Error(`order ${key} not answered in ${GIVE_UP_MS} ms; last error: ${error}`);
        await sleep(100);
      }
    }
  };
  const running = Promise.all(buyers.map((customer, index) => buyer(customer, index)));
  // Surfaced by stop(); not an unhandled rejection meanwhile.
  running.catch(() => undefined);
  return {
    answered,
    attempts,
    stop: async () => {
      stopping = true;
      await running;
    },
    abort: () => {
      stopping = true;
      aborted = true;
    },
  };
}

/** Resolves once `count` more orders have been answered (the load makes progress). */
export async function progress(load: KeyedLoad, count: number, timeoutMs = 120_000): Promise<void> {
  const target = load.answered.length + count;
  const until = Date.now() + timeoutMs;
  while (load.answered.length < target) {
    if (Date.now() > until) throw new Error(`the load answered ${load.answered.length} orders, not ${target}, in ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * A load for a test file: prepared (customers, products) and started before its tests, aborted
 * after them, before the Compose project's own clean-up (after-hooks run in reverse order). Returns
 * the running load.
 */
export function useKeyedLoad(
  client: GraphQLClient,
  prepare: () => Promise<{ buyers: readonly Customer[]; products: readonly string[] }>,
): () => KeyedLoad {
  let running: KeyedLoad | undefined;
  beforeAll(async () => {
    const { buyers, products } = await prepare();
    running = startKeyedLoad(client, buyers, products);
  });
  afterAll(() => {
    running?.abort();
  });
  return () => {
    if (running === undefined) throw new Error('the load has not started');
    return running;
  };
}
