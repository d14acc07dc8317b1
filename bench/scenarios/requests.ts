// What the scenarios send: the GraphQL documents, verbatim (the monolith floor answers them by
// operation name), and the pieces every request generator uses.

export const DOCUMENTS = {
  Search: `query Search($query: String!) { products(first: 20, query: $query) { totalCount nodes { id name price { amount currencyCode } stock } } }`,
  Product: `query Product($id: ID!) { product(id: $id) { id name description price { amount currencyCode } stock } }`,
  Nested: `query Nested { accounts(first: 50) { nodes { orders { nodes { items { product { name } } } } } } }`,
  CreateOrder: `mutation CreateOrder($input: CreateOrderInput!) { createOrder(input: $input) { id status total { amount currencyCode } items { productId quantity unitPrice { amount currencyCode } } } }`,
} as const;

export type OperationName = keyof typeof DOCUMENTS;

export function graphqlBody(operationName: OperationName, variables: Record<string, unknown>): string {
  return JSON.stringify({ operationName, query: DOCUMENTS[operationName], variables });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Idempotency keys unique across the whole benchmark run: "<prefix>-<n>". */
export function idempotencyKeys(prefix: string): () => string {
  let counter = 0;
  return () => `${prefix}-${++counter}`;
}
