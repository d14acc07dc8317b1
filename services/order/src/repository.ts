import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { Money } from '@emporium/kit/money.js';
import { recordEvent } from '@emporium/kit/outbox.js';
import { orderCancelledEvent, orderPlacedEvent, orderRejectedEvent } from './events.js';
import { orderTransition } from './metrics.js';
import type { NewPendingOrder, Order, OrderLine, Rejection, ReservedLine, StoredOrder } from './model.js';
import type { OrderDatabase, OrdersTable } from './tables.js';

interface LineJson {
  product_id: string;
  quantity: number;
  name: string | null;
  unit_price_minor: string | null;
}

type OrderRow = Pick<
  Selectable<OrdersTable>,
  'id' | 'account_id' | 'status' | 'request_fingerprint' | 'currency_code' | 'total_minor' | 'rejection' | 'create_time' | 'update_time'
> & { lines: LineJson[] };

/** An order's lines as one JSON array, in line order (amounts as text: JSON numbers lose precision above 2^53). */
function linesOf(orderId: RawBuilder<unknown>): RawBuilder<LineJson[]> {
  return sql<LineJson[]>`coalesce((
    select json_agg(json_build_object(
             'product_id', l.product_id, 'quantity', l.quantity, 'name', l.name,
             'unit_price_minor', l.unit_price_minor::text) order by l.line_no)
    from order_line as l where l.order_id = ${orderId}), '[]'::json)`;
}

