import { expect } from 'vitest';
import { eventually } from '@emporium/testkit/eventually.js';
import type { ComposeProject } from './compose.js';
import type { KeyedLoad } from './load.js';

/*
 * The books of a keyed order load, read from the databases once the load has stopped: what every
 * test that breaks something under load checks afterwards, whatever it broke.
 */

export interface Stocked {
  /** The products the load ordered, each created with `initialStock` units. */
  readonly products: readonly string[];
  readonly initialStock: number;
}

/**
 * Nothing PENDING and no stock release outstanding once the reconciler has been round; exactly
 * one stored order per key, the one its client was answered with, and PLACED (nothing was out of
 * stock, nobody cancelled); for every product, stock + units placed = initial stock, and the units
 * placed are the ones the clients were answered for.
 */
export async function expectBalancedBooks(stack: ComposeProject, load: KeyedLoad, { products, initialStock }: Stocked): Promise<void> {
  await eventually(
    () => stack.psql('order', `select count(*) from orders where status = 'PENDING' or release_pending`),
    (rows) => rows[0]?.[0] === '0',
    120_000,
  );

  const keys = load.answered.map((order) => order.key);
  expect(new Set(keys).size).toBe(keys.length);
  const stored = await stack.psql('order', `select idempotency_key, id, status from orders where idempotency_key like 'load-%'`);
  expect(stored).toHaveLength(keys.length);
  const byKey = new Map(stored.map(([key = '', id = '', status = '']) => [key, { id, status }]));
  for (const order of load.answered) expect(byKey.get(order.key)?.id, order.key).toBe(order.orderId);
  expect(new Set(stored.map((row) => row[2]))).toEqual(new Set(['PLACED']));

  const placed = new Map(
    (
      await stack.psql(
        'order',
        `select l.product_id, sum(l.quantity) from order_line l join orders o on o.id = l.order_id where o.status = 'PLACED' group by l.product_id`,
      )
    ).map(([id = '', units = '']) => [id, Number(units)]),
  );
  const stock = new Map((await stack.psql('catalog', `select id, stock from product`)).map(([id = '', units = '']) => [id, Number(units)]));
  for (const product of products) {
    expect((stock.get(product) ?? Number.NaN) + (placed.get(product) ?? 0), product).toBe(initialStock);
  }
  const answeredUnits = new Map<string, number>();
  for (const order of load.answered) {
    for (const item of order.items) answeredUnits.set(item.productId, (answeredUnits.get(item.productId) ?? 0) + item.quantity);
  }
  expect(placed).toEqual(answeredUnits);
}
