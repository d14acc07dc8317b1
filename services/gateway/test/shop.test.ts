import { beforeAll, describe, expect, it } from 'vitest';
import { at, codes, logInAdmin, signUp, type GraphQLResponse } from '@emporium/testkit/graphql.js';
import { useStack } from '@emporium/testkit/stack.js';

/*
 * The whole story through the gateway, like a client: an administrator stocks the shop, customers
 * search, order, read their history and cancel; every rule allowed and denied; batching proved
 * by counting backend calls; a service stopped mid-test.
 */

const stack = useStack();
let admin: string;

beforeAll(async () => {
  admin = await logInAdmin(stack);
});

const CREATE_PRODUCT = `mutation($input: CreateProductInput!) {
  createProduct(input: $input) { id name description price { amount currencyCode } stock createdAt updatedAt }
}`;
const UPDATE_PRODUCT = `mutation($input: UpdateProductInput!) { updateProduct(input: $input) { id name price { amount } stock } }`;
const CREATE_ORDER = `mutation($input: CreateOrderInput!) {
  createOrder(input: $input) {
    id status account { id }
    items { productId name quantity unitPrice { amount currencyCode } subtotal { amount } product { id stock } }
    total { amount currencyCode }
  }
}`;
const CANCEL_ORDER = `mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { id status } }`;
const ORDER = `query($id: ID!) { order(id: $id) { id status total { amount } account { id } } }`;

function str(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
  return value;
}

async function createProduct(input: { name: string; description?: string; price: string; stock: number }): Promise<string> {
  const response = await stack.request(CREATE_PRODUCT, { token: admin, variables: { input: { description: '', ...input } } });
  expect(response.errors).toBeUndefined();
  return str(at(response.data, 'createProduct', 'id'));
}

async function order(token: string, items: { productId: string; quantity: number }[], extra: Record<string, unknown> = {}) {
  return stack.request(CREATE_ORDER, { token, variables: { input: { items, ...extra } } });
}

function errorOf(response: GraphQLResponse) {
  expect(response.errors).toHaveLength(1);
  const [error] = response.errors ?? [];
  if (error === undefined) throw new Error('no error');
  return error;
}

