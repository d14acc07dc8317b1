import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventually } from '@emporium/testkit/eventually.js';
import { logInAdmin } from '@emporium/testkit/graphql.js';
import { expectBalancedBooks } from './lib/books.js';
import { useComposeProject, type StackService } from './lib/compose.js';
import { killAndAwaitRestart } from './lib/faults.js';
import { customers, progress, useKeyedLoad } from './lib/load.js';
import { createProduct } from './lib/shop.js';

/*
 * The stack under a keyed order load while its processes die: SIGKILL of the order process, the
 * catalog's, the notification service's, the NATS server's, then PostgreSQL's postmaster (from the
 * host, by the host pid), so each goes down with no chance to finish anything and PostgreSQL
 * recovers from its write-ahead log. The containers come back by their restart policy; the
 * clients retry with the same keys. After: one order per key, stock + units placed = initial,
 * nothing PENDING, no release pending — and in the mail catcher exactly one confirmation per
 * PLACED order, none for anything else.
 */

// Every simulated customer is its own client address (X-Forwarded-For) for the rate limits; the
// stack trusts it from the Docker network's private addresses, as it would from a proxy there.
const stack = useComposeProject({ name: 'faults', env: { TRUSTED_PROXIES: 'uniquelocal' } });

const INITIAL_STOCK = 100_000;
const BUYERS = 8;
const products: string[] = [];
const started = useKeyedLoad(stack, async () => {
  const admin = await logInAdmin(stack);
  for (const name of ['Enamel mug', 'Linen napkin', 'Beeswax candle']) {
    products.push(await createProduct(stack, admin, { name, price: '3.25', stock: INITIAL_STOCK }));
  }
  return { buyers: await customers(stack, BUYERS), products };
});

async function onlyContainer(service: StackService): Promise<string> {
  const [container] = await stack.containers(service);
  if (container === undefined) throw new Error(`${service} is not running`);
  return container;
}

/** SIGKILL of a process, back by its restart policy, then orders answered again: how long it took. */
async function killUnderLoad(service: StackService, container: string, pid: number): Promise<void> {
  const killedAt = Date.now();
  await killAndAwaitRestart(stack, container, pid);
  await progress(started(), 10);
  console.log(`${service}: killed pid ${pid} (SIGKILL), restarted by its policy, orders answered again after ${Date.now() - killedAt} ms`);
}

describe('the stack under faults', () => {
  it('SIGKILL of order, catalog, notification, NATS and PostgreSQL under load: every key one order, stock balanced, one confirmation per order', async () => {
    const load = started();
    await progress(load, 20);
    for (const service of ['order', 'catalog', 'notification'] as const) {
      const container = await onlyContainer(service);
      await killUnderLoad(service, container, await stack.nodePid(container));
    }
    // nats-server is the nats container's own process.
    const nats = await onlyContainer('nats');
    await killUnderLoad('nats', nats, await stack.mainPid(nats));

    // The postmaster is the postgres container's own process: killing it kills every backend.
    const postgres = await onlyContainer('postgres');
    await killUnderLoad('postgres', postgres, await stack.mainPid(postgres));
    // A crash, not a shutdown: the server that came back replayed its write-ahead log.
    expect(await stack.containerLogs(postgres)).toContain('database system was not properly shut down; automatic recovery in progress');

    await load.stop();
    const failed = load.attempts.filter((attempt) => attempt.error !== undefined);
    console.log(`${load.answered.length} orders answered, ${load.attempts.length} attempts, ${failed.length} failed and retried with the same key`);
    // The load did meet the faults: some attempts failed and were retried.
    expect(failed.length).toBeGreaterThan(0);

    await expectBalancedBooks(stack, load, { products, initialStock: INITIAL_STOCK });
    await expectOneConfirmationPerPlacedOrder();
  });
});

// MailDev's API gives each e-mail's headers by lower-case name.
/** The notification service's SMTP_MAX_CONNECTIONS (its default): the mails it can have in flight. */
const NOTIFICATION_SMTP_CONNECTIONS = 2;

const inboxSchema = z.array(z.looseObject({ headers: z.looseObject({ 'message-id': z.string().optional() }) }));

/** Once the outboxes and the mail queue are empty: the mail catcher holds one confirmation per PLACED order. */
async function expectOneConfirmationPerPlacedOrder(): Promise<void> {
  const placed = (await stack.psql('order', `select id from orders where status = 'PLACED'`)).map(([id = '']) => id);
  const confirmationIds = async () => {
    const response = await fetch(new URL('api/email', stack.inboxUrl));
    if (!response.ok) throw new Error(`the inbox answered ${response.status}`);
    return inboxSchema
      .parse(await response.json())
      .map((mail) => /^<order-confirmed\.([0-9a-f-]{36})@/.exec(mail.headers['message-id'] ?? '')?.[1])
      .filter((id) => id !== undefined);
  };
  await eventually(confirmationIds, (ids) => ids.length >= placed.length, 180_000);
  await eventually(
    () => stack.psql('order', `select count(*) from outbox_event where published_time is null`),
    (rows) => rows[0]?.[0] === '0',
    60_000,
  );
  await eventually(
    () => stack.psql('notification', `select count(*) from mail where status = 'PENDING'`),
    (rows) => rows[0]?.[0] === '0',
    60_000,
  );
  const confirmed = await confirmationIds();
  const distinct = [...new Set(confirmed)];
  console.log(`${placed.length} orders PLACED, ${confirmed.length} confirmations in the mail catcher, ${distinct.length} distinct`);
  // Every PLACED order confirmed, nothing else confirmed.
  expect(distinct.toSorted()).toEqual(placed.toSorted());
  // Exactly one per order but for the mails the SMTP server had accepted when the notification
  // process was killed and that it had not recorded yet: SMTP has no two-phase commit, so those go
  // again, under the same Message-ID (receivers drop such copies). At most one per SMTP connection.
  expect(confirmed.length - distinct.length).toBeLessThanOrEqual(NOTIFICATION_SMTP_CONNECTIONS);
}
