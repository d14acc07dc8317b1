import { describe, expect, it } from 'vitest';
import { OrderStatus, RejectionReason, type Order } from '@emporium/contracts/emporium/order/v1/order.js';
import { shortagesOf } from '@emporium/catalog/client.js';
import type { DomainError } from '@emporium/kit/errors.js';
import { checkHealth } from '@emporium/kit/grpc-health.js';
import { listServicesByReflection } from '@emporium/testkit/reflection.js';
import { failure } from '@emporium/testkit/errors.js';
import { runSql } from '@emporium/testkit/sql.js';
import { useOrderStack } from './helpers.js';

const UNKNOWN = '0190a6d8-0000-7000-8000-00000000abcd';

describe('order service', () => {
  // The reconciler is off here: these tests are about the request path alone. The upstream
  // deadline is generous: 100 concurrent orders on one product queue on its row lock, and on a
  // loaded 2-core CI machine that queue may outlast the default 3 s (deadlines are tested in
  // resilience.test.ts).
  const stack = useOrderStack({ RECONCILE_INTERVAL_MS: '0', UPSTREAM_DEADLINE_MS: '30000' });
  const place = (accountId: string, lines: Array<{ productId: string; quantity: number }>, idempotencyKey = '') =>
    stack.orders.createOrder({ accountId, lines, idempotencyKey });

  it('serves health and reflection', async () => {
    expect(await checkHealth(stack.services.order.address, 'emporium.order.v1.OrderService')).toBe('SERVING');
    expect(await listServicesByReflection(stack.services.order.address)).toContain('emporium.order.v1.OrderService');
  });

  it('places an order with exact totals from the reservation snapshot, and takes the stock', async () => {
    const accountId = await stack.newAccount();
    const dime = await stack.newProduct(10, 100, 'Dime candy');
    const book = await stack.newProduct(1999, 100, 'Book');
    const { order } = await place(accountId, [
      { productId: dime.id, quantity: 3 },
      { productId: book.id, quantity: 7 },
    ]);
    expect(order).toMatchObject({
      accountId,
      status: OrderStatus.ORDER_STATUS_PLACED,
      total: { currencyCode: 'USD', amountMinor: '14023' },
      lines: [
        {
          productId: dime.id,
          name: 'Dime candy',
          quantity: 3,
          unitPrice: { currencyCode: 'USD', amountMinor: '10' },
          subtotal: { currencyCode: 'USD', amountMinor: '30' },
        },
        {
          productId: book.id,
          name: 'Book',
          quantity: 7,
          unitPrice: { currencyCode: 'USD', amountMinor: '1999' },
          subtotal: { currencyCode: 'USD', amountMinor: '13993' },
        },
      ],
    });
    expect(order?.rejection).toBeUndefined();
    expect(await stack.stockOf(dime.id)).toBe(97);
    expect(await stack.stockOf(book.id)).toBe(93);
    const { order: read } = await stack.orders.getOrder({ id: order?.id ?? '' });
    expect(read).toEqual(order);
  });

  it('merges lines naming the same product', async () => {
    const accountId = await stack.newAccount();
    const product = await stack.newProduct(250, 10);
    const { order } = await place(accountId, [
      { productId: product.id, quantity: 1 },
      { productId: product.id.toUpperCase(), quantity: 2 },
    ]);
    expect(order?.lines).toHaveLength(1);
    expect(order?.lines[0]).toMatchObject({ productId: product.id, quantity: 3, subtotal: { amountMinor: '750' } });
    expect(await stack.stockOf(product.id)).toBe(7);
  });

  it('keeps the price paid when the product’s price changes later', async () => {
    const accountId = await stack.newAccount();
    const product = await stack.newProduct(500, 10, 'Lamp');
    const { order } = await place(accountId, [{ productId: product.id, quantity: 2 }]);
    await stack.catalog.updateProduct({
      id: product.id,
      name: 'Lamp (new model)',
      price: { currencyCode: 'USD', amountMinor: '900' },
    });
    const { order: later } = await stack.orders.getOrder({ id: order?.id ?? '' });
    expect(later?.lines[0]).toMatchObject({ name: 'Lamp', unitPrice: { amountMinor: '500' } });
    expect(later?.total?.amountMinor).toBe('1000');
  });

  it('places exactly as many of 100 concurrent orders as there is stock, and rejects the rest', async () => {
    const product = await stack.newProduct(1000, 10, 'Scarce');
    const accounts = await Promise.all(Array.from({ length: 100 }, () => stack.newAccount()));
    const results = await Promise.allSettled(accounts.map((accountId) => place(accountId, [{ productId: product.id, quantity: 1 }])));
    const placed = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(placed).toHaveLength(10);
    expect(rejected).toHaveLength(90);
    for (const { reason } of rejected) {
      expect(reason).toMatchObject({ kind: 'FAILED_PRECONDITION', reason: 'OUT_OF_STOCK' });
      expect(shortagesOf(reason as DomainError)).toEqual([{ productId: product.id, requested: 1, available: 0 }]);
    }
    expect(await stack.stockOf(product.id)).toBe(0);
    // The rejected orders are on record as REJECTED, with what was short.
    const firstRejected = await stack.orders.listOrders({ accountId: accounts[results.findIndex((r) => r.status === 'rejected')] ?? '', pageSize: 5, pageToken: '' });
    expect(firstRejected.orders[0]).toMatchObject({ status: OrderStatus.ORDER_STATUS_REJECTED, shortages: [{ productId: product.id }] });
  });

  it('turns 30 concurrent calls with one idempotency key into one order and one reservation', async () => {
    const accountId = await stack.newAccount();
    const product = await stack.newProduct(100, 50);
    const results = await Promise.all(
      Array.from({ length: 30 }, () => place(accountId, [{ productId: product.id, quantity: 2 }], 'checkout-1')),
    );
    const ids = new Set(results.map((r) => r.order?.id));
    expect(ids.size).toBe(1);
    expect(results.every((r) => r.order?.status === OrderStatus.ORDER_STATUS_PLACED)).toBe(true);
    expect(await stack.stockOf(product.id)).toBe(48);
    expect((await stack.orders.listOrders({ accountId, pageSize: 100, pageToken: '' })).totalSize).toBe(1);

    // A later retry answers the same order; the same key for different lines is refused.
    const again = await place(accountId, [{ productId: product.id, quantity: 2 }], 'checkout-1');
    expect(again.order?.id).toEqual([...ids][0]);
    const conflict = await failure(place(accountId, [{ productId: product.id, quantity: 3 }], 'checkout-1'));
    expect(conflict).toMatchObject({ kind: 'ALREADY_EXISTS', field: 'idempotency_key' });
    // The same key from another account is another order.
    const other = await place(await stack.newAccount(), [{ productId: product.id, quantity: 1 }], 'checkout-1');
    expect(other.order?.id).not.toEqual([...ids][0]);
    expect(await stack.stockOf(product.id)).toBe(47);
  });

  it('answers a retried rejection with the same rejection, reserving nothing', async () => {
    const accountId = await stack.newAccount();
    const product = await stack.newProduct(100, 1);
    const first = await failure(place(accountId, [{ productId: product.id, quantity: 2 }], 'too-many'));
    const second = await failure(place(accountId, [{ productId: product.id, quantity: 2 }], 'too-many'));
    expect(first).toMatchObject({ kind: 'FAILED_PRECONDITION', reason: 'OUT_OF_STOCK' });
    expect(second.message).toBe(first.message);
    expect(shortagesOf(second)).toEqual([{ productId: product.id, requested: 2, available: 1 }]);
    expect(await stack.stockOf(product.id)).toBe(1);
    const { orders, totalSize } = await stack.orders.listOrders({ accountId, pageSize: 10, pageToken: '' });
    expect(totalSize).toBe(1);
    expect(orders[0]).toMatchObject({
      status: OrderStatus.ORDER_STATUS_REJECTED,
      rejection: { reason: RejectionReason.REJECTION_REASON_OUT_OF_STOCK },
      shortages: [{ productId: product.id, requested: 2, available: 1 }],
    });
    // Never priced: no total, no unit prices.
    expect(orders[0]?.total).toBeUndefined();
    expect(orders[0]?.lines.map((line) => [line.name, line.unitPrice, line.subtotal])).toEqual([['', undefined, undefined]]);
  });

  it('a product priced near the int64 limit by an older release: rejected before any stock is taken, nothing PENDING', async () => {
    const accountId = await stack.newAccount();
    const relic = await stack.newProduct(100, 5);
    await runSql(stack.services.databaseUrls.catalog, 'update product set price_minor = $2 where id = $1', [relic.id, '9223372036854775000']);
    const error = await failure(place(accountId, [{ productId: relic.id, quantity: 2 }], 'relic'));
    expect(error).toMatchObject({ kind: 'FAILED_PRECONDITION', reason: 'PRICE_OUT_OF_RANGE', field: 'lines' });
    expect(await stack.stockOf(relic.id)).toBe(5);
    const { orders } = await stack.orders.listOrders({ accountId, pageSize: 10, pageToken: '' });
    expect(orders.map((o) => [o.status, o.rejection?.reason, o.total])).toEqual([
      [OrderStatus.ORDER_STATUS_REJECTED, RejectionReason.REJECTION_REASON_PRICE_OUT_OF_RANGE, undefined],
    ]);
    // A keyed retry replays the rejection and takes nothing either.
    expect(await failure(place(accountId, [{ productId: relic.id, quantity: 2 }], 'relic'))).toMatchObject({ reason: 'PRICE_OUT_OF_RANGE' });
    expect(await stack.stockOf(relic.id)).toBe(5);
  });

  it('makes a new order for every call without a key', async () => {
    const accountId = await stack.newAccount();
    const product = await stack.newProduct(100, 10);
    const a = await place(accountId, [{ productId: product.id, quantity: 1 }]);
    const b = await place(accountId, [{ productId: product.id, quantity: 1 }]);
    expect(a.order?.id).not.toEqual(b.order?.id);
    expect(await stack.stockOf(product.id)).toBe(8);
  });

  describe('bad input gets its specific status, and nothing is written', () => {
    it.each([
      ['account_id', 'INVALID_ARGUMENT', { accountId: 'nope' }],
      ['lines', 'INVALID_ARGUMENT', { lines: [] }],
      ['lines', 'INVALID_ARGUMENT', { lines: Array.from({ length: 51 }, () => ({ productId: UNKNOWN, quantity: 1 })) }],
      ['lines[0].quantity', 'INVALID_ARGUMENT', { lines: [{ productId: UNKNOWN, quantity: 0 }] }],
      ['lines[0].quantity', 'INVALID_ARGUMENT', { lines: [{ productId: UNKNOWN, quantity: 1001 }] }],
      ['lines[1].quantity', 'INVALID_ARGUMENT', { lines: [{ productId: UNKNOWN, quantity: 600 }, { productId: UNKNOWN, quantity: 600 }] }],
      ['lines[0].product_id', 'INVALID_ARGUMENT', { lines: [{ productId: 'x', quantity: 1 }] }],
      ['idempotency_key', 'INVALID_ARGUMENT', { idempotencyKey: 'has spaces in it' }],
      ['idempotency_key', 'INVALID_ARGUMENT', { idempotencyKey: 'k'.repeat(201) }],
      ['account_id', 'FAILED_PRECONDITION', { accountId: UNKNOWN }],
    ])('%s (%s)', async (field, kind, overrides) => {
      const accountId = await stack.newAccount();
      const product = await stack.newProduct(100, 5);
      const request = { accountId, lines: [{ productId: product.id, quantity: 1 }], idempotencyKey: '', ...overrides };
      const error = await failure(stack.orders.createOrder(request));
      expect({ kind: error.kind, field: error.field }).toEqual({ kind, field });
      expect(error.message).toContain(field);
      expect(await stack.stockOf(product.id)).toBe(5);
      expect((await stack.orders.listOrders({ accountId, pageSize: 1, pageToken: '' })).totalSize).toBe(0);
    });

    it('an unknown product: NOT_FOUND naming it, the order REJECTED, no stock taken', async () => {
      const accountId = await stack.newAccount();
      const product = await stack.newProduct(100, 5);
      const error = await failure(
        place(accountId, [
          { productId: product.id, quantity: 1 },
          { productId: UNKNOWN, quantity: 1 },
        ]),
      );
      expect(error.kind).toBe('NOT_FOUND');
      expect(error.message).toContain(UNKNOWN);
      expect(await stack.stockOf(product.id)).toBe(5);
      const { orders } = await stack.orders.listOrders({ accountId, pageSize: 1, pageToken: '' });
      expect(orders[0]?.status).toBe(OrderStatus.ORDER_STATUS_REJECTED);
      expect(orders[0]?.rejection?.reason).toBe(RejectionReason.REJECTION_REASON_PRODUCT_NOT_FOUND);
      expect(orders[0]?.rejection?.message).toContain(UNKNOWN);
      expect(orders[0]?.total).toBeUndefined();
    });

    it('GetOrder: NOT_FOUND for an unknown id, INVALID_ARGUMENT for a malformed one', async () => {
      expect(await failure(stack.orders.getOrder({ id: UNKNOWN }))).toMatchObject({ kind: 'NOT_FOUND', field: 'id' });
      expect(await failure(stack.orders.getOrder({ id: '42' }))).toMatchObject({ kind: 'INVALID_ARGUMENT', field: 'id' });
    });
  });

  describe('CancelOrder', () => {
    it('cancels a placed order and returns its stock exactly once, however often it is asked', async () => {
      const accountId = await stack.newAccount();
      const product = await stack.newProduct(100, 10);
      const { order } = await place(accountId, [{ productId: product.id, quantity: 4 }]);
      expect(await stack.stockOf(product.id)).toBe(6);
      const results = await Promise.all(Array.from({ length: 5 }, () => stack.orders.cancelOrder({ id: order?.id ?? '' })));
      expect(results.every((r) => r.order?.status === OrderStatus.ORDER_STATUS_CANCELLED)).toBe(true);
      expect(await stack.stockOf(product.id)).toBe(10);
      await stack.orders.cancelOrder({ id: order?.id ?? '' });
      expect(await stack.stockOf(product.id)).toBe(10);
      // History keeps what was bought.
      expect((await stack.orders.getOrder({ id: order?.id ?? '' })).order?.total?.amountMinor).toBe('400');
    });

    it('refuses to cancel a rejected order, and an unknown one is NOT_FOUND', async () => {
      const accountId = await stack.newAccount();
      const product = await stack.newProduct(100, 0);
      await failure(place(accountId, [{ productId: product.id, quantity: 1 }]));
      const { orders } = await stack.orders.listOrders({ accountId, pageSize: 1, pageToken: '' });
      const error = await failure(stack.orders.cancelOrder({ id: orders[0]?.id ?? '' }));
      expect(error.kind).toBe('FAILED_PRECONDITION');
      expect((await failure(stack.orders.cancelOrder({ id: UNKNOWN }))).kind).toBe('NOT_FOUND');
    });
  });

  describe('reading', () => {
    it('pages an account’s orders newest first with keyset tokens bound to the account', async () => {
      const accountId = await stack.newAccount();
      const product = await stack.newProduct(100, 100);
      const placed: string[] = [];
      for (let i = 0; i < 7; i++) placed.push((await place(accountId, [{ productId: product.id, quantity: 1 }])).order?.id ?? '');
      const seen: Order[] = [];
      let token = '';
      do {
        const page = await stack.orders.listOrders({ accountId, pageSize: 3, pageToken: token });
        expect(page.totalSize).toBe(7);
        seen.push(...page.orders);
        token = page.nextPageToken;
      } while (token !== '');
      expect(seen.map((o) => o.id)).toEqual([...placed].reverse());

      const page = await stack.orders.listOrders({ accountId, pageSize: 3, pageToken: '' });
      const other = await stack.newAccount();
      const error = await failure(stack.orders.listOrders({ accountId: other, pageSize: 3, pageToken: page.nextPageToken }));
      expect(error).toMatchObject({ kind: 'INVALID_ARGUMENT', field: 'page_token' });
    });

    it('batch-lists the first page of each account, in the order asked', async () => {
      const product = await stack.newProduct(100, 100);
      const [a, b, c] = await Promise.all([stack.newAccount(), stack.newAccount(), stack.newAccount()]);
      for (let i = 0; i < 3; i++) await place(a, [{ productId: product.id, quantity: 1 }]);
      await place(c, [{ productId: product.id, quantity: 2 }]);
      const { results } = await stack.orders.batchListAccountOrders({ accountIds: [c, b, a, c], pageSize: 2 });
      expect(results.map((r) => [r.accountId, r.orders.length, r.totalSize, r.nextPageToken !== ''])).toEqual([
        [c, 1, 1, false],
        [b, 0, 0, false],
        [a, 2, 3, true],
        [c, 1, 1, false],
      ]);
      expect(results[2]?.orders[0]?.lines[0]?.unitPrice?.amountMinor).toBe('100');
      // The batch's token continues with ListOrders.
      const rest = await stack.orders.listOrders({ accountId: a, pageSize: 2, pageToken: results[2]?.nextPageToken ?? '' });
      expect(rest.orders).toHaveLength(1);
      const tooMany = Array.from({ length: 101 }, () => a);
      expect(await failure(stack.orders.batchListAccountOrders({ accountIds: tooMany, pageSize: 1 }))).toMatchObject({
        kind: 'INVALID_ARGUMENT',
        field: 'account_ids',
      });
    });
  });
});
