import type { LoadRequest } from '../load/http.js';
import { SeededRandom } from '../load/seeded-random.js';
import type { PgbenchScript } from '../targets/pgbench.js';
import {
  ACCOUNT_BY_ID,
  ORDER_BY_ID,
  ORDER_BY_KEY,
  ORDER_INSERT,
  ORDER_LINE_SNAPSHOT,
  ORDER_PLACE,
  RESERVATION_CLAIM,
  RESERVATION_LINE,
  RESERVATION_TAKE,
  forPgbench,
  orderLinesInsert,
  reservationLock,
  sqlText,
} from '../targets/service-sql.js';
import { checkPlacedOrders } from './order-books.js';
import { keyPrefix, seedFor, type PlanOf, type Requests } from './plan.js';
import { bearer, graphqlBody, idempotencyKeys } from './requests.js';

// Scenario 4, order: createOrder, the write path (gateway → order → account + catalog), as one of
// the logged-in customers. Floor, and a ceiling of one pgbench script per database.

/**
 * Customers order two distinct random products, 1-3 of each, with an idempotency key
 * as a careful client does. Stock is ample, so every order is placed.
 */
export function orderRequests(seed: number, productIds: readonly string[], tokens: readonly string[], prefix: string): () => LoadRequest {
  const random = new SeededRandom(seed);
  const nextKey = idempotencyKeys(prefix);
  return () => {
    const first = random.int(0, productIds.length - 1);
    const second = (first + random.int(1, productIds.length - 1)) % productIds.length;
    const items = [first, second].map((index) => ({ productId: productIds[index] ?? '', quantity: random.int(1, 3) }));
    return {
      body: graphqlBody('CreateOrder', { input: { items, idempotencyKey: nextKey() } }),
      headers: bearer(random.pick(tokens)),
    };
  };
}

/** Two distinct random products and their quantities, as the order scenario orders them. */
function orderLinesSetup(products: number): string[] {
  return [
    `\\set p1 random(1, ${products})`,
    `\\set p2 1 + (:p1 - 1 + random(1, ${products - 1})) % ${products}`,
    `\\set q1 random(1, 3)`,
    `\\set q2 random(1, 3)`,
  ];
}

/** A snapshot name and price of the right size; pgbench cannot carry the locked rows' own values along. */
const SNAPSHOT_NAME = sqlText('Sturdy Oak Lamp');
const SNAPSHOT_PRICE = '1999';

/**
 * The order scenario needs SQL in all three databases, so its ceiling is three scripts, one per database,
 * each everything one createOrder asks of that database, in the services' order.
 */
export function orderScripts(sizes: { products: number; accounts: number }): { account: PgbenchScript; catalog: PgbenchScript; order: PgbenchScript } {
  const account: PgbenchScript = {
    name: 'order-account',
    text: [`\\set a random(1, ${sizes.accounts})`, forPgbench(ACCOUNT_BY_ID, ['bench.id(2, :a)'])].join('\n'),
  };
  const catalog: PgbenchScript = {
    name: 'order-catalog',
    text: [
      ...orderLinesSetup(sizes.products),
      'begin;',
      // The reservation id is new for each order; gen_random_uuid() stands in for the order id.
      forPgbench(RESERVATION_CLAIM, ['gen_random_uuid()', sqlText('HELD')]).replace(/;$/, ' \\gset r_'),
      forPgbench(reservationLock(2), ['bench.id(1, :p1)', 'bench.id(1, :p2)']),
      forPgbench(RESERVATION_TAKE, [':q1', 'bench.id(1, :p1)']),
      forPgbench(RESERVATION_LINE, [':r_id', 'bench.id(1, :p1)', '0', SNAPSHOT_NAME, sqlText('USD'), SNAPSHOT_PRICE, ':q1']),
      forPgbench(RESERVATION_TAKE, [':q2', 'bench.id(1, :p2)']),
      forPgbench(RESERVATION_LINE, [':r_id', 'bench.id(1, :p2)', '1', SNAPSHOT_NAME, sqlText('USD'), SNAPSHOT_PRICE, ':q2']),
      'commit;',
    ].join('\n'),
  };
  const order: PgbenchScript = {
    name: 'order-order',
    text: [
      `\\set a random(1, ${sizes.accounts})`,
      ...orderLinesSetup(sizes.products),
      // A fresh key: the lookup finds nothing, as for a first attempt.
      `\\set key random(1, 1000000000000)`,
      forPgbench(ORDER_BY_KEY, ['bench.id(2, :a)', `'pgbench-' || :key::text`]),
      'begin;',
      forPgbench(ORDER_INSERT, [
        'gen_random_uuid()',
        'bench.id(2, :a)',
        sqlText('PENDING'),
        `'pgbench-' || :key::text`,
        sqlText('pgbench-fingerprint-of-the-request-43chars'),
        'null',
        'null',
        'null',
      ]).replace(/;$/, ' \\gset o_'),
      forPgbench(orderLinesInsert(2), [
        ':o_id', '1', 'bench.id(1, :p1)', ':q1', 'null', 'null',
        ':o_id', '2', 'bench.id(1, :p2)', ':q2', 'null', 'null',
      ]),
      'commit;',
      forPgbench(ORDER_BY_ID, [':o_id']),
      'begin;',
      forPgbench(ORDER_PLACE, [sqlText('PLACED'), sqlText('USD'), '3998', ':o_id', sqlText('PENDING')]),
      forPgbench(ORDER_LINE_SNAPSHOT, [SNAPSHOT_NAME, SNAPSHOT_PRICE, ':o_id', 'bench.id(1, :p1)']),
      forPgbench(ORDER_LINE_SNAPSHOT, [SNAPSHOT_NAME, SNAPSHOT_PRICE, ':o_id', 'bench.id(1, :p2)']),
      'commit;',
      forPgbench(ORDER_BY_ID, [':o_id']),
    ].join('\n'),
  };
  return { account, catalog, order };
}

export const order: PlanOf = (id, options, { fixtures, databases }) => {
  const scripts = orderScripts(options.data);
  const requests =
    (target: 'gateway' | 'floor'): Requests =>
    (load) =>
      orderRequests(seedFor(options, id, load), fixtures.productIds, fixtures.customerTokens, keyPrefix(id, target, load));
  return {
    title: 'createOrder (write path)',
    connections: options.connections,
    request: 'createOrder: 2 random products × 1-3, ample stock, idempotency key — as one of the logged-in customers',
    gateway: requests('gateway'),
    // Orders get new ids and times on each side; their shape and money must still agree.
    floor: { requests: requests('floor'), comparison: 'same JSON shape', operation: 'CreateOrder' },
    ceiling: [
      { database: 'account', scripts: [scripts.account] },
      { database: 'catalog', scripts: [scripts.catalog] },
      { database: 'order', scripts: [scripts.order] },
    ],
    expectedErrors: [],
    afterAll: async (results) => [
      await checkPlacedOrders(databases.order, `s${id}-gateway-`, results.gateway, options.connections),
      await checkPlacedOrders(databases.order, `s${id}-floor-`, results.floor, options.connections),
    ],
  };
};
