import { at, type GraphQLClient, type GraphQLResponse } from '@emporium/testkit/graphql.js';

/* The GraphQL operations the container tests send, as a client of the published gateway sends them. */

export const CREATE_PRODUCT = `mutation($input: CreateProductInput!) { createProduct(input: $input) { id stock } }`;
export const CREATE_ORDER = `mutation($input: CreateOrderInput!) {
  createOrder(input: $input) { id status items { productId quantity } total { amount currencyCode } }
}`;
export const CANCEL_ORDER = `mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { id status } }`;
export const ORDER_HISTORY = `{ viewer { orders(first: 50) { totalCount nodes { id status total { amount } } } } }`;
export const SEARCH = `query($query: String!) { products(query: $query) { totalCount nodes { id name stock price { amount currencyCode } } } }`;
export const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { token account { id } } }`;

export function text(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
  return value;
}

/** Fails with the response's errors when it has any. */
export function ok(response: GraphQLResponse): Record<string, unknown> {
  if (response.errors !== undefined || response.data === null || response.data === undefined) {
    throw new Error(`GraphQL errors (HTTP ${response.status}): ${JSON.stringify(response.errors)}`);
  }
  return response.data;
}

export async function createProduct(
  client: GraphQLClient,
  adminToken: string,
  input: { name: string; price: string; stock: number; description?: string },
): Promise<string> {
  const response = await client.request(CREATE_PRODUCT, { token: adminToken, variables: { input: { description: '', ...input } } });
  return text(at(ok(response), 'createProduct', 'id'));
}

export interface OrderItem {
  readonly productId: string;
  readonly quantity: number;
}

export function createOrder(
  client: GraphQLClient,
  token: string,
  items: readonly OrderItem[],
  idempotencyKey: string,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse> {
  return client.request(CREATE_ORDER, { token, headers, variables: { input: { items, idempotencyKey } } });
}