describe('the story', () => {
  it('an admin stocks products, a customer finds them, orders, reads exact totals, cancels', async () => {
    const lamp = await createProduct({ name: 'Brass desk lamp', description: 'Warm light for late work', price: '19.99', stock: 10 });
    const bulb = await createProduct({ name: 'Filament bulb', price: '0.10', stock: 100 });
    const rug = await createProduct({ name: 'Wool rug', price: '149.00', stock: 1 });

    // Anyone may read products, and search them.
    const found = await stack.request(`{ products(query: "lamp") { totalCount nodes { id name price { amount currencyCode } } } }`);
    expect(found.errors).toBeUndefined();
    expect(at(found.data, 'products', 'nodes')).toEqual([{ id: lamp, name: 'Brass desk lamp', price: { amount: '19.99', currencyCode: 'USD' } }]);
    const one = await stack.request(`query($id: ID!) { product(id: $id) { name stock description } }`, { variables: { id: rug } });
    expect(one.data).toEqual({ product: { name: 'Wool rug', stock: 1, description: '' } });

    const customer = await signUp(stack, 'Carol');
    const placed = await order(customer.token, [
      { productId: lamp, quantity: 3 },
      { productId: bulb, quantity: 7 },
    ]);
    expect(placed.errors).toBeUndefined();
    const created = at(placed.data, 'createOrder');
    expect(created).toMatchObject({
      status: 'PLACED',
      account: { id: customer.id },
      // 3 x 19.99 + 7 x 0.10, exactly.
      total: { amount: '60.67', currencyCode: 'USD' },
    });
    expect(at(created, 'items')).toEqual(
      expect.arrayContaining([
        { productId: lamp, name: 'Brass desk lamp', quantity: 3, unitPrice: { amount: '19.99', currencyCode: 'USD' }, subtotal: { amount: '59.97' }, product: { id: lamp, stock: 7 } },
        { productId: bulb, name: 'Filament bulb', quantity: 7, unitPrice: { amount: '0.10', currencyCode: 'USD' }, subtotal: { amount: '0.70' }, product: { id: bulb, stock: 93 } },
      ]),
    );
    const orderId = str(at(created, 'id'));

    // The price changes; the order keeps the price it was placed at.
    const repriced = await stack.request(UPDATE_PRODUCT, { token: admin, variables: { input: { id: lamp, price: '24.50' } } });
    expect(at(repriced.data, 'updateProduct')).toEqual({ id: lamp, name: 'Brass desk lamp', price: { amount: '24.50' }, stock: 7 });

    const history = await stack.request(
      `{ viewer { orders { totalCount nodes { id status total { amount } items { name unitPrice { amount } product { price { amount } } } } } } }`,
      { token: customer.token },
    );
    expect(history.errors).toBeUndefined();
    expect(at(history.data, 'viewer', 'orders', 'totalCount')).toBe(1);
    expect(at(history.data, 'viewer', 'orders', 'nodes', 0)).toMatchObject({ id: orderId, status: 'PLACED', total: { amount: '60.67' } });
    expect(at(history.data, 'viewer', 'orders', 'nodes', 0, 'items')).toEqual(
      expect.arrayContaining([{ name: 'Brass desk lamp', unitPrice: { amount: '19.99' }, product: { price: { amount: '24.50' } } }]),
    );

    const cancelled = await stack.request(CANCEL_ORDER, { token: customer.token, variables: { input: { orderId } } });
    expect(cancelled.data).toEqual({ cancelOrder: { id: orderId, status: 'CANCELLED' } });
    const restocked = await stack.request(`query($id: ID!) { product(id: $id) { stock } }`, { variables: { id: lamp } });
    expect(restocked.data).toEqual({ product: { stock: 10 } });
    // Cancelling again changes nothing and is not an error.
    const again = await stack.request(CANCEL_ORDER, { token: customer.token, variables: { input: { orderId } } });
    expect(again.data).toEqual({ cancelOrder: { id: orderId, status: 'CANCELLED' } });
  });

  it('ordering more than the stock is OUT_OF_STOCK, listing each short product', async () => {
    const vase = await createProduct({ name: 'Glass vase', price: '12.00', stock: 2 });
    const bowl = await createProduct({ name: 'Stone bowl', price: '8.00', stock: 1 });
    const customer = await signUp(stack);
    const response = await order(customer.token, [
      { productId: vase, quantity: 3 },
      { productId: bowl, quantity: 1 },
    ]);
    expect(response.data).toBeNull();
    const error = errorOf(response);
    expect(error.extensions.code).toBe('OUT_OF_STOCK');
    expect(error.extensions.shortages).toEqual([{ productId: vase, requested: 3, available: 2 }]);
    const stock = await stack.request(`query($a: ID!, $b: ID!) { a: product(id: $a) { stock } b: product(id: $b) { stock } }`, {
      variables: { a: vase, b: bowl },
    });
    expect(stock.data).toEqual({ a: { stock: 2 }, b: { stock: 1 } });
  });

  it('the same idempotency key answers with the same order', async () => {
    const pen = await createProduct({ name: 'Fountain pen', price: '35.00', stock: 10 });
    const customer = await signUp(stack);
    const first = await order(customer.token, [{ productId: pen, quantity: 1 }], { idempotencyKey: 'checkout-1' });
    const second = await order(customer.token, [{ productId: pen, quantity: 1 }], { idempotencyKey: 'checkout-1' });
    expect(at(second.data, 'createOrder', 'id')).toBe(at(first.data, 'createOrder', 'id'));
    const stock = await stack.request(`query($id: ID!) { product(id: $id) { stock } }`, { variables: { id: pen } });
    expect(stock.data).toEqual({ product: { stock: 9 } });
  });

  it('a document of several mutations sees each one’s effect, not data loaded before it', async () => {
    const jar = await createProduct({ name: 'Honey jar', price: '6.00', stock: 10 });
    const customer = await signUp(stack);
    const response = await stack.request(
      `mutation($items: [OrderItemInput!]!) {
        first: createOrder(input: { items: $items }) { items { product { stock } } }
        second: createOrder(input: { items: $items }) { items { product { stock } } }
      }`,
      { token: customer.token, variables: { items: [{ productId: jar, quantity: 1 }] } },
    );
    expect(response.data).toEqual({ first: { items: [{ product: { stock: 9 } }] }, second: { items: [{ product: { stock: 8 } }] } });
  });

  it('pages through an account’s orders beyond the first page', async () => {
    const cup = await createProduct({ name: 'Tea cup', price: '4.00', stock: 100 });
    const customer = await signUp(stack);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.unshift(str(at((await order(customer.token, [{ productId: cup, quantity: 1 }])).data, 'createOrder', 'id')));
    const PAGE = `query($after: String) { viewer { orders(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } } }`;
    const seen: unknown[] = [];
    let after: unknown = null;
    for (let page = 0; page < 5; page++) {
      const response = await stack.request(PAGE, { token: customer.token, variables: { after } });
      expect(response.errors).toBeUndefined();
      const nodes = at(response.data, 'viewer', 'orders', 'nodes');
      if (Array.isArray(nodes)) seen.push(...nodes.map((n) => at(n, 'id')));
      if (at(response.data, 'viewer', 'orders', 'pageInfo', 'hasNextPage') !== true) break;
      after = at(response.data, 'viewer', 'orders', 'pageInfo', 'endCursor');
    }
    expect(seen).toEqual(ids);
  });
});

