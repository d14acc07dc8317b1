import { describe, expect, it } from 'vitest';
import { MailStatus } from '@emporium/contracts/emporium/notification/v1/notification.js';
import { newId } from '@emporium/kit/ids.js';
import { checkHealth } from '@emporium/kit/grpc-health.js';
import { isDomainError } from '@emporium/kit/errors.js';
import { listServicesByReflection } from '@emporium/testkit/reflection.js';
import { eventually } from '@emporium/testkit/eventually.js';
import { expectError, failure } from '@emporium/testkit/errors.js';
import { startSmtpSink } from '@emporium/testkit/smtp-sink.js';
import { tcpRelay } from '@emporium/testkit/tcp-relay.js';
import type { OrderPlacedPayload } from '../src/consumers.js';
import { UnknownRecipientError } from '../src/model.js';
import { SHOP_HOST, SHOP_URL, useNotificationHarness, type NewAccount } from './helpers.js';

const usd = (amountMinor: string) => ({ currencyCode: 'USD', amountMinor });

/** An OrderPlaced payload whose products exist nowhere: the mail can only be priced from it. */
function placed(account: NewAccount, orderId = newId()): OrderPlacedPayload {
  return {
    orderId,
    accountId: account.id,
    lines: [
      { productId: newId(), name: 'Dime candy', quantity: 3, unitPrice: usd('10') },
      { productId: newId(), name: 'Book', quantity: 7, unitPrice: usd('1999') },
    ],
    total: usd('14023'),
  };
}

