import type { LoadRequest } from './load.js';
import type { PgbenchScript } from './pgbench.js';
import { SeededRandom } from './random.js';
import {
  ACCOUNT_BY_ID,
  ORDER_BY_ID,
  ORDER_BY_KEY,
  ORDER_INSERT,
  ORDER_LINE_SNAPSHOT,
  ORDER_PLACE,
  PRODUCT_BY_ID,
  RESERVATION_CLAIM,
  RESERVATION_LINE,
  RESERVATION_TAKE,
  SEARCH_COUNT,
  SEARCH_PAGE,
  forPgbench,
  orderLinesInsert,
  reservationLock,
} from './sql.js';
import { SEARCH_WORDS } from './words.js';

// The timed-load scenarios (search, product, nested, order, hot-order): what each sends, and the pgbench
// scripts of the same SQL.

/** The GraphQL documents, sent verbatim; the monolith floor answers them by operation name. */
export const DOCUMENTS = {
  Search: `query Search($query: String!) { products(first: 20, query: $query) { totalCount nodes { id name price { amount currencyCode } stock } } }`,
  Product: `query Product($id: ID!) { product(id: $id) { id name description price { amount currencyCode } stock } }`,
  Nested: `query Nested { accounts(first: 50) { nodes { orders { nodes { items { product { name } } } } } } }`,
  CreateOrder: `mutation CreateOrder($input: CreateOrderInput!) { createOrder(input: $input) { id status total { amount currencyCode } items { productId quantity unitPrice { amount currencyCode } } } }`,
} as const;

export type OperationName = keyof typeof DOCUMENTS;

/** The page size of the Search document (`first: 20`); the services fetch one more to see if a next page exists. */
export const SEARCH_PAGE_SIZE = 20;

export function graphqlBody(operationName: OperationName, variables: Record<string, unknown>): string {
  return JSON.stringify({ operationName, query: DOCUMENTS[operationName], variables });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** search: the search words in a seeded order. */
export function searchRequests(seed: number): () => LoadRequest {
  const random = new SeededRandom(seed);
  return () => ({ body: graphqlBody('Search', { query: random.pick(SEARCH_WORDS) }), headers: {} });
}

/** product: point reads of seeded products, uniformly at random. */
export function productRequests(seed: number, productIds: readonly string[]): () => LoadRequest {
  const random = new SeededRandom(seed);
  return () => ({ body: graphqlBody('Product', { id: random.pick(productIds) }), headers: {} });
}

/** nested: the nested query, as an administrator (only they may list accounts). */
export function nestedRequests(adminToken: string): () => LoadRequest {
  const body = graphqlBody('Nested', {});
  return () => ({ body, headers: bearer(adminToken) });
}

/** Idempotency keys unique across the whole benchmark run: "<prefix>-<n>". */
function keys(prefix: string): () => string {
  let counter = 0;
  return () => `${prefix}-${++counter}`;
}

/**
 * order: customers order two distinct random products, 1-3 of each, with an idempotency key
 * as a careful client does. Stock is ample, so every order is placed.
 */
export function orderRequests(seed: number, productIds: readonly string[], tokens: readonly string[], keyPrefix: string): () => LoadRequest {
  const random = new SeededRandom(seed);
  const nextKey = keys(keyPrefix);
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

/** hot-order: every customer orders one unit of the same hot product until it runs out. */
export function hotOrderRequests(seed: number, hotProductId: string, tokens: readonly string[], keyPrefix: string): () => LoadRequest {
  const random = new SeededRandom(seed);
  const nextKey = keys(keyPrefix);
  return () => ({
    body: graphqlBody('CreateOrder', { input: { items: [{ productId: hotProductId, quantity: 1 }], idempotencyKey: nextKey() } }),
    headers: bearer(random.pick(tokens)),
  });
}

// --- pgbench scripts: the same statements, ids computed by the seed's bench.id() -----------------

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** search: one script per search word (pgbench picks among them), both statements of a search. */
export function searchScripts(): PgbenchScript[] {
  return SEARCH_WORDS.map((word) => ({
    name: `search-${word}`,
    text: [
      forPgbench(SEARCH_PAGE, [quote(word), quote(word), String(SEARCH_PAGE_SIZE + 1)]),
      forPgbench(SEARCH_COUNT, [quote(word)]),
    ].join('\n'),
  }));
}

/** product: a point read of a random seeded product. */
export function productScript(products: number): PgbenchScript {
  return { name: 'product', text: [`\\set n random(1, ${products})`, forPgbench(PRODUCT_BY_ID, ['bench.id(1, :n)'])].join('\n') };
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
const SNAPSHOT_NAME = quote('Sturdy Oak Lamp');
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
      forPgbench(RESERVATION_CLAIM, ['gen_random_uuid()', quote('HELD')]).replace(/;$/, ' \\gset r_'),
      forPgbench(reservationLock(2), ['bench.id(1, :p1)', 'bench.id(1, :p2)']),
      forPgbench(RESERVATION_TAKE, [':q1', 'bench.id(1, :p1)']),
      forPgbench(RESERVATION_LINE, [':r_id', 'bench.id(1, :p1)', '0', SNAPSHOT_NAME, quote('USD'), SNAPSHOT_PRICE, ':q1']),
      forPgbench(RESERVATION_TAKE, [':q2', 'bench.id(1, :p2)']),
      forPgbench(RESERVATION_LINE, [':r_id', 'bench.id(1, :p2)', '1', SNAPSHOT_NAME, quote('USD'), SNAPSHOT_PRICE, ':q2']),
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
        quote('PENDING'),
        `'pgbench-' || :key::text`,
        quote('pgbench-fingerprint-of-the-request-43chars'),
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
      forPgbench(ORDER_PLACE, [quote('PLACED'), quote('USD'), '3998', ':o_id', quote('PENDING')]),
      forPgbench(ORDER_LINE_SNAPSHOT, [SNAPSHOT_NAME, SNAPSHOT_PRICE, ':o_id', 'bench.id(1, :p1)']),
      forPgbench(ORDER_LINE_SNAPSHOT, [SNAPSHOT_NAME, SNAPSHOT_PRICE, ':o_id', 'bench.id(1, :p2)']),
      'commit;',
      forPgbench(ORDER_BY_ID, [':o_id']),
    ].join('\n'),
  };
  return { account, catalog, order };
}
