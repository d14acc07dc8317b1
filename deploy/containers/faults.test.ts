import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { logInAdmin } from '@emporium/testkit/graphql.js';
import { eventually } from '@emporium/testkit/eventually.js';
import { useComposeProject, type StackService } from './lib/compose.js';
import { customers, progress, useKeyedLoad } from './lib/load.js';
import { createProduct } from './lib/shop.js';

/*
 * The stack under a keyed order load while its processes die: kill -9 of the order and then the
 * catalog process (from the host, by the host pid `docker top` gives), and a PostgreSQL restart.
 * The containers come back by their restart policy; the clients retry with the same keys. After:
 * one order per key, stock + units placed = initial stock, nothing PENDING, no release pending.
 */

const exec = promisify(execFile);
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

/** kill -9 of the service's node process from the host; waits until its restart policy brought it back healthy. */
async function killAndAwaitRestart(service: StackService): Promise<number> {
  const [container] = await stack.containers(service);
  if (container === undefined) throw new Error(`${service} is not running`);
  const before = await stack.state(container);
  const pid = await stack.nodePid(container);
  const killedAt = Date.now();
  await exec('kill', ['-9', String(pid)]);
  await eventually(
    () => stack.state(container),
    (state) => state.restarts > before.restarts && state.status === 'running' && state.health === 'healthy',
    120_000,
  );
  // Recovered: orders are answered again.
  await progress(started(), 10);
  const recoveryMs = Date.now() - killedAt;
  console.log(`${service}: killed pid ${pid}, restarted by its policy, orders answered again after ${recoveryMs} ms`);
  return recoveryMs;
}

describe('the stack under faults', () => {
  it('kill -9 of order, then catalog, and a PostgreSQL restart under load: every key one order, stock balanced', async () => {
    const load = started();
    await progress(load, 20);
    await killAndAwaitRestart('order');
    await killAndAwaitRestart('catalog');

    const postgresAt = Date.now();
    await stack.compose(['restart', '--timeout', '10', 'postgres'], 180_000);
    await progress(load, 10);
    console.log(`postgres: restarted, orders answered again after ${Date.now() - postgresAt} ms`);

    await load.stop();
    const failed = load.attempts.filter((attempt) => attempt.error !== undefined);
    console.log(`${load.answered.length} orders answered, ${load.attempts.length} attempts, ${failed.length} failed and retried with the same key`);
    // The load did meet the faults: some attempts failed and were retried.
    expect(failed.length).toBeGreaterThan(0);

    // Nothing PENDING and no stock release outstanding, once the reconciler has been round.
    await eventually(
      () => stack.psql('order', `select count(*) from orders where status = 'PENDING' or release_pending`),
      (rows) => rows[0]?.[0] === '0',
      120_000,
    );

    // Exactly one order per key, and it is the one the client was answered with.
    const keys = load.answered.map((order) => order.key);
    expect(new Set(keys).size).toBe(keys.length);
    const stored = await stack.psql('order', `select idempotency_key, id, status from orders where idempotency_key like 'load-%'`);
    expect(stored).toHaveLength(keys.length);
    const byKey = new Map(stored.map(([key = '', id = '', status = '']) => [key, { id, status }]));
    for (const order of load.answered) expect(byKey.get(order.key)?.id, order.key).toBe(order.orderId);
    // Nothing was out of stock and nobody cancelled: every order ended PLACED.
    expect(new Set(stored.map((row) => row[2]))).toEqual(new Set(['PLACED']));

    // Stock + units placed = initial stock, for every product.
    const placed = new Map(
      (
        await stack.psql(
          'order',
          `select l.product_id, sum(l.quantity) from order_line l join orders o on o.id = l.order_id where o.status = 'PLACED' group by l.product_id`,
        )
      ).map(([id = '', units = '']) => [id, Number(units)]),
    );
    const stock = new Map(
      (await stack.psql('catalog', `select id, stock from product`)).map(([id = '', units = '']) => [id, Number(units)]),
    );
    for (const product of products) {
      expect((stock.get(product) ?? Number.NaN) + (placed.get(product) ?? 0), product).toBe(INITIAL_STOCK);
    }
    const expected = new Map<string, number>();
    for (const order of load.answered) {
      for (const item of order.items) expected.set(item.productId, (expected.get(item.productId) ?? 0) + item.quantity);
    }
    expect(placed).toEqual(expected);
  });
});
