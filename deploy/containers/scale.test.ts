import { describe, expect, it } from 'vitest';
import { logInAdmin } from '@emporium/testkit/graphql.js';
import { expectBalancedBooks } from './lib/books.js';
import { useComposeProject, type StackService } from './lib/compose.js';
import { killAndAwaitRestart } from './lib/faults.js';
import { customers, progress, useKeyedLoad } from './lib/load.js';
import { createProduct } from './lib/shop.js';

/*
 * Scale-out on Compose: `up --scale catalog=3 --scale order=2`. The service name resolves to every
 * replica (Compose's DNS), the clients (dns:///…, round_robin) spread their calls over all of them,
 * and a replica killed under load costs no lasting errors and leaves the books balanced. Calls per
 * replica are counted from each container's own log (LOG_LEVEL=debug logs every call it serves).
 */
const SCALE = { catalog: 3, order: 2 } as const;
const stack = useComposeProject({
  name: 'scale',
  scale: SCALE,
  env: { TRUSTED_PROXIES: 'uniquelocal', LOG_LEVEL: 'debug' },
});

const INITIAL_STOCK = 100_000;
const products: string[] = [];
const started = useKeyedLoad(stack, async () => {
  const admin = await logInAdmin(stack);
  for (const name of ['Slate coaster', 'Cork board', 'Rope basket', 'Clay pot']) {
    products.push(await createProduct(stack, admin, { name, price: '5.00', stock: INITIAL_STOCK }));
  }
  return { buyers: await customers(stack, 6), products };
});

/** gRPC calls each replica of a service has served so far, by container id. */
async function callsPerReplica(service: StackService): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const container of await stack.containers(service)) {
    const lines = (await stack.containerLogs(container)).split('\n');
    counts.set(container, lines.filter((line) => line.includes('"msg":"call started"')).length);
  }
  return counts;
}

const short = (counts: Map<string, number>) => Object.fromEntries([...counts].map(([id, n]) => [id.slice(0, 12), n]));

describe('the stack scaled out', () => {
  it('spreads the load over every replica: each serves a fair share', async () => {
    const before = { catalog: await callsPerReplica('catalog'), order: await callsPerReplica('order') };
    await progress(started(), 150);
    for (const service of ['catalog', 'order'] as const) {
      const after = await callsPerReplica(service);
      expect(after.size, service).toBe(SCALE[service]);
      const served = new Map([...after].map(([id, n]) => [id, n - (before[service].get(id) ?? 0)]));
      const total = [...served.values()].reduce((a, b) => a + b, 0);
      console.log(`${service}: ${total} calls over ${served.size} replicas:`, short(served));
      // round_robin: about total / replicas each; half of that is far from pinned and far from noise.
      for (const [id, n] of served) expect(n, `${service} ${id.slice(0, 12)} of ${total}`).toBeGreaterThanOrEqual(total / SCALE[service] / 2);
    }
  });

  it('loses no calls for good when a replica is killed under load, and the books balance after', async () => {
    const load = started();
    const [victim] = await stack.containers('catalog');
    if (victim === undefined) throw new Error('no catalog replica');
    const killedAt = Date.now();
    await killAndAwaitRestart(stack, victim, await stack.nodePid(victim));
    await progress(load, 20);
    const failedDuringKill = load.attempts.filter((attempt) => attempt.at >= killedAt && attempt.error !== undefined).length;
    console.log(`catalog replica killed and back healthy after ${Date.now() - killedAt} ms; ${failedDuringKill} attempts failed meanwhile (retried with their keys)`);

    // From now on: no errors at all, and the restarted replica serves its share again.
    const calm = Date.now();
    const victimBefore = (await callsPerReplica('catalog')).get(victim) ?? 0;
    await progress(load, 60);
    const errorsSince = load.attempts.filter((attempt) => attempt.at >= calm && attempt.error !== undefined);
    expect(errorsSince.map((attempt) => attempt.error)).toEqual([]);
    const victimAfter = (await callsPerReplica('catalog')).get(victim) ?? 0;
    console.log(`the restarted replica served ${victimAfter - victimBefore} calls of the last 60 orders`);
    expect(victimAfter).toBeGreaterThan(victimBefore);
    await load.stop();

    // The calls the kill cut off were retried with their keys: one order each, stock balanced.
    await expectBalancedBooks(stack, load, { products, initialStock: INITIAL_STOCK });
  });
});
