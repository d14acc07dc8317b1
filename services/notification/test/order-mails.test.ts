import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '@emporium/contracts/emporium/account/v1/account.js';
import { OrderStatus } from '@emporium/contracts/emporium/order/v1/order.js';
import { createAccountClient, type AccountClient } from '@emporium/account/client.js';
import { accountConfigSchema } from '@emporium/account/config.js';
import { startAccountService } from '@emporium/account/main.js';
import { createCatalogClient, type CatalogClient } from '@emporium/catalog/client.js';
import { catalogConfigSchema } from '@emporium/catalog/config.js';
import { startCatalogService } from '@emporium/catalog/main.js';
import { createOrderClient, type OrderClient } from '@emporium/order/client.js';
import { orderConfigSchema } from '@emporium/order/config.js';
import { startOrderService } from '@emporium/order/main.js';
import { parseConfig } from '@emporium/kit/config.js';
import { createTestDatabase, withPostgres, type TestDatabase } from '@emporium/testkit/databases.js';
import { eventually } from '@emporium/testkit/eventually.js';
import { startNatsServer, uniqueNamespace, type TestNatsServer } from '@emporium/testkit/nats.js';
import { startServiceProcess } from '@emporium/testkit/service-process.js';
import { startSmtpSink, type SmtpSink } from '@emporium/testkit/smtp-sink.js';
import { log } from '@emporium/testkit/stack.js';
import { uniqueEmail } from '@emporium/testkit/unique.js';
import { notificationConfigSchema } from '../src/config.js';
import { startNotificationService } from '../src/main.js';

/*
 * The whole path, as it runs in production: the order service records OrderPlaced in the
 * transaction that places the order, its relay publishes it to a real nats-server, the
 * notification service consumes it and sends the confirmation to a real SMTP server. Under the
 * faults the issue names — the order process killed between publishing and marking published,
 * NATS stopped while orders are placed — every placed order gets exactly one confirmation.
 */

const orderMain = fileURLToPath(new URL('../../order/src/main.ts', import.meta.url));

interface Stopping {
  stop(): Promise<void>;
}

