import pg from 'pg';
import type { BenchDatabases } from '../data/databases.js';
import type { RunResult } from '../load/fixed-connections.js';
import type { CheckResult } from '../report/results.js';

// The books after the order scenarios: what the client saw against what the databases hold.

async function query<T>(url: string, text: string, values: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T & pg.QueryResultRow>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Waits until no order of the load is PENDING (requests cut off when the load stopped may still be settling). */
async function settledCounts(orderUrl: string, keyPrefix: string, productId?: string): Promise<{ placed: number; pending: number; quantity: number }> {
  const text = `select count(distinct o.id) filter (where o.status = 'PLACED')::int as placed,
                       count(distinct o.id) filter (where o.status = 'PENDING')::int as pending,
                       coalesce(sum(l.quantity) filter (where o.status = 'PLACED' and l.product_id = $2::uuid), 0)::int as quantity
                  from orders o left join order_line l on l.order_id = o.id and ($2::uuid is null or l.product_id = $2::uuid)
                 where o.idempotency_key like $1`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [row] = await query<{ placed: number; pending: number; quantity: number }>(orderUrl, text, [`${keyPrefix}%`, productId ?? null]);
    const counts = row ?? { placed: 0, pending: 0, quantity: 0 };
    if (counts.pending === 0 || Date.now() > deadline) return counts;
    await new Promise((done) => setTimeout(done, 250));
  }
}

/** Every success the client saw is a PLACED order; at most one request per connection was in flight when the load stopped. */
export async function checkPlacedOrders(orderUrl: string, keyPrefix: string, loads: readonly RunResult[], connections: number): Promise<CheckResult> {
  const ok = loads.reduce((sum, load) => sum + load.ok, 0);
  const { placed, pending } = await settledCounts(orderUrl, keyPrefix);
  const inFlight = loads.length * connections;
  const passed = pending === 0 && placed >= ok && placed <= ok + inFlight;
  return {
    name: `orders ${keyPrefix}* placed`,
    passed,
    detail: `${placed} PLACED in the order database, ${ok} successes seen by the client (up to ${inFlight} more may have been in flight at the stops), ${pending} PENDING`,
  };
}

interface HotBooks {
  readonly placed: number;
  readonly pending: number;
  readonly quantity: number;
  readonly stock: number;
  readonly held: number;
  /** Orders holding a reservation of the product that are not PLACED: "id STATUS" (none when the books are right). */
  readonly strays: readonly string[];
}

/** Both databases' view of the hot product, the order database read before and after the catalog. */
async function readHotBooks(databases: BenchDatabases, productId: string, prefix: string): Promise<{ books: HotBooks; stable: boolean }> {
  const before = await settledCounts(databases.order, prefix, productId);
  const [catalog] = await query<{ stock: number; held: number; holders: string[] }>(
    databases.catalog,
    `select p.stock,
            coalesce((select sum(l.quantity) from reservation_line l join reservation r on r.id = l.reservation_id
                       where l.product_id = p.id and r.status = 'HELD'), 0)::int as held,
            array(select r.id::text from reservation r join reservation_line l on l.reservation_id = r.id
                   where l.product_id = p.id and r.status = 'HELD') as holders
       from product p where p.id = $1`,
    [productId],
  );
  const after = await settledCounts(databases.order, prefix, productId);
  // A reservation is made for an order of the same id (services/order: reserve(order.id, …)).
  const holders = catalog?.holders ?? [];
  const statuses = await query<{ id: string; status: string }>(databases.order, `select id::text, status from orders where id = any($1::uuid[])`, [holders]);
  const statusOf = new Map(statuses.map((row) => [row.id, row.status]));
  const strays = holders.filter((id) => statusOf.get(id) !== 'PLACED').map((id) => `${id} ${statusOf.get(id) ?? 'MISSING'}`);
  return {
    books: { ...after, stock: catalog?.stock ?? Number.NaN, held: catalog?.held ?? Number.NaN, strays },
    stable: before.placed === after.placed && before.pending === after.pending && before.quantity === after.quantity,
  };
}

/**
 * The hot-order scenario's books: the product's stock is exactly its initial stock minus what the PLACED orders
 * hold. Requests in flight when a load stops are still being served (an order not yet written when
 * the order database is read can hold stock by the time the catalog is read), so the books are read
 * until both databases agree or stop changing, for up to 15 s.
 */
export async function checkHotStock(
  databases: BenchDatabases,
  productId: string,
  initial: number,
  result: RunResult,
  connections: number,
  load: number,
  keyPrefix: string,
): Promise<CheckResult> {
  const prefix = `${keyPrefix}-`;
  const right = (books: HotBooks) =>
    books.pending === 0 && books.stock === initial - books.quantity && books.held === books.quantity && books.quantity === books.placed && books.strays.length === 0;
  const deadline = Date.now() + 15_000;
  let read = await readHotBooks(databases, productId, prefix);
  while (!(right(read.books) && read.stable) && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 250));
    read = await readHotBooks(databases, productId, prefix);
  }
  const { placed, pending, quantity, stock, held, strays } = read.books;
  const passed = right(read.books) && result.ok <= placed && placed <= result.ok + connections;
  return {
    name: `hot product stock, ${load === 0 ? 'warm-up' : `run ${load}`}`,
    passed,
    detail:
      `stock ${stock} = ${initial} − ${quantity} placed: ${stock === initial - quantity ? 'yes' : 'NO'}; catalog holds ${held}; ` +
      `${result.ok} placed and ${result.errors.OUT_OF_STOCK ?? 0} OUT_OF_STOCK seen by the client; ${pending} PENDING` +
      (strays.length === 0 ? '' : `; reservations of orders not PLACED: ${strays.join(', ')}`),
  };
}