function toOrder(row: OrderRow): Order {
  const currency = row.currency_code;
  const money = (minor: bigint | string | null): Money | undefined =>
    currency !== null && minor !== null ? { currencyCode: currency, amountMinor: BigInt(minor) } : undefined;
  const lines: OrderLine[] = row.lines.map((line) => {
    const unitPrice = money(line.unit_price_minor);
    return {
      productId: line.product_id,
      quantity: line.quantity,
      ...(line.name !== null ? { name: line.name } : {}),
      ...(unitPrice ? { unitPrice } : {}),
    };
  });
  const total = money(row.total_minor);
  return {
    id: row.id,
    accountId: row.account_id,
    status: row.status,
    lines,
    ...(total ? { total } : {}),
    ...(row.rejection ? { rejection: row.rejection } : {}),
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

export class OrderRepository {
  constructor(private readonly db: Kysely<OrderDatabase>) {}

  /** Every read of an order is this one statement: the order with its lines aggregated. */
  private selectOrders() {
    return this.db
      .selectFrom('orders')
      .select([
        'orders.id',
        'orders.account_id',
        'orders.status',
        'orders.request_fingerprint',
        'orders.currency_code',
        'orders.total_minor',
        'orders.rejection',
        'orders.create_time',
        'orders.update_time',
        linesOf(sql.ref('orders.id')).as('lines'),
      ]);
  }

  /**
   * Writes a PENDING order and its lines in one transaction. With an idempotency key already taken
   * (also by a concurrent call: the unique constraint makes it wait for that one to commit), writes
   * nothing and returns the order that holds the key.
   */
  async insertPending(order: NewPendingOrder): Promise<{ stored: StoredOrder; created: boolean }> {
    const created = await this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('orders')
        .values({
          id: order.id,
          account_id: order.accountId,
          status: 'PENDING',
          idempotency_key: order.idempotencyKey ?? null,
          request_fingerprint: order.requestFingerprint,
          currency_code: null,
          total_minor: null,
          rejection: null,
        })
        .onConflict((conflict) => conflict.columns(['account_id', 'idempotency_key']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) return false;
      await trx
        .insertInto('order_line')
        .values(
          order.lines.map((line, index) => ({
            order_id: order.id,
            line_no: index + 1,
            product_id: line.productId,
            quantity: line.quantity,
            name: null,
            unit_price_minor: null,
          })),
        )
        .execute();
      return true;
    });
    if (created) orderTransition('none', 'PENDING');
    const stored = created
      ? await this.findStoredById(order.id)
      : order.idempotencyKey !== undefined
        ? await this.findByKey(order.accountId, order.idempotencyKey)
        : undefined;
    if (!stored) throw new Error(`order ${order.id} not found right after writing it`);
    return { stored, created };
  }

  async findByKey(accountId: string, idempotencyKey: string): Promise<StoredOrder | undefined> {
    const row = await this.selectOrders()
      .where('orders.account_id', '=', accountId)
      .where('orders.idempotency_key', '=', idempotencyKey)
      .executeTakeFirst();
    return row && { order: toOrder(row), requestFingerprint: row.request_fingerprint };
  }

  private async findStoredById(id: string): Promise<StoredOrder | undefined> {
    const row = await this.selectOrders().where('orders.id', '=', id).executeTakeFirst();
    return row && { order: toOrder(row), requestFingerprint: row.request_fingerprint };
  }

  async findById(id: string): Promise<Order | undefined> {
    return (await this.findStoredById(id))?.order;
  }

  /**
   * PENDING -> PLACED with the reservation's snapshot, and its OrderPlaced event, in one
   * transaction. False if the order had left PENDING already.
   */
  async markPlaced(id: string, reserved: readonly ReservedLine[], total: Money): Promise<boolean> {
    const placed = await this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('orders')
        .set({
          status: 'PLACED',
          currency_code: total.currencyCode,
          total_minor: total.amountMinor,
          update_time: sql`now()`,
          version: sql`version + 1`,
        })
        .where('id', '=', id)
        .where('status', '=', 'PENDING')
        .returning(['account_id', 'version', 'update_time'])
        .executeTakeFirst();
      if (!updated) return false;
      for (const line of reserved) {
        await trx
          .updateTable('order_line')
          .set({ name: line.name, unit_price_minor: line.unitPrice.amountMinor })
          .where('order_id', '=', id)
          .where('product_id', '=', line.productId)
          .execute();
      }
      const order = { id, accountId: updated.account_id, version: updated.version };
      await recordEvent(trx, orderPlacedEvent(order, reserved, total, updated.update_time));
      return true;
    });
    if (placed) orderTransition('PENDING', 'PLACED');
    return placed;
  }

  /**
   * PENDING -> REJECTED, remembering why, and its OrderRejected event, in one transaction. With
   * releaseStock, the same write records that a reservation may exist and must be released.
   * False if the order had left PENDING already.
   */
  async markRejected(id: string, rejection: Rejection, options: { releaseStock: boolean }): Promise<boolean> {
    const rejected = await this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('orders')
        .set({
          status: 'REJECTED',
          rejection: JSON.stringify(rejection),
          release_pending: options.releaseStock,
          update_time: sql`now()`,
          version: sql`version + 1`,
        })
        .where('id', '=', id)
        .where('status', '=', 'PENDING')
        .returning(['account_id', 'version'])
        .executeTakeFirst();
      if (!updated) return false;
      await recordEvent(trx, orderRejectedEvent({ id, accountId: updated.account_id, version: updated.version }, rejection));
      return true;
    });
    if (rejected) orderTransition('PENDING', 'REJECTED');
    return rejected;
  }

  /**
   * PLACED -> CANCELLED with its release marked pending, and its OrderCancelled event, in one
   * transaction. False if it was not PLACED.
   */
  async markCancelled(id: string): Promise<boolean> {
    const cancelled = await this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('orders')
        .set({ status: 'CANCELLED', release_pending: true, update_time: sql`now()`, version: sql`version + 1` })
        .where('id', '=', id)
        .where('status', '=', 'PLACED')
        .returning(['account_id', 'version'])
        .executeTakeFirst();
      if (!updated) return false;
      await recordEvent(trx, orderCancelledEvent({ id, accountId: updated.account_id, version: updated.version }));
      return true;
    });
    if (cancelled) orderTransition('PLACED', 'CANCELLED');
    return cancelled;
  }

  async isReleasePending(id: string): Promise<boolean> {
    const row = await this.db.selectFrom('orders').select('release_pending').where('id', '=', id).executeTakeFirst();
    return row?.release_pending ?? false;
  }

  async clearReleasePending(id: string): Promise<void> {
    await this.db.updateTable('orders').set({ release_pending: false }).where('id', '=', id).execute();
  }

  /** Seconds since the oldest PENDING order was created; 0 when none is (a look at the partial index orders_unfinished's few rows). */
  async oldestPendingAgeSeconds(): Promise<number> {
    const row = await this.db
      .selectFrom('orders')
      .select(sql<string | null>`extract(epoch from now() - min(create_time))::text`.as('age'))
      .where('status', '=', 'PENDING')
      .executeTakeFirst();
    return row?.age == null ? 0 : Math.max(0, Number(row.age));
  }

  /** PENDING orders last touched before `before`, oldest first. */
  async findPending(before: Date, limit: number): Promise<Order[]> {
    const rows = await this.selectOrders()
      .where('orders.status', '=', 'PENDING')
      .where('orders.update_time', '<=', before)
      .orderBy('orders.update_time')
      .limit(limit)
      .execute();
    return rows.map(toOrder);
  }

  /** Orders whose stock release the Catalog has not confirmed, last touched before `before`. */
  async findReleasePending(before: Date, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('orders')
      .select('id')
      .where('release_pending', '=', true)
      .where('update_time', '<=', before)
      .orderBy('update_time')
      .limit(limit)
      .execute();
    return rows.map((row) => row.id);
  }

  /** One account's orders, newest first, with ids below `before`. */
  async listNewestFirst(accountId: string, limit: number, before: string | undefined): Promise<Order[]> {
    let query = this.selectOrders().where('orders.account_id', '=', accountId).orderBy('orders.id', 'desc').limit(limit);
    if (before !== undefined) query = query.where('orders.id', '<', before);
    return (await query.execute()).map(toOrder);
  }

  async countForAccount(accountId: string): Promise<number> {
    const { count } = await this.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<bigint>().as('count'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  /**
   * For each account, its newest `limit` orders and its order count — in one statement: a lateral
   * join per account, so each account reads only its own rows through (account_id, id desc).
   */
  async firstPages(accountIds: readonly string[], limit: number): Promise<Map<string, { orders: Order[]; totalSize: number }>> {
    const result = new Map<string, { orders: Order[]; totalSize: number }>(
      accountIds.map((id) => [id, { orders: [], totalSize: 0 }]),
    );
    if (accountIds.length === 0) return result;
    const { rows } = await sql<OrderRow & { total_size: bigint }>`
      select o.id, o.account_id, o.status, o.request_fingerprint, o.currency_code, o.total_minor, o.rejection,
             o.create_time, o.update_time, counted.total_size, ${linesOf(sql.ref('o.id'))} as lines
      from unnest(${[...accountIds]}::uuid[]) as wanted (account_id)
      cross join lateral (select count(*) as total_size from orders where account_id = wanted.account_id) as counted
      cross join lateral (
        select * from orders where account_id = wanted.account_id order by id desc limit ${limit}
      ) as o
      order by o.account_id, o.id desc`.execute(this.db);
    for (const row of rows) {
      const entry = result.get(row.account_id);
      if (!entry) continue;
      entry.totalSize = Number(row.total_size);
      entry.orders.push(toOrder(row));
    }
    return result;
  }
}
