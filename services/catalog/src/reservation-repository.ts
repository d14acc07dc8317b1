import { sql, type Kysely, type Transaction } from 'kysely';
import { inTransaction } from '@emporium/kit/database.js';
import { MAX_PRICE_MINOR, checkedTotal } from '@emporium/kit/money.js';
import { recordEvents } from '@emporium/kit/outbox.js';
import { productChangedEvent } from './events.js';
import type { ReleaseOutcome, ReserveOutcome, ReservedLine, StoredReservation } from './model.js';
import { SNAPSHOT_COLUMNS, snapshotOf, type CatalogDatabase } from './tables.js';

// Reservations: stock taken for an order all at once or not at all, and given back exactly once.
// Every product whose stock moves gets a new version and a ProductChanged event in the same
// transaction. Products and search are repository.ts.

/** Unwinds a reservation transaction (nothing it did stays) while carrying why to the caller. */
class Rollback extends Error {
  constructor(readonly outcome: ReserveOutcome) {
    super('reservation rolled back');
  }
}

export class ReservationRepository {
  constructor(private readonly db: Kysely<CatalogDatabase>) {}

  /**
   * One transaction: claim the reservation id, lock the products in id order (every transaction
   * that locks several products does so in that order, so they queue instead of deadlocking),
   * check all of them, then take the stock and store the snapshot. Any refusal rolls back the
   * claim too, so a failed reservation leaves no trace and may be retried.
   */
  async reserve(reservationId: string, lines: ReadonlyArray<{ productId: string; quantity: number }>): Promise<ReserveOutcome> {
    try {
      return await inTransaction(this.db, async (trx) => {
        // A concurrent transaction claiming the same id makes this insert wait for its outcome:
        // after it commits, the conflict leaves us with its reservation to answer from.
        const claimed = await trx
          .insertInto('reservation')
          .values({ id: reservationId, status: 'HELD' })
          .onConflict((conflict) => conflict.column('id').doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!claimed) return { kind: 'existing', reservation: await this.loadReservation(trx, reservationId) };

        const ids = lines.map((line) => line.productId).sort();
        const products = await trx
          .selectFrom('product')
          .select(['id', 'name', 'price_currency', 'price_minor', 'stock'])
          .where('id', 'in', ids)
          .orderBy('id')
          .forUpdate()
          .execute();
        const byId = new Map(products.map((product) => [product.id, product]));
        const unknown = ids.filter((id) => !byId.has(id));
        if (unknown.length > 0) throw new Rollback({ kind: 'unknownProducts', productIds: unknown });
        const shortages = lines.flatMap((line) => {
          const available = byId.get(line.productId)?.stock ?? 0;
          return available < line.quantity ? [{ productId: line.productId, requested: line.quantity, available }] : [];
        });
        if (shortages.length > 0) throw new Rollback({ kind: 'insufficientStock', shortages });
        // Priced before anything is taken: a reservation whose money cannot be held takes nothing.
        const overpriced = products.filter((product) => product.price_minor > MAX_PRICE_MINOR).map((product) => product.id);
        if (overpriced.length > 0) throw new Rollback({ kind: 'priceOutOfRange', productIds: overpriced });
        const priced = lines.flatMap((line) => {
          const product = byId.get(line.productId);
          return product ? [{ unitPrice: { currencyCode: product.price_currency, amountMinor: product.price_minor }, quantity: line.quantity }] : [];
        });
        const currency = priced[0]?.unitPrice.currencyCode ?? '';
        if (checkedTotal(priced, currency) === undefined) throw new Rollback({ kind: 'totalOutOfRange' });

        const reserved: ReservedLine[] = [];
        const changed: Array<ReturnType<typeof productChangedEvent>> = [];
        for (const [index, line] of lines.entries()) {
          const product = byId.get(line.productId);
          if (product === undefined) throw new Error('a locked product vanished');
          const taken = await trx
            .updateTable('product')
            .set((eb) => ({ stock: eb('stock', '-', line.quantity), version: sql<bigint>`version + 1` }))
            .where('id', '=', line.productId)
            .returning(SNAPSHOT_COLUMNS)
            .executeTakeFirstOrThrow();
          changed.push(productChangedEvent(snapshotOf(taken), ['stock']));
          await trx
            .insertInto('reservation_line')
            .values({
              reservation_id: reservationId,
              product_id: line.productId,
              line_number: index,
              product_name: product.name,
              unit_price_currency: product.price_currency,
              unit_price_minor: product.price_minor,
              quantity: line.quantity,
            })
            .execute();
          reserved.push({
            productId: line.productId,
            name: product.name,
            unitPrice: { currencyCode: product.price_currency, amountMinor: product.price_minor },
            quantity: line.quantity,
          });
        }
        await recordEvents(trx, changed);
        return { kind: 'reserved', lines: reserved };
      });
    } catch (error) {
      if (error instanceof Rollback) return error.outcome;
      throw error;
    }
  }

