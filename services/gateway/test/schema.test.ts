import { describe, expect, it } from 'vitest';
import { compareSchemas } from '../src/schema-compat.js';
import { loadSchema } from '../src/server.js';

/*
 * The public contract of issue 5, as written there (the connections spelled out). Clients are
 * written against exactly these names: the schema may add to them, never rename or remove.
 */
const CONTRACT = `
scalar DateTime
scalar Decimal
enum Role { CUSTOMER ADMIN }
enum OrderStatus { PENDING PLACED REJECTED CANCELLED }
type Money { amount: Decimal!  currencyCode: String! }
type PageInfo { hasNextPage: Boolean!  endCursor: String }
type Account { id: ID!  name: String!  email: String!  role: Role!  createdAt: DateTime!
               orders(first: Int = 20, after: String): OrderConnection! }
type Product { id: ID!  name: String!  description: String!  price: Money!  stock: Int!  createdAt: DateTime! }
type Order { id: ID!  account: Account!  status: OrderStatus!  items: [OrderItem!]!  total: Money!  createdAt: DateTime! }
type OrderItem { productId: ID!  product: Product  name: String!  unitPrice: Money!  quantity: Int!  subtotal: Money! }
type AccountEdge { cursor: String!  node: Account! }
type AccountConnection { edges: [AccountEdge!]!  nodes: [Account!]!  pageInfo: PageInfo!  totalCount: Int! }
type ProductEdge { cursor: String!  node: Product! }
type ProductConnection { edges: [ProductEdge!]!  nodes: [Product!]!  pageInfo: PageInfo!  totalCount: Int! }
type OrderEdge { cursor: String!  node: Order! }
type OrderConnection { edges: [OrderEdge!]!  nodes: [Order!]!  pageInfo: PageInfo!  totalCount: Int! }
type AuthPayload { token: String!  account: Account! }
input SignUpInput { name: String!  email: String!  password: String! }
input LogInInput { email: String!  password: String! }
input CreateProductInput { name: String!  description: String!  price: Decimal!  stock: Int! }
input UpdateProductInput { id: ID!  name: String  description: String  price: Decimal  stock: Int }
input OrderItemInput { productId: ID!  quantity: Int! }
input CreateOrderInput { items: [OrderItemInput!]!  idempotencyKey: String  accountId: ID }
input CancelOrderInput { orderId: ID! }
type Query {
  viewer: Account
  account(id: ID!): Account
  accounts(first: Int = 20, after: String): AccountConnection!
  product(id: ID!): Product
  products(first: Int = 20, after: String, query: String): ProductConnection!
  order(id: ID!): Order
}
type Mutation {
  signUp(input: SignUpInput!): AuthPayload!
  logIn(input: LogInInput!): AuthPayload!
  createProduct(input: CreateProductInput!): Product!
  updateProduct(input: UpdateProductInput!): Product!
  createOrder(input: CreateOrderInput!): Order!
  cancelOrder(input: CancelOrderInput!): Order!
}
`;

describe('the public schema', () => {
  it('keeps every name of the contract (additions only)', () => {
    const { breaking } = compareSchemas(CONTRACT, loadSchema());
    expect(breaking.map((change) => change.description)).toEqual([]);
  });

  it('the compatibility check catches a rename', () => {
    const renamed = loadSchema().replace('totalCount: Int!', 'count: Int!');
    const { breaking } = compareSchemas(loadSchema(), renamed);
    expect(breaking.map((change) => change.type)).toContain('FIELD_REMOVED');
  });

  it('mutations take exactly one argument, named input', () => {
    const mutation = /type Mutation \{([^}]*)\}/.exec(loadSchema())?.[1] ?? '';
    const fields = mutation.split('\n').filter((line) => /^\s+\w+\(/.test(line));
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields) expect(field).toMatch(/^\s+\w+\(input: \w+Input!\): /);
  });
});
