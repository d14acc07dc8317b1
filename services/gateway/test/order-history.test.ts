import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalogClient, type CatalogClient } from '@emporium/catalog/client.js';
import { parseConfig } from '@emporium/kit/config.js';
import { newId } from '@emporium/kit/ids.js';
import { orderConfigSchema } from '@emporium/order/config.js';
import { startOrderService } from '@emporium/order/main.js';
import { at, codes, logInAdmin, signUp, type GraphQLResponse } from '@emporium/testkit/graphql.js';
import { log, useStack } from '@emporium/testkit/stack.js';

/*
 * A customer's order history lists every order in every status with every field (it once failed
 * on orders never priced), and money that cannot be held never takes stock. Through HTTP, like a
 * client; the only shortcuts are SQL that models rows an older release wrote.
 */

const stack = useStack();
let admin: string;
/** The catalog as the order service talks to it, to take a reservation as a crashed order would have. */
let catalog: CatalogClient;

beforeAll(async () => {
  admin = await logInAdmin(stack);
  catalog = createCatalogClient(stack.catalog.address);
});

afterAll(() => {
  catalog.close();
});

const EVERY_FIELD = `{
  viewer {
    orders(first: 50) {
      totalCount
      nodes {
        id status createdAt updatedAt
        total { amount currencyCode }
        items { productId name quantity unitPrice { amount currencyCode } subtotal { amount } product { id } }
        shortages { productId requested available }
        rejection { reason message shortages { productId requested available } }
      }
    }
  }
}`;
const CREATE_PRODUCT = `mutation($input: CreateProductInput!) { createProduct(input: $input) { id price { amount } } }`;
const UPDATE_PRODUCT = `mutation($input: UpdateProductInput!) { updateProduct(input: $input) { id price { amount } } }`;
const CREATE_ORDER = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { id status total { amount } } }`;
const UNKNOWN_PRODUCT = '01a20d59-0000-7000-8000-0000000000aa';

function str(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
  return value;
}

async function createProduct(name: string, price: string, stock: number): Promise<string> {
  const response = await stack.request(CREATE_PRODUCT, { token: admin, variables: { input: { name, description: '', price, stock } } });
  expect(response.errors).toBeUndefined();
  return str(at(response.data, 'createProduct', 'id'));
}

async function order(token: string, items: { productId: string; quantity: number }[], idempotencyKey?: string) {
  return stack.request(CREATE_ORDER, { token, variables: { input: { items, idempotencyKey } } });
}

async function stockOf(productId: string): Promise<number> {
  const response = await stack.request(`query($id: ID!) { product(id: $id) { stock } }`, { variables: { id: productId } });
  const stock = at(response.data, 'product', 'stock');
  if (typeof stock !== 'number') throw new Error(`no stock in ${JSON.stringify(response)}`);
  return stock;
}

async function history(token: string): Promise<Array<Record<string, unknown>>> {
  const response = await stack.request(EVERY_FIELD, { token });
  expect(response.errors).toBeUndefined();
  const nodes = at(response.data, 'viewer', 'orders', 'nodes');
  if (!Array.isArray(nodes)) throw new Error('no nodes');
  return nodes.map((node: Record<string, unknown>) => node);
}

async function sql(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query<Record<string, unknown>>(text, values);
  } finally {
    await client.end();
  }
}

/**
 * Writes a PENDING order as the order service does before it asks the Catalog: what a crash right
 * after that write leaves (the crash itself is tested in services/order).
 */
async function writePending(accountId: string, productId: string, quantity: number): Promise<string> {
  const id = newId();
  await sql(
    stack.databaseUrls.order,
    `with o as (insert into orders (id, account_id, status, request_fingerprint) values ($1, $2, 'PENDING', $3) returning id)
     insert into order_line (order_id, line_no, product_id, quantity) select id, 1, $4, $5 from o`,
    [id, accountId, `fingerprint of ${id}`, productId, quantity],
  );
  return id;
}

/**
 * Runs the reconciler — a second order service on the same database, reconciling at once — until
 * every order given has left PENDING and has no release outstanding.
 */
async function reconcile(ids: readonly string[], env: Record<string, string> = {}): Promise<void> {
  const reconciler = await startOrderService(
    parseConfig(orderConfigSchema, {
      PORT: '0',
      DATABASE_URL: stack.databaseUrls.order,
      ACCOUNT_ADDRESS: stack.account.address,
      CATALOG_ADDRESS: stack.catalog.address,
      RECONCILE_INTERVAL_MS: '50',
      RECONCILE_AFTER_MS: '0',
      ...env,
    }),
    log,
  );
  try {
    for (let tries = 0; tries < 400; tries++) {
      const { rows } = await sql(
        stack.databaseUrls.order,
        `select count(*)::int as open from orders where id = any($1::uuid[]) and (status = 'PENDING' or release_pending)`,
        [ids],
      );
      if (rows[0]?.open === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`orders ${ids.join(', ')} were not reconciled`);
  } finally {
    await reconciler.stop();
  }
}

function onlyError(response: GraphQLResponse) {
  expect(response.errors).toHaveLength(1);
  const [error] = response.errors ?? [];
  if (error === undefined) throw new Error('no error');
  return error;
}

/** What an order that was never priced shows: its lines as asked, and null for every amount. */
const unpriced = (productId: string, quantity: number) => ({
  productId,
  name: null,
  quantity,
  unitPrice: null,
  subtotal: null,
  product: null,
});

describe('order history in every status', () => {
  it('a rejected order (unknown product) does not break the history: it is listed with its reason, and null amounts', async () => {
    const customer = await signUp(stack);
    const lamp = await createProduct('Desk lamp', '19.99', 5);
    const placed = await order(customer.token, [{ productId: lamp, quantity: 1 }]);
    expect(placed.errors).toBeUndefined();

    const first = await order(customer.token, [{ productId: UNKNOWN_PRODUCT, quantity: 2 }], 'unknown-1');
    expect(codes(first)).toEqual(['NOT_FOUND']);
    // The keyed retry replays the stored rejection.
    const again = await order(customer.token, [{ productId: UNKNOWN_PRODUCT, quantity: 2 }], 'unknown-1');
    expect(codes(again)).toEqual(['NOT_FOUND']);

    // The query as it was first reported: INTERNAL and viewer null before the fix.
    const reported = await stack.request(
      `{ viewer { orders(first: 50) { nodes { id status total { amount } items { name unitPrice { amount } subtotal { amount } } } } } }`,
      { token: customer.token },
    );
    expect(reported.errors).toBeUndefined();
    expect(at(reported.data, 'viewer', 'orders', 'nodes', 0)).toMatchObject({
      status: 'REJECTED',
      total: null,
      items: [{ name: null, unitPrice: null, subtotal: null }],
    });

    const nodes = await history(customer.token);
    expect(nodes.map((node) => node.status)).toEqual(['REJECTED', 'PLACED']);
    expect(nodes[0]).toMatchObject({
      total: null,
      items: [unpriced(UNKNOWN_PRODUCT, 2)],
      shortages: [],
      rejection: { reason: 'PRODUCT_NOT_FOUND', shortages: [] },
    });
    expect(str(at(nodes[0], 'rejection', 'message'))).toContain(UNKNOWN_PRODUCT);
    expect(nodes[1]).toMatchObject({
      rejection: null,
      total: { amount: '19.99', currencyCode: 'USD' },
      items: [{ productId: lamp, name: 'Desk lamp', quantity: 1, unitPrice: { amount: '19.99' }, subtotal: { amount: '19.99' } }],
    });
  });

  it('OUT_OF_STOCK: the rejection names the short products, as the old shortages field does', async () => {
    const customer = await signUp(stack);
    const vase = await createProduct('Glass vase', '12.00', 1);
    expect(codes(await order(customer.token, [{ productId: vase, quantity: 3 }]))).toEqual(['OUT_OF_STOCK']);
    const [rejected] = await history(customer.token);
    const shortage = { productId: vase, requested: 3, available: 1 };
    expect(rejected).toMatchObject({
      status: 'REJECTED',
      total: null,
      items: [{ ...unpriced(vase, 3), product: { id: vase } }],
      shortages: [shortage],
      rejection: { reason: 'OUT_OF_STOCK', shortages: [shortage] },
    });
  });

  it('PLACED and CANCELLED orders have every amount; PENDING and timed-out orders have none', async () => {
    const customer = await signUp(stack);
    const pen = await createProduct('Fountain pen', '35.00', 10);
    const kept = str(at((await order(customer.token, [{ productId: pen, quantity: 2 }])).data, 'createOrder', 'id'));
    const cancelledId = str(at((await order(customer.token, [{ productId: pen, quantity: 1 }])).data, 'createOrder', 'id'));
    const cancelled = await stack.request(`mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { status } }`, {
      token: customer.token,
      variables: { input: { orderId: cancelledId } },
    });
    expect(cancelled.data).toEqual({ cancelOrder: { status: 'CANCELLED' } });

    // Before the reservation: the Catalog never heard of it. After: the stock was taken, and the
    // order service died before recording PLACED. A reconciler that gives up at once makes both
    // REJECTED, TIMED_OUT, holding nothing.
    const beforeReservation = await writePending(customer.id, pen, 4);
    const afterReservation = await writePending(customer.id, pen, 2);
    await catalog.reserveStock({ reservationId: afterReservation, lines: [{ productId: pen, quantity: 2 }] });
    expect(await stockOf(pen)).toBe(6);
    await reconcile([beforeReservation, afterReservation], { PENDING_TIMEOUT_MS: '0' });
    const pendingId = await writePending(customer.id, pen, 4);

    const nodes = await history(customer.token);
    const byId = new Map(nodes.map((node) => [node.id, node]));
    expect(byId.get(pendingId)).toMatchObject({ status: 'PENDING', total: null, items: [{ ...unpriced(pen, 4), product: { id: pen } }], rejection: null });
    for (const [id, quantity] of [[beforeReservation, 4], [afterReservation, 2]] as const) {
      expect(byId.get(id)).toMatchObject({
        status: 'REJECTED',
        total: null,
        items: [{ ...unpriced(pen, quantity), product: { id: pen } }],
        shortages: [],
        rejection: { reason: 'TIMED_OUT', shortages: [] },
      });
    }
    expect(byId.get(kept)).toMatchObject({ status: 'PLACED', total: { amount: '70.00' }, rejection: null });
    expect(byId.get(cancelledId)).toMatchObject({
      status: 'CANCELLED',
      total: { amount: '35.00' },
      items: [{ name: 'Fountain pen', unitPrice: { amount: '35.00' }, subtotal: { amount: '35.00' } }],
      rejection: null,
    });
    // Nothing is held by the rejected, cancelled or pending orders: 10 - 2 placed.
    expect(await stockOf(pen)).toBe(8);
  });

  it('rejected after the reservation: one an older catalog took at a price no total can hold is released, never PLACED', async () => {
    const customer = await signUp(stack);
    const clock = await createProduct('Grandfather clock', '900.00', 5);
    const id = await writePending(customer.id, clock, 2);
    await catalog.reserveStock({ reservationId: id, lines: [{ productId: clock, quantity: 2 }] });
    // The snapshot as a catalog without a price maximum would have stored it.
    await sql(stack.databaseUrls.catalog, `update reservation_line set unit_price_minor = $2 where reservation_id = $1`, [id, '9223372036854775000']);
    expect(await stockOf(clock)).toBe(3);
    await reconcile([id]);
    const [rejected] = await history(customer.token);
    expect(rejected).toMatchObject({
      id,
      status: 'REJECTED',
      total: null,
      items: [{ ...unpriced(clock, 2), product: { id: clock } }],
      rejection: { reason: 'TOTAL_OUT_OF_RANGE', shortages: [] },
    });
    expect(await stockOf(clock)).toBe(5);
  });
});

describe('money that cannot be held takes no stock', () => {
  it('a price above the maximum is BAD_USER_INPUT on input.price, for createProduct and updateProduct', async () => {
    const huge = '92233720368547758.07';
    const created = await stack.request(CREATE_PRODUCT, { token: admin, variables: { input: { name: 'Gold bar', description: '', price: huge, stock: 3 } } });
    expect(onlyError(created).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.price' });
    expect(onlyError(created).message).toMatch(/^input\.price: must be at most 1000000000000\.00/);
    // The maximum itself is a price.
    const bar = await createProduct('Gold bar', '1000000000000.00', 3);
    const updated = await stack.request(UPDATE_PRODUCT, { token: admin, variables: { input: { id: bar, price: '1000000000000.01' } } });
    expect(onlyError(updated).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.price' });
    // The largest order at the largest price fits: 1,000 units of it is exact.
    await stack.request(UPDATE_PRODUCT, { token: admin, variables: { input: { id: bar, stock: 1000 } } });
    const customer = await signUp(stack);
    const big = await order(customer.token, [{ productId: bar, quantity: 1000 }]);
    expect(big.errors).toBeUndefined();
    expect(at(big.data, 'createOrder', 'total', 'amount')).toBe('1000000000000000.00');
  });

  it('a legacy price near the int64 limit: createOrder of 2 is a client error, holds nothing, and leaves no PENDING order', async () => {
    const relic = await createProduct('Relic', '1.00', 5);
    // Written by an older release that had no maximum.
    await sql(stack.databaseUrls.catalog, `update product set price_minor = $2 where id = $1`, [relic, '9223372036854775000']);
    const customer = await signUp(stack);
    const response = await order(customer.token, [{ productId: relic, quantity: 2 }], 'relic-1');
    expect(response.data).toBeNull();
    const error = onlyError(response);
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.items', reason: 'PRICE_OUT_OF_RANGE' });
    expect(await stockOf(relic)).toBe(5);
    // The retry answers the same, and still takes nothing.
    expect(onlyError(await order(customer.token, [{ productId: relic, quantity: 2 }], 'relic-1')).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'PRICE_OUT_OF_RANGE',
    });
    expect(await stockOf(relic)).toBe(5);
    const nodes = await history(customer.token);
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({ status: 'REJECTED', total: null, rejection: { reason: 'PRICE_OUT_OF_RANGE' } });
    // The product itself still reads, at the price it has.
    const read = await stack.request(`query($id: ID!) { product(id: $id) { price { amount } } }`, { variables: { id: relic } });
    expect(read.data).toEqual({ product: { price: { amount: '92233720368547750.00' } } });
  });
});
