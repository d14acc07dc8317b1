import { SEARCH_WORDS } from '../data/words.js';
import type { LoadRequest } from '../load/http.js';
import { SeededRandom } from '../load/seeded-random.js';
import type { PgbenchScript } from '../targets/pgbench.js';
import { SEARCH_COUNT, SEARCH_PAGE, SEARCH_PAGE_SIZE, forPgbench, sqlText } from '../targets/service-sql.js';
import { seedFor, type PlanOf, type Requests } from './plan.js';
import { graphqlBody } from './requests.js';

// Scenario 1, search: the shop's search page for a common word, anonymous. Floor and ceiling.

/** The search words in a seeded order. */
export function searchRequests(seed: number): () => LoadRequest {
  const random = new SeededRandom(seed);
  return () => ({ body: graphqlBody('Search', { query: random.pick(SEARCH_WORDS) }), headers: {} });
}

/** One pgbench script per search word (pgbench picks among them), both statements of a search. */
export function searchScripts(): PgbenchScript[] {
  return SEARCH_WORDS.map((word) => ({
    name: `search-${word}`,
    text: [forPgbench(SEARCH_PAGE, [sqlText(word), sqlText(word), String(SEARCH_PAGE_SIZE + 1)]), forPgbench(SEARCH_COUNT, [sqlText(word)])].join('\n'),
  }));
}

export const search: PlanOf = (id, options) => {
  const requests: Requests = (load) => searchRequests(seedFor(options, id, load));
  return {
    title: 'search page',
    connections: options.connections,
    request: `products(first: 20, query: <one of 8 common words>) { totalCount nodes { id name price stock } } — anonymous`,
    gateway: requests,
    floor: { requests, comparison: 'identical JSON', operation: 'Search' },
    ceiling: [{ database: 'catalog', scripts: searchScripts() }],
    expectedErrors: [],
  };
};
