import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per reservation id ever seen. VOID marks an id that was released before any reservation
  // under it committed, so that a reservation arriving late cannot take stock nobody will give back.
  await db.schema
    .createTable('reservation')
    .addColumn('id', 'uuid', (column) => column.primaryKey())
    .addColumn('status', 'text', (column) => column.notNull().check(sql`status in ('HELD', 'RELEASED', 'VOID')`))
    .addColumn('create_time', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('release_time', 'timestamptz')
    .execute();
  // The snapshot the order keeps: name and unit price as they were when the stock was taken.
  await db.schema
    .createTable('reservation_line')
    .addColumn('reservation_id', 'uuid', (column) => column.notNull().references('reservation.id'))
    .addColumn('product_id', 'uuid', (column) => column.notNull().references('product.id'))
    .addColumn('line_number', 'integer', (column) => column.notNull())
    .addColumn('product_name', 'text', (column) => column.notNull())
    .addColumn('unit_price_currency', 'text', (column) => column.notNull())
    .addColumn('unit_price_minor', 'bigint', (column) => column.notNull())
    .addColumn('quantity', 'integer', (column) => column.notNull().check(sql`quantity > 0`))
    .addPrimaryKeyConstraint('reservation_line_pkey', ['reservation_id', 'product_id'])
    .execute();
}
