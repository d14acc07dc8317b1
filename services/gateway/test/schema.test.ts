import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHANGELOG_PATH, checkSchema, compareSchemas, parseChangelog, unrecordedBreaks } from '../src/graphql/schema-compatibility.js';
import { loadSchema } from '../src/graphql/schema-files.js';

const changelog = readFileSync(CHANGELOG_PATH, 'utf8');

/*
 * The public contract as first published (the connections spelled out). Clients are
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
  it('keeps every name of the contract: additions only, apart from the breaks recorded in schema/CHANGELOG.md', () => {
    const { breaking } = compareSchemas(CONTRACT, loadSchema());
    expect(unrecordedBreaks(breaking, parseChangelog(changelog)).map((change) => change.description)).toEqual([]);
    // The recorded ones, and nothing else, are what changed (never-priced orders: their amounts became nullable).
    expect(breaking.map((change) => change.description).sort()).toEqual([
      'Order.total changed type from Money! to Money.',
      'OrderItem.name changed type from String! to String.',
      'OrderItem.subtotal changed type from Money! to Money.',
      'OrderItem.unitPrice changed type from Money! to Money.',
    ]);
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

describe('the schema check (npm run check:schema)', () => {
  /** The schema before never-priced orders could be listed, as main had it: every amount of an order non-null. */
  const before = loadSchema()
    .replace(/^ {2}total: Money$/m, '  total: Money!')
    .replace(/^ {2}name: String$/m, '  name: String!')
    .replace(/^ {2}unitPrice: Money$/m, '  unitPrice: Money!')
    .replace(/^ {2}subtotal: Money$/m, '  subtotal: Money!');

  it('reads every recorded break with its reason', () => {
    const recorded = parseChangelog(changelog);
    expect(recorded.map((entry) => `${entry.type} ${entry.description}`)).toContain(
      'FIELD_CHANGED_KIND Order.total changed type from Money! to Money.',
    );
    for (const entry of recorded) expect(entry.reason.length).toBeGreaterThan(10);
  });

  it('passes when every break it finds is recorded', () => {
    expect(compareSchemas(before, loadSchema()).breaking).toHaveLength(4);
    const check = checkSchema(before, loadSchema(), changelog);
    expect(check.ok).toBe(true);
    expect(check.report.filter((line) => line.startsWith('breaking, recorded: '))).toHaveLength(4);
  });

  it('fails for a break nobody recorded: a rename, or another change to a recorded field', () => {
    const renamed = loadSchema().replace('totalCount: Int!', 'count: Int!');
    const { breaking } = compareSchemas(loadSchema(), renamed);
    expect(breaking.map((change) => change.type)).toContain('FIELD_REMOVED');
    expect(checkSchema(loadSchema(), renamed, changelog)).toMatchObject({ ok: false });
    expect(checkSchema(loadSchema(), renamed, changelog).report).toContainEqual(
      expect.stringMatching(/^BREAKING, not recorded in the changelog: FIELD_REMOVED: \w+Connection\.totalCount was removed\.$/),
    );
    // Order.total's recorded break is Money! -> Money, not Money! -> String.
    const retyped = before.replace(/^ {2}total: Money!$/m, '  total: String');
    expect(checkSchema(before, retyped, changelog).ok).toBe(false);
  });

  it('fails when the changelog loses an entry, and refuses an entry without a reason', () => {
    const withoutTotal = changelog.replace(/^- `FIELD_CHANGED_KIND` Order\.total .*\n.*\n/m, '');
    expect(withoutTotal).not.toBe(changelog);
    expect(checkSchema(before, loadSchema(), withoutTotal)).toMatchObject({ ok: false });
    const noReason = changelog.replace(/^(- `FIELD_CHANGED_KIND` Order\.total .*\n).*\n/m, '$1');
    expect(() => parseChangelog(noReason)).toThrow(/Order\.total.*no "Reason: \.\.\."/);
    expect(checkSchema(before, loadSchema(), noReason)).toEqual({
      ok: false,
      report: [expect.stringMatching(/^the schema changelog is malformed: /)],
    });
  });
});