describe('order confirmations end to end, under faults', () => {
  let nats: TestNatsServer;
  let sink: SmtpSink;
  const databases: Record<'account' | 'catalog' | 'order' | 'notification', TestDatabase | undefined> = {
    account: undefined,
    catalog: undefined,
    order: undefined,
    notification: undefined,
  };
  const running: Stopping[] = [];
  const namespace = uniqueNamespace('mails');
  let accounts: AccountClient;
  let catalog: CatalogClient;
  let accountAddress = '';
  let catalogAddress = '';
  let productId = '';

  /** Every process's events settings: this test's NATS server and namespace, quick polls and retries. */
  const events = () => ({
    NATS_URL: nats.url,
    EVENTS_NAMESPACE: namespace,
    OUTBOX_POLL_INTERVAL_MS: '200',
    // The relay's claim is half of it: 5 s before a crashed relay's events are claimed again.
    EVENTS_DUPLICATE_WINDOW_MS: '10000',
    CONSUMER_BACKOFF_MS: '200',
  });
  const databaseUrl = (name: keyof typeof databases) => {
    const database = databases[name];
    if (!database) throw new Error(`no ${name} database`);
    return database.url;
  };
  const orderEnv = () => ({
    PORT: '0',
    DATABASE_URL: databaseUrl('order'),
    ACCOUNT_ADDRESS: accountAddress,
    CATALOG_ADDRESS: catalogAddress,
    RECONCILE_INTERVAL_MS: '0',
    ...events(),
  });

  beforeAll(async () => {
    nats = await startNatsServer();
    sink = await startSmtpSink();
    for (const name of ['account', 'catalog', 'order', 'notification'] as const) databases[name] = await createTestDatabase(`emporium_mails_${name}`);
    const account = await startAccountService(
      parseConfig(accountConfigSchema, { PORT: '0', SCRYPT_LOG_N: '10', DATABASE_URL: databaseUrl('account'), ...events() }),
      log,
    );
    running.push(account);
    const catalogService = await startCatalogService(parseConfig(catalogConfigSchema, { PORT: '0', DATABASE_URL: databaseUrl('catalog'), ...events() }), log);
    running.push(catalogService);
    accountAddress = account.address;
    catalogAddress = catalogService.address;
    const notification = await startNotificationService(
      parseConfig(notificationConfigSchema, {
        PORT: '0',
        DATABASE_URL: databaseUrl('notification'),
        ACCOUNT_ADDRESS: account.address,
        SMTP_URL: sink.url,
        SHOP_URL: 'https://shop.example',
        MAIL_POLL_INTERVAL_MS: '200',
        SMTP_RETRY_INITIAL_MS: '50',
        ...events(),
      }),
      log,
    );
    running.push(notification);
    accounts = createAccountClient(account.address);
    catalog = createCatalogClient(catalogService.address);
    const { product } = await catalog.createProduct({
      name: 'Tin whistle',
      description: 'in D',
      price: { currencyCode: 'USD', amountMinor: '1250' },
      stock: 100_000,
    });
    productId = product?.id ?? '';
  });

  afterAll(async () => {
    accounts?.close();
    catalog?.close();
    for (const service of running.reverse()) await service.stop().catch(() => undefined);
    for (const database of Object.values(databases)) await database?.drop();
    await sink?.close();
    await nats?.close();
  });

  async function newCustomer(): Promise<string> {
    const { account } = await accounts.createAccount({ name: 'Piper', email: uniqueEmail('piper'), password: 'long enough password', role: Role.ROLE_CUSTOMER });
    if (!account) throw new Error('no account');
    return account.id;
  }

  /** The confirmations the SMTP server accepted for an order. */
  const confirmationsOf = (orderId: string) => sink.messages.filter((message) => message.messageId === `<order-confirmed.${orderId}@shop.example>`);

  async function placedOrderIds(): Promise<string[]> {
    return withPostgres(databaseUrl('order'), async (client) =>
      (await client.query<{ id: string }>(`select id from orders where status = 'PLACED' order by id`)).rows.map((row) => row.id),
    );
  }

  it('kill -9 of the order service after its relay published and before it marked: after the restart, one e-mail', async () => {
    const crashing = startServiceProcess(orderMain, { ...orderEnv(), FAULT_INJECTION: 'crash-after-publish' });
    const client = createOrderClient(await crashing.listening(), { deadlineMs: 10_000 });
    const accountId = await newCustomer();
    try {
      // The answer may or may not get out before the relay's publish kills the process.
      await client.createOrder({ accountId, lines: [{ productId, quantity: 1 }], idempotencyKey: 'whistle-1' }).catch(() => undefined);
      expect(await crashing.exited).toBeNull(); // killed by SIGKILL, not exited
    } finally {
      client.close();
      crashing.process.kill('SIGKILL');
    }
    const [orderId] = await placedOrderIds();
    if (orderId === undefined) throw new Error('the order was not placed');
    // Published (the process died right after), not marked: the restarted relay publishes it again.
    const unmarked = await withPostgres(databaseUrl('order'), async (db) =>
      (await db.query<{ type: string }>(`select type from outbox_event where published_time is null`)).rows.map((row) => row.type),
    );
    expect(unmarked).toEqual(['emporium.order.v1.OrderPlaced']);

    const restarted = await startOrderService(parseConfig(orderConfigSchema, orderEnv()), log);
    running.push(restarted);
    await eventually(
      () => withPostgres(databaseUrl('order'), async (db) => (await db.query(`select 1 from outbox_event where published_time is null`)).rowCount),
      (count) => count === 0,
      30_000,
    );
    await sink.waitForMessages(1);
    await eventually(() => Promise.resolve(confirmationsOf(orderId).length), (count) => count >= 1, 30_000);
    // A second publish would be a second delivery by now (the stream dropped it: same message id).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(confirmationsOf(orderId)).toHaveLength(1);
    expect(confirmationsOf(orderId)[0]?.text).toContain('Tin whistle');
  });

  it('NATS stopped for 10 s while orders are placed: every order gets its e-mail afterwards, none twice', async () => {
    const order = await startOrderService(parseConfig(orderConfigSchema, orderEnv()), log);
    running.push(order);
    const orders: OrderClient = createOrderClient(order.address, { deadlineMs: 10_000 });
    const accountId = await newCustomer();
    const placed: string[] = [];
    let natsDown = false;
    try {
      await nats.stop();
      natsDown = true;
      const until = Date.now() + 10_000;
      for (let index = 0; Date.now() < until; index++) {
        const { order: created } = await orders.createOrder({ accountId, lines: [{ productId, quantity: 1 }], idempotencyKey: `outage-${index}` });
        expect(created?.status).toBe(OrderStatus.ORDER_STATUS_PLACED);
        placed.push(created?.id ?? '');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      // Nothing went out meanwhile: the confirmations wait in the order service's outbox.
      expect(placed.flatMap(confirmationsOf)).toEqual([]);
      await nats.start();
      natsDown = false;
      await eventually(() => Promise.resolve(placed.filter((id) => confirmationsOf(id).length > 0).length), (count) => count === placed.length, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(placed.length).toBeGreaterThan(5);
      expect(placed.map((id) => confirmationsOf(id).length)).toEqual(placed.map(() => 1));
    } finally {
      orders.close();
      if (natsDown) await nats.start();
    }
  });
});
