import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OrderStatus, RejectionReason } from '@emporium/contracts/emporium/order/v1/order.js';
import { parseConfig } from '@emporium/kit/config.js';
import { startServiceProcess } from '@emporium/testkit/service-process.js';
import { catalogConfigSchema } from '@emporium/catalog/config.js';
import { startCatalogService } from '@emporium/catalog/main.js';
import { createOrderClient } from '../src/client.js';
import { eventually } from '@emporium/testkit/eventually.js';
import { failure } from '@emporium/testkit/errors.js';
import { runSql } from '@emporium/testkit/sql.js';
import { log } from '@emporium/testkit/stack.js';
import { useOrderStack } from './helpers.js';

// Crash safety: whatever point the order process dies at, and whatever the Catalog does, every order
// ends PLACED with its stock held exactly once, or REJECTED with nothing held.

const orderMain = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('order placement under crashes and outages', () => {
  // The test's own order service never reconciles; the recovery under test is a restarted one.
  const stack = useOrderStack({ RECONCILE_INTERVAL_MS: '0' });

  /** Runs the order service as a process that SIGKILLs itself at a crash point during CreateOrder. */
  async function crashDuringOrder(fault: 'crash-after-pending' | 'crash-after-reserve', productId: string, quantity: number) {
    const child = startServiceProcess(orderMain, {
      PORT: '0',
      DATABASE_URL: stack.services.databaseUrls.order,
      ACCOUNT_ADDRESS: stack.services.account.address,
      CATALOG_ADDRESS: stack.services.catalog.address,
      RECONCILE_INTERVAL_MS: '0',
      FAULT_INJECTION: fault,
    });
    const client = createOrderClient(await child.listening());
    const accountId = await stack.newAccount();
    try {
      const error = await failure(client.createOrder({ accountId, lines: [{ productId, quantity }], idempotencyKey: '' }));
      expect(error.kind).toBe('UNAVAILABLE');
      expect(await child.exited).toBeNull(); // killed by the signal, not exited
    } finally {
      client.close();
      child.process.kill('SIGKILL');
    }
    const { orders } = await stack.orders.listOrders({ accountId, pageSize: 5, pageToken: '' });
    expect(orders.map((o) => o.status)).toEqual([OrderStatus.ORDER_STATUS_PENDING]);
    // Not priced yet, not rejected.
    expect(orders.map((o) => [o.total, o.rejection, o.lines.map((line) => line.unitPrice)])).toEqual([[undefined, undefined, [undefined]]]);
    return orders[0]?.id ?? '';
  }

  /** A fresh order service that reconciles everything at once, until the order is settled. */
  async function recover(orderId: string, env: Record<string, string> = {}) {
    const recovering = await stack.services.startOrder({ RECONCILE_INTERVAL_MS: '100', RECONCILE_AFTER_MS: '0', ...env });
    try {
      return await eventually(
        async () => (await stack.orders.getOrder({ id: orderId })).order,
        (order) => order?.status !== OrderStatus.ORDER_STATUS_PENDING,
      );
    } finally {
      await recovering.stop();
    }
  }

  it('crash after the PENDING write: the reconciler reserves and places the order', async () => {
    const product = await stack.newProduct(300, 10);
    const orderId = await crashDuringOrder('crash-after-pending', product.id, 3);
    expect(await stack.stockOf(product.id)).toBe(10);
    const order = await recover(orderId);
    expect(order).toMatchObject({ status: OrderStatus.ORDER_STATUS_PLACED, total: { amountMinor: '900' } });
    expect(await stack.stockOf(product.id)).toBe(7);
  });

  it('crash after the PENDING write, stock gone meanwhile: the reconciler rejects it, nothing held', async () => {
    const product = await stack.newProduct(300, 10);
    const orderId = await crashDuringOrder('crash-after-pending', product.id, 3);
    await stack.catalog.updateProduct({ id: product.id, stock: 2, price: undefined });
    const order = await recover(orderId);
    expect(order).toMatchObject({ status: OrderStatus.ORDER_STATUS_REJECTED, shortages: [{ productId: product.id, available: 2 }] });
    expect(await stack.stockOf(product.id)).toBe(2);
  });

  it('crash after the reservation: the reconciler places the order on that same reservation', async () => {
    const product = await stack.newProduct(300, 10);
    const orderId = await crashDuringOrder('crash-after-reserve', product.id, 4);
    expect(await stack.stockOf(product.id)).toBe(6); // held by the reservation
    const order = await recover(orderId);
    expect(order?.status).toBe(OrderStatus.ORDER_STATUS_PLACED);
    expect(await stack.stockOf(product.id)).toBe(6); // not taken twice
  });

  it('crash after the reservation, order too old to finish: given up, REJECTED, stock returned', async () => {
    const product = await stack.newProduct(300, 10);
    const orderId = await crashDuringOrder('crash-after-reserve', product.id, 4);
    expect(await stack.stockOf(product.id)).toBe(6);
    const order = await recover(orderId, { PENDING_TIMEOUT_MS: '0' });
    expect(order?.status).toBe(OrderStatus.ORDER_STATUS_REJECTED);
    expect(order?.rejection?.reason).toBe(RejectionReason.REJECTION_REASON_TIMED_OUT);
    expect(order?.total).toBeUndefined();
    await eventually(() => stack.stockOf(product.id), (stock) => stock === 10);
  });

  it('a reservation an older catalog took at a price no total can hold: REJECTED, stock returned, never PLACED', async () => {
    const product = await stack.newProduct(300, 10);
    const orderId = await crashDuringOrder('crash-after-reserve', product.id, 2);
    expect(await stack.stockOf(product.id)).toBe(8);
    // The snapshot as a release without a price maximum would have stored it.
    await runSql(stack.services.databaseUrls.catalog, 'update reservation_line set unit_price_minor = $2 where reservation_id = $1', [
      orderId,
      '9223372036854775000',
    ]);
    const order = await recover(orderId);
    expect(order).toMatchObject({
      status: OrderStatus.ORDER_STATUS_REJECTED,
      rejection: { reason: RejectionReason.REJECTION_REASON_TOTAL_OUT_OF_RANGE },
    });
    expect(order?.total).toBeUndefined();
    await eventually(() => stack.stockOf(product.id), (stock) => stock === 10);
  });

  it('Catalog down: UNAVAILABLE within the deadline; consistent once it is back', async () => {
    const product = await stack.newProduct(300, 10);
    const accountId = await stack.newAccount();
    const port = stack.services.catalog.port;
    await stack.services.catalog.stop();

    // Had the service waited past the caller's deadline, the caller would see DEADLINE_EXCEEDED instead.
    const error = await failure(
      stack.orders.createOrder(
        { accountId, lines: [{ productId: product.id, quantity: 2 }], idempotencyKey: 'k1' },
        { deadlineMs: 8_000 },
      ),
    );
    expect(error.kind).toBe('UNAVAILABLE');
    const { orders } = await stack.orders.listOrders({ accountId, pageSize: 5, pageToken: '' });
    expect(orders.map((o) => o.status)).toEqual([OrderStatus.ORDER_STATUS_PENDING]);

    stack.services.catalog = await startCatalogService(
      parseConfig(catalogConfigSchema, { PORT: String(port), DATABASE_URL: stack.services.databaseUrls.catalog }),
      log,
    );
    const order = await recover(orders[0]?.id ?? '');
    expect(order?.status).toBe(OrderStatus.ORDER_STATUS_PLACED);
    expect(await stack.stockOf(product.id)).toBe(8);
    // The client's retry with the same key now gets the placed order.
    const retried = await stack.orders.createOrder({
      accountId,
      lines: [{ productId: product.id, quantity: 2 }],
      idempotencyKey: 'k1',
    });
    expect(retried.order?.id).toBe(order?.id);
    expect(await stack.stockOf(product.id)).toBe(8);
  });
});