describe('who may do what', () => {
  it('products: anyone reads; only administrators create and update', async () => {
    const customer = await signUp(stack);
    const input = { name: 'Chair', description: '', price: '50.00', stock: 1 };
    const asCustomer = await stack.request(CREATE_PRODUCT, { token: customer.token, variables: { input } });
    const anonymous = await stack.request(CREATE_PRODUCT, { variables: { input } });
    expect(codes(asCustomer)).toEqual(['FORBIDDEN']);
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
    expect(asCustomer.calls).toEqual({});
    const chair = await createProduct(input);
    const update = { input: { id: chair, stock: 5 } };
    expect(codes(await stack.request(UPDATE_PRODUCT, { token: customer.token, variables: update }))).toEqual(['FORBIDDEN']);
    expect(codes(await stack.request(UPDATE_PRODUCT, { variables: update }))).toEqual(['UNAUTHENTICATED']);
    expect(at((await stack.request(UPDATE_PRODUCT, { token: admin, variables: update })).data, 'updateProduct', 'stock')).toBe(5);
    expect((await stack.request('{ products { totalCount } }')).errors).toBeUndefined();
  });

  it('orders: UNAUTHENTICATED without a token; for another account only by an administrator', async () => {
    const mug = await createProduct({ name: 'Mug', price: '9.00', stock: 50 });
    const [alice, bob] = await Promise.all([signUp(stack, 'Alice'), signUp(stack, 'Bob')]);
    const items = [{ productId: mug, quantity: 1 }];

    const anonymous = await order('', items);
    expect(anonymous.status).toBe(401); // an empty Bearer token is a malformed header
    const noHeader = await stack.request(CREATE_ORDER, { variables: { input: { items } } });
    expect(codes(noHeader)).toEqual(['UNAUTHENTICATED']);
    expect(noHeader.calls).toEqual({});

    const forBob = await order(alice.token, items, { accountId: bob.id });
    expect(forBob.errors).toEqual([expect.objectContaining({ extensions: { code: 'FORBIDDEN' } })]);
    expect(forBob.calls).toEqual({});
    const forSelf = await order(alice.token, items, { accountId: alice.id });
    expect(at(forSelf.data, 'createOrder', 'account', 'id')).toBe(alice.id);
    const byAdmin = await order(admin, items, { accountId: bob.id });
    expect(at(byAdmin.data, 'createOrder', 'account', 'id')).toBe(bob.id);
    const forNobody = await order(admin, items, { accountId: '01a20d59-0000-7000-8000-000000000000' });
    expect(codes(forNobody)).toEqual(['NOT_FOUND']);
  });

  it('order(id) and cancelOrder: the owner and administrators; anyone else gets NOT_FOUND', async () => {
    const mug = await createProduct({ name: 'Mug', price: '9.00', stock: 50 });
    const [alice, bob] = await Promise.all([signUp(stack, 'Alice'), signUp(stack, 'Bob')]);
    const orderId = str(at((await order(alice.token, [{ productId: mug, quantity: 2 }])).data, 'createOrder', 'id'));
    const missing = '01a20d59-0000-7000-8000-000000000001';

    expect(at((await stack.request(ORDER, { token: alice.token, variables: { id: orderId } })).data, 'order', 'total')).toEqual({ amount: '18.00' });
    expect(at((await stack.request(ORDER, { token: admin, variables: { id: orderId } })).data, 'order', 'account')).toEqual({ id: alice.id });
    expect(codes(await stack.request(ORDER, { variables: { id: orderId } }))).toEqual(['UNAUTHENTICATED']);

    const others = await stack.request(ORDER, { token: bob.token, variables: { id: orderId } });
    const nobody = await stack.request(ORDER, { token: bob.token, variables: { id: missing } });
    expect(others.data).toEqual({ order: null });
    expect(errorOf(others)).toMatchObject({ message: `id: no order has id ${orderId}`, extensions: { code: 'NOT_FOUND', field: 'id' } });
    expect(errorOf(nobody)).toMatchObject({ message: `id: no order has id ${missing}`, extensions: { code: 'NOT_FOUND', field: 'id' } });
    expect(codes(await stack.request(ORDER, { token: admin, variables: { id: missing } }))).toEqual(['NOT_FOUND']);

    const bobCancels = await stack.request(CANCEL_ORDER, { token: bob.token, variables: { input: { orderId } } });
    expect(errorOf(bobCancels)).toMatchObject({ extensions: { code: 'NOT_FOUND', field: 'input.orderId' } });
    expect(bobCancels.calls).toEqual({ 'OrderService.GetOrder': 1 });
    expect(codes(await stack.request(CANCEL_ORDER, { variables: { input: { orderId } } }))).toEqual(['UNAUTHENTICATED']);
    expect(at((await stack.request(ORDER, { token: alice.token, variables: { id: orderId } })).data, 'order', 'status')).toBe('PLACED');
    const adminCancels = await stack.request(CANCEL_ORDER, { token: admin, variables: { input: { orderId } } });
    expect(at(adminCancels.data, 'cancelOrder', 'status')).toBe('CANCELLED');
  });
});

