import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { MailStatus } from '@emporium/contracts/emporium/notification/v1/notification.js';
import { parseConfig, serviceConfigShape } from '@emporium/kit/config.js';
import { defineEvent, type EventType } from '@emporium/kit/events.js';
import { newId } from '@emporium/kit/ids.js';
import { outboxMigration, recordEvent } from '@emporium/kit/outbox.js';
import { startService, type RunningService } from '@emporium/kit/start-service.js';
import { createTestDatabase, type TestDatabase } from '@emporium/testkit/databases.js';
import { eventually } from '@emporium/testkit/eventually.js';
import { SHARED_NATS_URL, uniqueNamespace } from '@emporium/testkit/nats.js';
import { log } from '@emporium/testkit/stack.js';
import type { AccountCreatedPayload, MailEvents, OrderCancelledPayload, OrderPlacedPayload } from '../src/consumers.js';
import { useNotificationHarness } from './helpers.js';

/*
 * The event -> mail path through the kit: a stand-in producer (a service with an outbox and its
 * relay) records events under the producers' type names, JetStream (the machine's nats-server, in
 * a namespace of this file's own) carries them, and the notification service's durable consumers
 * queue the mails that the SMTP sink receives. The payloads travel as JSON here: the path does not
 * depend on the codec, and the producers' proto types are theirs to test.
 */

const money = z.object({ currencyCode: z.string(), amountMinor: z.string() });
function jsonEvent<T>(typeName: string, schema: z.ZodType<T>): EventType<T> {
  return defineEvent<T>(typeName, {
    encode: (message) => ({ finish: () => new TextEncoder().encode(JSON.stringify(message)) }),
    decode: (bytes) => schema.parse(JSON.parse(new TextDecoder().decode(bytes))),
  });
}
const accountCreated = jsonEvent<AccountCreatedPayload>(
  'emporium.account.v1.AccountCreated',
  z.object({ accountId: z.string(), name: z.string(), email: z.string() }),
);
const orderPlaced = jsonEvent<OrderPlacedPayload>(
  'emporium.order.v1.OrderPlaced',
  z.object({
    orderId: z.string(),
    accountId: z.string(),
    lines: z.array(z.object({ productId: z.string(), name: z.string(), quantity: z.number(), unitPrice: money.optional() })),
    total: money.optional(),
  }),
);
const orderCancelled = jsonEvent<OrderCancelledPayload>('emporium.order.v1.OrderCancelled', z.object({ orderId: z.string(), accountId: z.string() }));
const events: MailEvents = { accountCreated, orderPlaced, orderCancelled };

interface Producer {
  readonly running: RunningService<unknown>;
  readonly database: TestDatabase;
}

describe('notification service consuming events from NATS', () => {
  const namespace = uniqueNamespace('notify');
  const natsEnv = { NATS_URL: SHARED_NATS_URL, EVENTS_NAMESPACE: namespace, CONSUMER_MAX_DELIVER: '3', CONSUMER_BACKOFF_MS: '100' };
  const harness = useNotificationHarness(natsEnv, { events });
  let producer: Producer | undefined;

  beforeAll(async () => {
    const database = await createTestDatabase('emporium_producer');
    try {
      const config = parseConfig(z.object(serviceConfigShape({ service: 'producer', port: 0, metricsPort: 0 })), {
        ...natsEnv,
        DATABASE_URL: database.url,
        OUTBOX_POLL_INTERVAL_MS: '100',
      });
      const running = await startService<unknown>({
        config,
        log,
        migrations: { '0001_outbox': outboxMigration },
        events: { service: 'producer', outbox: true },
        build: () => [],
      });
      producer = { running, database };
    } catch (error) {
      await database.drop();
      throw error;
    }
  });
  afterAll(async () => {
    await producer?.running.stop();
    await producer?.database.drop();
  });

  /** Records one event in its own transaction, as a producer's change would. */
  const publish = <T>(type: EventType<T>, aggregateId: string, aggregateVersion: number, payload: T) => {
    if (!producer) throw new Error('no producer');
    const db: Kysely<unknown> = producer.running.database.db;
    return db.transaction().execute((trx) => recordEvent(trx, { type, aggregateId, aggregateVersion, payload }));
  };
  const parked = async () => {
    const { rows } = await sql<{ type: string; error: string }>`select type, error from parked_event order by park_time`.execute(
      harness.notification.database.db,
    );
    return rows;
  };

  it('mails a welcome for AccountCreated', async () => {
    const accountId = newId();
    await publish(accountCreated, accountId, 1, { accountId, name: 'Ada', email: `ada.${accountId}@example.com` });
    const mail = await harness.settled(`welcome:${accountId}`);
    expect(mail).toMatchObject({ status: MailStatus.MAIL_STATUS_SENT, recipient: `ada.${accountId}@example.com` });
  });

  it('mails one confirmation for an order placed, however many events report it, and a cancellation', async () => {
    const account = await harness.newAccount();
    const orderId = newId();
    const payload = {
      orderId,
      accountId: account.id,
      lines: [{ productId: newId(), name: 'Lamp', quantity: 2, unitPrice: { currencyCode: 'EUR', amountMinor: '1250' } }],
      total: { currencyCode: 'EUR', amountMinor: '2500' },
    };
    // Two events of the same fact under different ids (a replay): one mail. (The kit skips the
    // second as stale, version 2 again; the fact's unique mail row is the guard for the rest.)
    await publish(orderPlaced, orderId, 2, payload);
    await publish(orderPlaced, orderId, 2, payload);
    await publish(orderCancelled, orderId, 3, { orderId, accountId: account.id });
    const confirmed = await harness.settled(`order-confirmed:${orderId}`);
    const cancelled = await harness.settled(`order-cancelled:${orderId}`);
    expect([confirmed.status, cancelled.status]).toEqual([MailStatus.MAIL_STATUS_SENT, MailStatus.MAIL_STATUS_SENT]);
    const [message] = harness.sink.messages.filter((sent) => sent.messageId === confirmed.messageId);
    expect(message?.text).toContain('2 x Lamp at €12.50: €25.00');
    expect(harness.sink.messages.filter((sent) => sent.messageId === confirmed.messageId)).toHaveLength(1);
  });

  it('parks an order event whose account does not exist, and keeps the stream flowing', async () => {
    const stranger = newId();
    const lost = newId();
    await publish(orderCancelled, lost, 3, { orderId: lost, accountId: stranger });
    const account = await harness.newAccount();
    const after = newId();
    await publish(orderCancelled, after, 3, { orderId: after, accountId: account.id });
    expect((await harness.settled(`order-cancelled:${after}`)).status).toBe(MailStatus.MAIL_STATUS_SENT);
    const rows = await eventually(parked, (found) => found.length > 0);
    expect(rows).toEqual([{ type: 'emporium.order.v1.OrderCancelled', error: `no account has id ${stranger}` }]);
    expect(await harness.mailsOf(`order-cancelled:${lost}`)).toEqual([]);
  });
});
