import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import { jwtVerify } from 'jose';
import pg from 'pg';
import { z } from 'zod';
import { newId } from '@emporium/kit/ids.js';
import { formatDecimal } from '@emporium/kit/money.js';
import {
  ACCOUNT_BY_ID,
  ORDER_BY_ID,
  ORDER_BY_KEY,
  ORDER_INSERT,
  ORDER_LINE_SNAPSHOT,
  ORDER_PLACE,
  ORDER_REJECT,
  PRODUCT_BY_ID,
  RESERVATION_CLAIM,
  RESERVATION_LINE,
  RESERVATION_TAKE,
  SEARCH_COUNT,
  SEARCH_PAGE,
  SEARCH_PAGE_SIZE,
  orderLinesInsert,
  reservationLock,
} from './service-sql.js';

// The monolith floor: the least a single process can do to answer the benchmark's requests — the
// same HTTP request, the same SQL on the same three databases, the same JSON — with no GraphQL
// execution and no gRPC hop. What the platform costs above this is the price of its design.
// It answers only the benchmark's documents, chosen by operationName; it is not an API.

const config = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(0),
    ACCOUNT_DATABASE_URL: z.string().startsWith('postgres'),
    CATALOG_DATABASE_URL: z.string().startsWith('postgres'),
    ORDER_DATABASE_URL: z.string().startsWith('postgres'),
    /** The gateway's secret: the floor accepts the tokens the gateway issued. */
    JWT_SECRET: z.string().min(32),
    /** The services' default pool size, so both sides may hold as many connections per database. */
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  })
  .parse(process.env);

// The claims of the gateway's access tokens: the floor accepts the tokens the gateway issued.
const TOKEN_ISSUER = 'emporium-gateway';
const TOKEN_AUDIENCE = 'emporium';
const tokenKey = new TextEncoder().encode(config.JWT_SECRET);
const claims = z.object({ sub: z.uuid(), role: z.enum(['CUSTOMER', 'ADMIN']) });

const pool = (url: string) => new pg.Pool({ connectionString: url, max: config.DATABASE_POOL_MAX });
const accountDb = pool(config.ACCOUNT_DATABASE_URL);
const catalogDb = pool(config.CATALOG_DATABASE_URL);
const orderDb = pool(config.ORDER_DATABASE_URL);

const uuid = z.uuid().transform((id) => id.toLowerCase());
const request = z.discriminatedUnion('operationName', [
  z.object({ operationName: z.literal('Search'), variables: z.object({ query: z.string().max(500) }) }),
  z.object({ operationName: z.literal('Product'), variables: z.object({ id: uuid }) }),
  z.object({
    operationName: z.literal('CreateOrder'),
    variables: z.object({
      input: z.object({
        items: z.array(z.object({ productId: uuid, quantity: z.number().int().min(1).max(1000) })).min(1).max(50),
        idempotencyKey: z.string().min(1).max(200).optional(),
      }),
    }),
  }),
]);

/** An error the way the gateway shapes it. */
class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 200,
  ) {
    super(message);
  }
}

interface ProductRow {
  id: string;
  name: string;
  description: string;
  price_currency: string;
  /** int8 arrives as its decimal string (pg's default), never as a float. */
  price_minor: string;
  stock: number;
}

const money = (currencyCode: string, minor: string) => ({ amount: formatDecimal({ currencyCode, amountMinor: BigInt(minor) }), currencyCode });

async function search(text: string) {
  // Both statements at once, on two connections, as the catalog service runs them.
  const [page, count] = await Promise.all([
    catalogDb.query<ProductRow>(SEARCH_PAGE, [text, text, SEARCH_PAGE_SIZE + 1]),
    catalogDb.query<{ count: string }>(SEARCH_COUNT, [text]),
  ]);
  return {
    products: {
      totalCount: Number(count.rows[0]?.count ?? 0),
      nodes: page.rows.slice(0, SEARCH_PAGE_SIZE).map((row) => ({
        id: row.id,
        name: row.name,
        price: money(row.price_currency, row.price_minor),
        stock: row.stock,
      })),
    },
  };
}

async function product(id: string) {
  const row = (await catalogDb.query<ProductRow>(PRODUCT_BY_ID, [id])).rows[0];
  if (row === undefined) throw new ApiError('NOT_FOUND', `no product has id ${id}`);
  return {
    product: { id: row.id, name: row.name, description: row.description, price: money(row.price_currency, row.price_minor), stock: row.stock },
  };
}

interface OrderRow {
  id: string;
  status: string;
  request_fingerprint: string;
  currency_code: string | null;
  total_minor: string | null;
  lines: Array<{ product_id: string; quantity: number; name: string | null; unit_price_minor: string | null }>;
}

function orderResult(order: OrderRow) {
  const currency = order.currency_code ?? 'USD';
  return {
    createOrder: {
      id: order.id,
      status: order.status,
      total: money(currency, order.total_minor ?? '0'),
      items: order.lines.map((line) => ({
        productId: line.product_id,
        quantity: line.quantity,
        unitPrice: money(currency, line.unit_price_minor ?? '0'),
      })),
    },
  };
}

async function inTransaction<T>(db: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

async function viewerOf(authorization: string | undefined): Promise<string> {
  const token = /^Bearer +([A-Za-z0-9_\-.]+) *$/i.exec(authorization ?? '')?.[1];
  if (token === undefined) throw new ApiError('UNAUTHENTICATED', 'log in to order', 401);
  try {
    const { payload } = await jwtVerify(token, tokenKey, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['HS256'] });
    return claims.parse(payload).sub;
  } catch {
    throw new ApiError('UNAUTHENTICATED', 'the token is not valid', 401);
  }
}