describe('error codes for bad input', () => {
  it.each([
    ['input.price', { price: '19.999' }, 'at most 2 decimal places'],
    ['input.price', { price: '-1.00' }, ''],
    ['input.name', { name: '' }, 'required'],
    ['input.stock', { stock: -1 }, ''],
  ])('createProduct: BAD_USER_INPUT naming %s', async (field, override, text) => {
    const response = await stack.request(CREATE_PRODUCT, {
      token: admin,
      variables: { input: { name: 'Thing', description: '', price: '1.00', stock: 1, ...override } },
    });
    const error = errorOf(response);
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    expect(error.message).toContain(text);
  });

  it('a Decimal sent as a JSON number is BAD_USER_INPUT: money is never a float', async () => {
    const response = await stack.request(CREATE_PRODUCT, {
      token: admin,
      variables: { input: { name: 'Thing', description: '', price: 19.99, stock: 1 } },
    });
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.message).toContain('Decimal must be a string');
    expect(response.calls).toEqual({});
  });

  it('createOrder: BAD_USER_INPUT naming the item, in GraphQL terms', async () => {
    const mug = await createProduct({ name: 'Mug', price: '9.00', stock: 50 });
    const customer = await signUp(stack);
    const zero = await order(customer.token, [{ productId: mug, quantity: 0 }]);
    expect(errorOf(zero)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.items[0].quantity' } });
    expect(errorOf(zero).message).toMatch(/^input\.items\[0\]\.quantity: /);
    const none = await order(customer.token, []);
    expect(errorOf(none)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.items' } });
    const unknown = await order(customer.token, [{ productId: '01a20d59-0000-7000-8000-000000000002', quantity: 1 }]);
    expect(['NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT']).toContain(errorOf(unknown).extensions.code);
  });

  it('updateProduct: nothing to change is BAD_USER_INPUT; an unknown product NOT_FOUND', async () => {
    const mug = await createProduct({ name: 'Mug', price: '9.00', stock: 50 });
    expect(errorOf(await stack.request(UPDATE_PRODUCT, { token: admin, variables: { input: { id: mug } } })).extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input',
    });
    const missing = await stack.request(UPDATE_PRODUCT, {
      token: admin,
      variables: { input: { id: '01a20d59-0000-7000-8000-000000000003', stock: 1 } },
    });
    expect(errorOf(missing).extensions.code).toBe('NOT_FOUND');
  });

  it('product(id): unknown is NOT_FOUND, malformed BAD_USER_INPUT', async () => {
    const Q = `query($id: ID!) { product(id: $id) { id } }`;
    expect(errorOf(await stack.request(Q, { variables: { id: '01a20d59-0000-7000-8000-000000000004' } })).extensions).toEqual({
      code: 'NOT_FOUND',
      field: 'id',
    });
    expect(errorOf(await stack.request(Q, { variables: { id: 'x' } })).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it('cancelling a rejected order is CONFLICT', async () => {
    // A rejected order is recorded by the order service and listed in the customer's history.
    const rare = await createProduct({ name: 'Rare print', price: '300.00', stock: 0 });
    const customer = await signUp(stack);
    const rejected = await order(customer.token, [{ productId: rare, quantity: 1 }]);
    expect(errorOf(rejected).extensions.code).toBe('OUT_OF_STOCK');
    const history = await stack.request('{ viewer { orders { nodes { id status shortages { productId requested available product { name } } } } } }', {
      token: customer.token,
    });
    const rejectedOrder = at(history.data, 'viewer', 'orders', 'nodes', 0);
    expect(rejectedOrder).toMatchObject({ status: 'REJECTED', shortages: [{ productId: rare, requested: 1, available: 0, product: { name: 'Rare print' } }] });
    const cancel = await stack.request(CANCEL_ORDER, { token: customer.token, variables: { input: { orderId: str(at(rejectedOrder, 'id')) } } });
    expect(errorOf(cancel).extensions.code).toBe('CONFLICT');
  });
});

describe('batching', () => {
  const NESTED = `query($first: Int) {
    accounts(first: $first) { nodes { name orders { nodes { total { amount } account { name } items { quantity product { name } } } } } }
  }`;

  it('makes the same backend calls for 5 accounts as for 50: one per type per level', async () => {
    const products = await Promise.all(
      ['Oak', 'Ash', 'Elm'].map((wood) => createProduct({ name: `${wood} spoon`, price: '3.00', stock: 1000 })),
    );
    // 50 customers, newest first in `accounts`, each with two orders of two products.
    for (let batch = 0; batch < 5; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const customer = await signUp(stack, `Batch ${batch}-${i}`);
          for (let n = 0; n < 2; n++) {
            const placed = await order(customer.token, [
              { productId: products[n] ?? '', quantity: 1 },
              { productId: products[2] ?? '', quantity: 2 },
            ]);
            expect(placed.errors).toBeUndefined();
          }
        }),
      );
    }
    const expected = {
      'AccountService.ListAccounts': 1,
      'OrderService.BatchListAccountOrders': 1,
      'AccountService.BatchGetAccounts': 1,
      'CatalogService.BatchGetProducts': 1,
    };
    const five = await stack.request(NESTED, { token: admin, variables: { first: 5 } });
    const fifty = await stack.request(NESTED, { token: admin, variables: { first: 50 } });
    expect(five.errors).toBeUndefined();
    expect(fifty.errors).toBeUndefined();
    expect(five.calls).toEqual(expected);
    expect(fifty.calls).toEqual(expected);
    const accounts = at(fifty.data, 'accounts', 'nodes');
    expect(Array.isArray(accounts) && accounts.length).toBe(50);
    expect(at(fifty.data, 'accounts', 'nodes', 0, 'orders', 'nodes', 0, 'items')).toEqual(
      expect.arrayContaining([{ quantity: 2, product: { name: 'Elm spoon' } }]),
    );

    // The nested query the batching exists for, and its edges form.
    const issue = await stack.request('{ accounts(first: 50) { nodes { orders { nodes { items { product { name } } } } } } }', { token: admin });
    expect(issue.errors).toBeUndefined();
    expect(issue.calls).toEqual({ 'AccountService.ListAccounts': 1, 'OrderService.BatchListAccountOrders': 1, 'CatalogService.BatchGetProducts': 1 });
    const edges = await stack.request(
      '{ accounts(first: 50) { edges { node { orders { edges { node { items { product { name } } } } } } } } }',
      { token: admin },
    );
    expect(edges.calls).toEqual(issue.calls);
  });
});