describe('notification service', () => {
  const harness = useNotificationHarness();
  const handlers = () => harness.notification.handlers;
  const queueOrder = (payload: OrderPlacedPayload, eventId = newId()) =>
    harness.inTransaction((trx) => handlers().orderPlaced(payload, trx, eventId));
  const messagesWithId = (messageId: string) => harness.sink.messages.filter((message) => message.messageId === messageId);

  it('serves health and reflection', async () => {
    const address = harness.notification.address;
    expect(await checkHealth(address, 'emporium.notification.v1.NotificationService')).toBe('SERVING');
    expect(await listServicesByReflection(address)).toContain('emporium.notification.v1.NotificationService');
  });

  it('mails a welcome to the address AccountCreated carries', async () => {
    const accountId = newId();
    const email = `welcome.${accountId}@example.com`;
    const queued = await harness.inTransaction((trx) => handlers().accountCreated({ accountId, name: 'Ada Lovelace', email }, trx, newId()));
    expect(queued).toBe(true);
    const mail = await harness.settled(`welcome:${accountId}`);
    expect(mail).toMatchObject({
      status: MailStatus.MAIL_STATUS_SENT,
      accountId,
      recipient: email,
      attempts: 1,
      lastError: '',
      messageId: `<welcome.${accountId}@${SHOP_HOST}>`,
    });
    expect(mail.sentTime).toBeInstanceOf(Date);
    const [message] = messagesWithId(mail.messageId);
    expect(message?.subject).toBe('Welcome to Emporium Test');
    expect(message?.from?.value).toEqual([{ name: 'Emporium Test', address: 'shop@shop.example' }]);
    expect(message?.to && !Array.isArray(message.to) ? message.to.value : []).toEqual([{ name: 'Ada Lovelace', address: email }]);
    expect(message?.text).toContain('Hello Ada Lovelace,');
    expect(message?.html).toContain(`<a href="${SHOP_URL}/">Start shopping</a>`);
  });

  it('confirms an order to the account’s address, priced from the event’s snapshot alone', async () => {
    const account = await harness.newAccount('Grace');
    const payload = placed(account);
    expect(await queueOrder(payload)).toBe(true);
    const mail = await harness.settled(`order-confirmed:${payload.orderId}`);
    expect(mail).toMatchObject({ status: MailStatus.MAIL_STATUS_SENT, accountId: account.id, recipient: account.email });
    expect(mail.messageId).toBe(`<order-confirmed.${payload.orderId}@${SHOP_HOST}>`);
    const [message] = messagesWithId(mail.messageId);
    // The products are in no catalog: every name and price here came from the event.
    expect(message?.text).toContain('  3 x Dime candy at $0.10: $0.30\n  7 x Book at $19.99: $139.93\n');
    expect(message?.text).toContain('Total: $140.23');
    expect(message?.html).toContain('$140.23');
    expect(message?.subject).toBe(`Your Emporium Test order ${payload.orderId}`);
  });

  it('sends a cancellation notice', async () => {
    const account = await harness.newAccount('Linus');
    const orderId = newId();
    await harness.inTransaction((trx) => handlers().orderCancelled({ orderId, accountId: account.id }, trx, newId()));
    const mail = await harness.settled(`order-cancelled:${orderId}`);
    expect(mail.status).toBe(MailStatus.MAIL_STATUS_SENT);
    const [message] = messagesWithId(`<order-cancelled.${orderId}@${SHOP_HOST}>`);
    expect(message?.subject).toBe(`Your Emporium Test order ${orderId} is cancelled`);
  });

  it('sends one mail per business fact, however many events report it, concurrent ones included', async () => {
    const account = await harness.newAccount();
    const payload = placed(account);
    // Two deliveries of the same fact under different event ids (a producer's retry, a replay).
    const results = await Promise.all([queueOrder(payload), queueOrder(payload), queueOrder(payload)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await queueOrder(payload)).toBe(false);
    const mail = await harness.settled(`order-confirmed:${payload.orderId}`);
    expect(mail.status).toBe(MailStatus.MAIL_STATUS_SENT);
    expect(await harness.mailsOf(`order-confirmed:${payload.orderId}`)).toHaveLength(1);
    expect(messagesWithId(mail.messageId)).toHaveLength(1);
  });

  it('queues nothing when the consumer’s transaction rolls back', async () => {
    const account = await harness.newAccount();
    const payload = placed(account);
    const rolledBack = new Error('the consumer’s transaction failed after the handler');
    await expect(
      harness.inTransaction(async (trx) => {
        await handlers().orderPlaced(payload, trx, newId());
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
    expect(await harness.mailsOf(`order-confirmed:${payload.orderId}`)).toEqual([]);
    // The redelivered event queues it then.
    expect(await queueOrder(payload)).toBe(true);
    expect((await harness.settled(`order-confirmed:${payload.orderId}`)).status).toBe(MailStatus.MAIL_STATUS_SENT);
  });

  it('retries a temporary refusal (4xx) with backoff, then delivers it once, under the same Message-ID', async () => {
    const account = await harness.newAccount();
    const payload = placed(account);
    harness.sink.refuseNext(421, 2);
    await queueOrder(payload);
    const mail = await harness.settled(`order-confirmed:${payload.orderId}`);
    expect(mail).toMatchObject({ status: MailStatus.MAIL_STATUS_SENT, attempts: 3 });
    expect(mail.lastError).toMatch(/^421 /);
    expect(harness.sink.refusals.filter((refusal) => refusal.messageId === mail.messageId).map((refusal) => refusal.code)).toEqual([421, 421]);
    expect(messagesWithId(mail.messageId)).toHaveLength(1);
  });

  it('records a permanent refusal (5xx) as FAILED with the server’s answer, and does not retry it', async () => {
    const account = await harness.newAccount();
    const payload = placed(account);
    harness.sink.refuseNext(550, 1);
    await queueOrder(payload);
    const mail = await harness.settled(`order-confirmed:${payload.orderId}`);
    expect(mail).toMatchObject({ status: MailStatus.MAIL_STATUS_FAILED, attempts: 1 });
    expect(mail.lastError).toMatch(/^550 Mailbox unavailable/);
    expect(mail.nextAttemptTime).toBeUndefined();
    expect(messagesWithId(mail.messageId)).toEqual([]);
    // Later passes leave it alone: a mail queued after it is sent while it stays FAILED after one attempt.
    const next = placed(account);
    await queueOrder(next);
    expect((await harness.settled(`order-confirmed:${next.orderId}`)).status).toBe(MailStatus.MAIL_STATUS_SENT);
    expect(await harness.mailsOf(`order-confirmed:${payload.orderId}`)).toMatchObject([{ status: MailStatus.MAIL_STATUS_FAILED, attempts: 1 }]);
  });

  it('parks (throws UnknownRecipientError) for an account that does not exist, queuing nothing', async () => {
    const payload = placed({ id: newId(), name: 'Nobody', email: 'nobody@example.com' });
    const error = await queueOrder(payload).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnknownRecipientError);
    expect(await harness.mailsOf(`order-confirmed:${payload.orderId}`)).toEqual([]);
  });

  it('refuses a malformed event as INVALID_ARGUMENT (it can never be handled)', async () => {
    const account = await harness.newAccount();
    const payload = { ...placed(account), total: undefined };
    const error = await queueOrder(payload).catch((caught: unknown) => caught);
    expect(isDomainError(error, 'INVALID_ARGUMENT')).toBe(true);
  });

  it('lists mails by account and by fact, newest first, in pages', async () => {
    const account = await harness.newAccount();
    const orders = [placed(account), placed(account), placed(account)];
    for (const payload of orders) await queueOrder(payload);
    const first = await harness.client.listMails({ accountId: account.id, factPrefix: '', pageSize: 2, pageToken: '' });
    expect(first.mails.map((mail) => mail.fact)).toEqual([`order-confirmed:${orders[2]?.orderId}`, `order-confirmed:${orders[1]?.orderId}`]);
    const second = await harness.client.listMails({ accountId: account.id, factPrefix: '', pageSize: 2, pageToken: first.nextPageToken });
    expect(second.mails.map((mail) => mail.fact)).toEqual([`order-confirmed:${orders[0]?.orderId}`]);
    expect(second.nextPageToken).toBe('');
    // A token is bound to its filters.
    await expectError(harness.client.listMails({ accountId: '', factPrefix: '', pageSize: 2, pageToken: first.nextPageToken }), 'INVALID_ARGUMENT', 'page_token');
    const { mail } = await harness.client.getMail({ id: first.mails[0]?.id ?? '' });
    expect(mail?.fact).toBe(`order-confirmed:${orders[2]?.orderId}`);
    expect((await failure(harness.client.getMail({ id: newId() }))).kind).toBe('NOT_FOUND');
  });
});

describe('notification service, two replicas and an SMTP server away', () => {
  const harness = useNotificationHarness();
  const factsOf = (payloads: readonly OrderPlacedPayload[]) => payloads.map((payload) => `order-confirmed:${payload.orderId}`);
  const senders: Array<{ stop(): Promise<void> }> = [];

  it('delivers each mail once with two replicas sending from one table', async () => {
    senders.push(harness.notification, await harness.startReplica());
    const account = await harness.newAccount();
    const payloads = Array.from({ length: 40 }, () => placed(account));
    await Promise.all(payloads.map((payload) => harness.inTransaction((trx) => harness.notification.handlers.orderPlaced(payload, trx, newId()))));
    const mails = await eventually(
      async () => (await harness.client.listMails({ accountId: account.id, factPrefix: '', pageSize: 100, pageToken: '' })).mails,
      (listed) => listed.length === payloads.length && listed.every((mail) => mail.status === MailStatus.MAIL_STATUS_SENT),
    );
    expect(mails.map((mail) => mail.fact).sort()).toEqual(factsOf(payloads).sort());
    expect(mails.every((mail) => mail.attempts === 1)).toBe(true);
    const delivered = harness.sink.messages.filter((message) => mails.some((mail) => mail.messageId === message.messageId));
    expect(delivered).toHaveLength(payloads.length);
  });

  it('retries while the SMTP server cannot be reached, and delivers once it is back', async () => {
    const relay = await tcpRelay(harness.sink.url, 25);
    try {
      relay.cut();
      // This replica is the only one that delivers, and its only SMTP server is away.
      for (const sender of senders) await sender.stop();
      const replica = await harness.startReplica({ SMTP_URL: `smtp://127.0.0.1:${relay.port}` });
      senders.push(replica);
      const account = await harness.newAccount();
      const payload = placed(account);
      await replica.database.db.transaction().execute((trx) => replica.handlers.orderPlaced(payload, trx, newId()));
      const fact = `order-confirmed:${payload.orderId}`;
      const [failing] = await eventually(
        () => harness.mailsOf(fact, replica),
        ([mail]) => (mail?.attempts ?? 0) >= 2,
      );
      expect(failing?.status).toBe(MailStatus.MAIL_STATUS_PENDING);
      expect(failing?.lastError).not.toBe('');
      relay.restore();
      const sent = await harness.settled(fact, replica);
      expect(sent.status).toBe(MailStatus.MAIL_STATUS_SENT);
      expect(harness.sink.messages.filter((message) => message.messageId === sent.messageId)).toHaveLength(1);
    } finally {
      await relay.close();
    }
  });

  it('wakes its sender when a mail is queued, without waiting for a poll', async () => {
    for (const sender of senders) await sender.stop();
    // Polls an hour apart: only being woken gets this mail out.
    const replica = await harness.startReplica({ MAIL_POLL_INTERVAL_MS: '3600000' });
    senders.push(replica);
    const account = await harness.newAccount();
    const payload = placed(account);
    await replica.database.db.transaction().execute((trx) => replica.handlers.orderPlaced(payload, trx, newId()));
    expect((await harness.settled(`order-confirmed:${payload.orderId}`, replica)).status).toBe(MailStatus.MAIL_STATUS_SENT);
  });

  it('records SENT once the database is back when it went away as the SMTP server accepted: no second copy', async () => {
    // Only the replica below delivers (the harness's own service too would send to its own sink).
    for (const sender of [harness.notification, ...senders]) await sender.stop();
    const database = await tcpRelay(harness.databaseUrl, 5432);
    // The database goes away between the SMTP server's acceptance and the sender's record of it.
    const sink = await startSmtpSink({ beforeAccept: () => database.cut() });
    try {
      const url = new URL(harness.databaseUrl);
      url.host = `127.0.0.1:${database.port}`;
      // A lease of a second: without the record, the mail would be due again a second later.
      const replica = await harness.startReplica({ SMTP_URL: sink.url, DATABASE_URL: url.toString(), MAIL_LEASE_MS: '1000', SMTP_TIMEOUT_MS: '300' });
      senders.push(replica);
      const account = await harness.newAccount();
      const payload = placed(account);
      await replica.database.db.transaction().execute((trx) => replica.handlers.orderPlaced(payload, trx, newId()));
      await sink.waitForMessages(1);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      database.restore();
      const sent = await harness.settled(`order-confirmed:${payload.orderId}`, replica);
      expect(sent.status).toBe(MailStatus.MAIL_STATUS_SENT);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(sink.messages.filter((message) => message.messageId === sent.messageId)).toHaveLength(1);
    } finally {
      await sink.close();
      await database.close();
    }
  });
});
