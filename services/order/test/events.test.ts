import { describe, expect, it } from 'vitest';
import { RejectionReason } from '@emporium/contracts/emporium/order/v1/order.js';
import { withPostgres } from '@emporium/testkit/databases.js';
import { failure } from '@emporium/testkit/errors.js';
import { orderCancelled, orderPlaced, orderRejected } from '../src/events.js';
import { useOrderStack } from './helpers.js';

// The order service's events, read back from its outbox with SQL: one per status change, written
// in the transaction of that change, with the order's version after it (PENDING 1, then +1).

interface OutboxRow {
  readonly type: string;
  readonly aggregate_version: string;
  readonly payload: Uint8Array;
}

describe('order events', () => {
  const stack = useOrderStack({ RECONCILE_INTERVAL_MS: '0' });

  /** The order's events, oldest first, as [type, version, payload]. */
  const outboxOf = (orderId: string) =>
    withPostgres(stack.services.databaseUrls.order, async (client) => {
      const { rows } = await client.query<OutboxRow>(
        `select type, aggregate_version::text as aggregate_version, payload from outbox_event
         where aggregate_id::text = $1 order by aggregate_version`,
        [orderId],
      );
      return rows;
    });

  const versionOf = (orderId: string) =>
    withPostgres(stack.services.databaseUrls.order, async (client) => {
      const { rows } = await client.query<{ version: string }>('select version::text as version from orders where id = $1', [orderId]);
      return rows[0]?.version;
    });

  it('placing records OrderPlaced with the reservation snapshot at version 2; cancelling OrderCancelled at 3, once', async () => {
    const accountId = await stack.newAccount();
    const dime = await stack.newProduct(10, 100, 'Dime candy');
    const book = await stack.newProduct(1999, 100, 'Book');
    const { order } = await stack.orders.createOrder({
      accountId,
      lines: [
        { productId: dime.id, quantity: 3 },
        { productId: book.id, quantity: 7 },
      ],
      idempotencyKey: '',
    });
    if (!order) throw new Error('no order');

    const [placed, ...rest] = await outboxOf(order.id);
    expect(rest).toEqual([]);
    expect([placed?.type, placed?.aggregate_version]).toEqual(['emporium.order.v1.OrderPlaced', '2']);
    expect(orderPlaced.decode(placed?.payload ?? new Uint8Array())).toEqual({
      orderId: order.id,
      accountId,
      lines: [
        { productId: dime.id, name: 'Dime candy', quantity: 3, unitPrice: { currencyCode: 'USD', amountMinor: '10' } },
        { productId: book.id, name: 'Book', quantity: 7, unitPrice: { currencyCode: 'USD', amountMinor: '1999' } },
      ],
      total: { currencyCode: 'USD', amountMinor: '14023' },
      version: '2',
      placeTime: order.updateTime,
    });

    await stack.orders.cancelOrder({ id: order.id });
    await stack.orders.cancelOrder({ id: order.id });
    const events = await outboxOf(order.id);
    expect(events.map((row) => [row.type, row.aggregate_version])).toEqual([
      ['emporium.order.v1.OrderPlaced', '2'],
      ['emporium.order.v1.OrderCancelled', '3'],
    ]);
    expect(orderCancelled.decode(events[1]?.payload ?? new Uint8Array())).toEqual({ orderId: order.id, accountId, version: '3' });
    expect(await versionOf(order.id)).toBe('3');
  });

  it('a rejection records OrderRejected with its reason at version 2, and refusing to cancel it records nothing', async () => {
    const accountId = await stack.newAccount();
    const scarce = await stack.newProduct(100, 1, 'Scarce');
    expect((await failure(stack.orders.createOrder({ accountId, lines: [{ productId: scarce.id, quantity: 2 }], idempotencyKey: '' }))).kind).toBe(
      'FAILED_PRECONDITION',
    );
    const { orders } = await stack.orders.listOrders({ accountId, pageSize: 1, pageToken: '' });
    const orderId = orders[0]?.id ?? '';

    const [rejected, ...rest] = await outboxOf(orderId);
    expect(rest).toEqual([]);
    expect([rejected?.type, rejected?.aggregate_version]).toEqual(['emporium.order.v1.OrderRejected', '2']);
    const payload = orderRejected.decode(rejected?.payload ?? new Uint8Array());
    expect(payload).toMatchObject({ orderId, accountId, reason: RejectionReason.REJECTION_REASON_OUT_OF_STOCK, version: '2' });
    expect(payload.message).toContain(scarce.id);

    // Not PLACED: the cancel is refused and nothing is written.
    expect((await failure(stack.orders.cancelOrder({ id: orderId }))).kind).toBe('FAILED_PRECONDITION');
    expect((await outboxOf(orderId)).map((row) => row.type)).toEqual(['emporium.order.v1.OrderRejected']);
    expect(await versionOf(orderId)).toBe('2');
  });

  it('a retry under the same idempotency key records no second event', async () => {
    const accountId = await stack.newAccount();
    const product = await stack.newProduct(250, 10);
    const request = { accountId, lines: [{ productId: product.id, quantity: 2 }], idempotencyKey: 'events-retry' };
    const { order } = await stack.orders.createOrder(request);
    await stack.orders.createOrder(request);
    expect((await outboxOf(order?.id ?? '')).map((row) => [row.type, row.aggregate_version])).toEqual([['emporium.order.v1.OrderPlaced', '2']]);
  });
});