describe('a service stopped mid-test', () => {
  it('answers UNAVAILABLE for the fields that need it and keeps the rest, with no address in any message', async () => {
    const lamp = await createProduct({ name: 'Outage lamp', price: '10.00', stock: 5 });
    const customer = await signUp(stack, 'Dora');
    const orderId = str(at((await order(customer.token, [{ productId: lamp, quantity: 1 }])).data, 'createOrder', 'id'));

    await stack.catalog.stop();

    const response = await stack.request(
      `query($order: ID!, $product: ID!) {
        viewer { name }
        order(id: $order) { status total { amount } items { name product { name } } }
        product(id: $product) { name }
      }`,
      { token: customer.token, variables: { order: orderId, product: lamp } },
    );
    expect(response.status).toBe(200);
    expect(response.data).toEqual({
      viewer: { name: 'Dora' },
      order: { status: 'PLACED', total: { amount: '10.00' }, items: [{ name: 'Outage lamp', product: null }] },
      product: null,
    });
    expect(response.errors?.map((e) => ({ path: e.path, code: e.extensions.code }))).toEqual(
      expect.arrayContaining([
        { path: ['order', 'items', 0, 'product'], code: 'UNAVAILABLE' },
        { path: ['product'], code: 'UNAVAILABLE' },
      ]),
    );
    for (const error of response.errors ?? []) {
      expect(error.message).toBe('the catalog service is unavailable; try again later');
      expect(JSON.stringify([error.message, error.extensions])).not.toMatch(/127\.0\.0\.1|localhost|:\d{2,5}\b|ECONNREFUSED|stack/i);
    }

    const placing = await order(customer.token, [{ productId: lamp, quantity: 1 }]);
    expect(codes(placing)).toEqual(['UNAVAILABLE']);
    expect(JSON.stringify(placing.errors?.map((e) => [e.message, e.extensions]))).not.toMatch(/127\.0\.0\.1|localhost|:\d{2,5}\b|ECONNREFUSED/i);

    const ready = await fetch(`${stack.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'not ready',
      services: { account: 'SERVING', catalog: 'UNAVAILABLE', order: 'SERVING' },
    });
  });
});