  private async loadReservation(trx: Transaction<CatalogDatabase>, reservationId: string): Promise<StoredReservation> {
    const reservation = await trx
      .selectFrom('reservation')
      .select('status')
      .where('id', '=', reservationId)
      .executeTakeFirstOrThrow();
    const lines = await trx
      .selectFrom('reservation_line')
      .select(['product_id', 'product_name', 'unit_price_currency', 'unit_price_minor', 'quantity'])
      .where('reservation_id', '=', reservationId)
      .orderBy('line_number')
      .execute();
    return {
      status: reservation.status,
      lines: lines.map((line) => ({
        productId: line.product_id,
        name: line.product_name,
        unitPrice: { currencyCode: line.unit_price_currency, amountMinor: line.unit_price_minor },
        quantity: line.quantity,
      })),
    };
  }

  /**
   * Gives the stock back once. The reservation row is locked first, so of two concurrent
   * releases the second waits and then sees RELEASED. An id never reserved is recorded as VOID
   * (no stock moves): a reservation still in flight for it then fails instead of holding stock
   * that its caller, having released, will never give back.
   */
  async release(reservationId: string): Promise<ReleaseOutcome> {
    return inTransaction(this.db, async (trx) => {
      const voided = await trx
        .insertInto('reservation')
        .values({ id: reservationId, status: 'VOID', release_time: sql<Date>`now()` })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (voided) return 'NOT_FOUND';
      const { status } = await trx
        .selectFrom('reservation')
        .select('status')
        .where('id', '=', reservationId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      if (status === 'VOID') return 'NOT_FOUND';
      if (status === 'RELEASED') return 'ALREADY_RELEASED';

      const lines = await trx
        .selectFrom('reservation_line')
        .select(['product_id', 'quantity'])
        .where('reservation_id', '=', reservationId)
        .orderBy('product_id')
        .execute();
      if (lines.length > 0) {
        await trx
          .selectFrom('product')
          .select('id')
          .where(
            'id',
            'in',
            lines.map((line) => line.product_id),
          )
          .orderBy('id')
          .forUpdate()
          .execute();
      }
      const changed: Array<ReturnType<typeof productChangedEvent>> = [];
      for (const line of lines) {
        const returned = await trx
          .updateTable('product')
          .set((eb) => ({ stock: eb('stock', '+', line.quantity), version: sql<bigint>`version + 1` }))
          .where('id', '=', line.product_id)
          .returning(SNAPSHOT_COLUMNS)
          .executeTakeFirstOrThrow();
        changed.push(productChangedEvent(snapshotOf(returned), ['stock']));
      }
      await recordEvents(trx, changed);
      await trx
        .updateTable('reservation')
        .set({ status: 'RELEASED', release_time: sql<Date>`now()` })
        .where('id', '=', reservationId)
        .execute();
      return 'RELEASED';
    });
  }
}