class OutOfStock extends Error {}

/** The order service's createOrder and the catalog's reserve, statement for statement, in one process. */
async function createOrder(accountId: string, items: ReadonlyArray<{ productId: string; quantity: number }>, key: string | undefined) {
  const merged = new Map<string, number>();
  for (const item of items) merged.set(item.productId, (merged.get(item.productId) ?? 0) + item.quantity);
  const lines = [...merged].map(([productId, quantity]) => ({ productId, quantity }));
  const canonical = [...lines].sort((a, b) => a.productId.localeCompare(b.productId));
  const fingerprint = createHash('sha256').update(JSON.stringify({ accountId, lines: canonical })).digest('base64url');

  if (key !== undefined) {
    const existing = (await orderDb.query<OrderRow>(ORDER_BY_KEY, [accountId, key])).rows[0];
    if (existing !== undefined) return orderResult(existing);
  }
  if ((await accountDb.query(ACCOUNT_BY_ID, [accountId])).rows.length === 0) {
    throw new ApiError('FAILED_PRECONDITION', `no account has id ${accountId}`);
  }
  const orderId = newId();
  await inTransaction(orderDb, async (client) => {
    await client.query(ORDER_INSERT, [orderId, accountId, 'PENDING', key ?? null, fingerprint, null, null, null]);
    await client.query(
      orderLinesInsert(lines.length),
      lines.flatMap((line, index) => [orderId, index + 1, line.productId, line.quantity, null, null]),
    );
  });
  await orderDb.query(ORDER_BY_ID, [orderId]);

  let reserved: Array<{ productId: string; name: string; priceMinor: string; quantity: number }>;
  try {
    reserved = await inTransaction(catalogDb, async (client) => {
      await client.query(RESERVATION_CLAIM, [orderId, 'HELD']);
      const ids = lines.map((line) => line.productId).sort();
      const locked = await client.query<{ id: string; name: string; price_minor: string; stock: number }>(reservationLock(ids.length), ids);
      const byId = new Map(locked.rows.map((row) => [row.id, row]));
      if (lines.some((line) => (byId.get(line.productId)?.stock ?? 0) < line.quantity)) throw new OutOfStock();
      const taken = [];
      for (const [index, line] of lines.entries()) {
        const row = byId.get(line.productId);
        if (row === undefined) throw new OutOfStock();
        await client.query(RESERVATION_TAKE, [line.quantity, line.productId]);
        await client.query(RESERVATION_LINE, [orderId, line.productId, index, row.name, 'USD', row.price_minor, line.quantity]);
        taken.push({ productId: line.productId, name: row.name, priceMinor: row.price_minor, quantity: line.quantity });
      }
      return taken;
    });
  } catch (error) {
    if (!(error instanceof OutOfStock)) throw error;
    const rejection = JSON.stringify({ kind: 'FAILED_PRECONDITION', reason: 'OUT_OF_STOCK', message: 'not enough stock', shortages: [] });
    await orderDb.query(ORDER_REJECT, ['REJECTED', rejection, false, orderId, 'PENDING']);
    await orderDb.query(ORDER_BY_ID, [orderId]);
    throw new ApiError('OUT_OF_STOCK', 'not enough stock');
  }
  const total = reserved.reduce((sum, line) => sum + BigInt(line.priceMinor) * BigInt(line.quantity), 0n);
  await inTransaction(orderDb, async (client) => {
    await client.query(ORDER_PLACE, ['PLACED', 'USD', total.toString(), orderId, 'PENDING']);
    for (const line of reserved) await client.query(ORDER_LINE_SNAPSHOT, [line.name, line.priceMinor, orderId, line.productId]);
  });
  const placed = (await orderDb.query<OrderRow>(ORDER_BY_ID, [orderId])).rows[0];
  if (placed === undefined) throw new Error(`order ${orderId} vanished`);
  return orderResult(placed);
}

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });

app.post('/graphql', async (req, reply) => {
  const parsed = request.safeParse(req.body);
  if (!parsed.success) {
    return reply.send({ errors: [{ message: 'not a benchmark request', extensions: { code: 'BAD_USER_INPUT' } }] });
  }
  try {
    const body = parsed.data;
    switch (body.operationName) {
      case 'Search':
        return { data: await search(body.variables.query) };
      case 'Product':
        return { data: await product(body.variables.id) };
      case 'CreateOrder': {
        const accountId = await viewerOf(req.headers.authorization);
        const { items, idempotencyKey } = body.variables.input;
        return { data: await createOrder(accountId, items, idempotencyKey) };
      }
    }
  } catch (error) {
    if (error instanceof ApiError) {
      return reply.status(error.status).send({ data: null, errors: [{ message: error.message, extensions: { code: error.code } }] });
    }
    process.stderr.write(`unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return reply.status(500).send({ data: null, errors: [{ message: 'internal error', extensions: { code: 'INTERNAL' } }] });
  }
});

async function stop(): Promise<void> {
  await app.close();
  await Promise.all([accountDb.end(), catalogDb.end(), orderDb.end()]);
  // A clean exit, so that --cpu-prof writes its profile.
  process.exit(0);
}

await app.listen({ host: config.HOST, port: config.PORT });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ msg: 'monolith listening', port: typeof address === 'object' && address !== null ? address.port : config.PORT })}\n`);
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
