import type { LoadRequest } from '../load/http.js';
import { SeededRandom } from '../load/seeded-random.js';
import { checkHotStock } from './order-books.js';
import type { Fixtures } from './fixtures.js';
import { keyPrefix, seedFor, type PlanOf } from './plan.js';
import { bearer, graphqlBody, idempotencyKeys } from './requests.js';

// Scenario 5, hot-order: every connection orders one unit of the same product until it runs out:
// contention on one row, then OUT_OF_STOCK. Its books are checked after every load.

export function hotOrderRequests(seed: number, hotProductId: string, tokens: readonly string[], prefix: string): () => LoadRequest {
  const random = new SeededRandom(seed);
  const nextKey = idempotencyKeys(prefix);
  return () => ({
    body: graphqlBody('CreateOrder', { input: { items: [{ productId: hotProductId, quantity: 1 }], idempotencyKey: nextKey() } }),
    headers: bearer(random.pick(tokens)),
  });
}

/** A fresh hot product for each load: the warm-up and every run start from the same stock. */
function hotProduct(fixtures: Fixtures, load: number): string {
  const id = fixtures.hotProductIds[load];
  if (id === undefined) throw new Error(`no hot product for load ${load}`);
  return id;
}

export const hotOrder: PlanOf = (id, options, { fixtures, databases }) => ({
  title: 'createOrder on one hot product',
  connections: options.connections,
  request: `createOrder: 1 × the same product (stock ${options.data.hotStock}; a fresh one per load) until it runs out — as the customers`,
  gateway: (load) => hotOrderRequests(seedFor(options, id, load), hotProduct(fixtures, load), fixtures.customerTokens, keyPrefix(id, 'gateway', load)),
  expectedErrors: ['OUT_OF_STOCK'],
  afterGatewayLoad: (load, result) =>
    checkHotStock(databases, hotProduct(fixtures, load), options.data.hotStock, result, options.connections, load, keyPrefix(id, 'gateway', load)),
});
