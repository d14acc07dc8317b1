import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('orders')
    .addColumn('id', 'uuid', (column) => column.primaryKey())
    .addColumn('account_id', 'uuid', (column) => column.notNull())
    .addColumn('status', 'text', (column) =>
      column.notNull().check(sql`status in ('PENDING', 'PLACED', 'REJECTED', 'CANCELLED')`),
    )
    // NULLs are distinct in a unique constraint, so orders without a key never collide.
    .addColumn('idempotency_key', 'text')
    // What was asked (account and merged lines), to tell a retry from a different order under the same key.
    .addColumn('request_fingerprint', 'text', (column) => column.notNull())
    // Known once the reservation answered; NULL while PENDING and for orders rejected before it.
    .addColumn('currency_code', 'text')
    .addColumn('total_minor', 'bigint')
    .addColumn('rejection', 'jsonb')
    // Set in the same write that leaves PLACED (or gives up on PENDING), cleared once the Catalog
    // confirmed the release: the durable to-do that makes "stock released exactly once" crash-safe.
    .addColumn('release_pending', 'boolean', (column) => column.notNull().defaultTo(false))
    .addColumn('create_time', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('update_time', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('orders_idempotency_key', ['account_id', 'idempotency_key'])
    .addCheckConstraint('orders_placed_has_total', sql`status = 'PENDING' or status = 'REJECTED' or total_minor is not null`)
    .execute();
  await db.schema.createIndex('orders_account_newest').on('orders').columns(['account_id', 'id desc']).execute();
  // Only the few orders the reconciler must look at are in this index.
  await db.schema
    .createIndex('orders_unfinished')
    .on('orders')
    .column('update_time')
    .where(sql.ref('status'), '=', 'PENDING')
    .execute();
  await sql`create index orders_release_pending on orders (update_time) where release_pending`.execute(db);

  await db.schema
    .createTable('order_line')
    .addColumn('order_id', 'uuid', (column) => column.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('line_no', 'integer', (column) => column.notNull())
    .addColumn('product_id', 'uuid', (column) => column.notNull())
    .addColumn('quantity', 'integer', (column) => column.notNull().check(sql`quantity between 1 and 1000`))
    // The snapshot from the reservation: what was bought, at the price paid. NULL while PENDING.
    .addColumn('name', 'text')
    .addColumn('unit_price_minor', 'bigint')
    .addPrimaryKeyConstraint('order_line_pkey', ['order_id', 'line_no'])
    .execute();
}
