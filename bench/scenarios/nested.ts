import type { LoadRequest } from '../load/http.js';
import type { PlanOf } from './plan.js';
import { bearer, graphqlBody } from './requests.js';

// Scenario 3, nested: accounts → their orders → every line's product, as the administrator (only
// they may list accounts): the batching case. Neither floor nor ceiling.

export function nestedRequests(adminToken: string): () => LoadRequest {
  const body = graphqlBody('Nested', {});
  return () => ({ body, headers: bearer(adminToken) });
}

export const nested: PlanOf = (_id, options, { fixtures }) => ({
  title: 'nested batching',
  connections: options.nestedConnections,
  request: 'accounts(first: 50) { nodes { orders { nodes { items { product { name } } } } } } — as admin',
  gateway: () => nestedRequests(fixtures.adminToken),
  expectedErrors: [],
});
