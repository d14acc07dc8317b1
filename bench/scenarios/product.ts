import type { LoadRequest } from '../load/http.js';
import { SeededRandom } from '../load/seeded-random.js';
import type { PgbenchScript } from '../targets/pgbench.js';
import { PRODUCT_BY_ID, forPgbench } from '../targets/service-sql.js';
import { seedFor, type PlanOf, type Requests } from './plan.js';
import { graphqlBody } from './requests.js';

// Scenario 2, product: a point read of one product, anonymous. Floor and ceiling.

/** Point reads of seeded products, uniformly at random. */
export function productRequests(seed: number, productIds: readonly string[]): () => LoadRequest {
  const random = new SeededRandom(seed);
  return () => ({ body: graphqlBody('Product', { id: random.pick(productIds) }), headers: {} });
}

/** A point read of a random seeded product; ids are computed by the seed's bench.id(). */
export function productScript(products: number): PgbenchScript {
  return { name: 'product', text: [`\\set n random(1, ${products})`, forPgbench(PRODUCT_BY_ID, ['bench.id(1, :n)'])].join('\n') };
}

export const product: PlanOf = (id, options, { fixtures }) => {
  const requests: Requests = (load) => productRequests(seedFor(options, id, load), fixtures.productIds);
  return {
    title: 'product point read',
    connections: options.connections,
    request: 'product(id: <random seeded product>) { id name description price stock } — anonymous',
    gateway: requests,
    floor: { requests, comparison: 'identical JSON', operation: 'Product' },
    ceiling: [{ database: 'catalog', scripts: [productScript(options.data.products)] }],
    expectedErrors: [],
  };
};
