import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('product')
    .addColumn('id', 'uuid', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull().check(sql`char_length(name) between 1 and 200`))
    .addColumn('description', 'text', (column) => column.notNull().check(sql`char_length(description) <= 5000`))
    .addColumn('price_currency', 'text', (column) => column.notNull().check(sql`price_currency ~ '^[A-Z]{3}$'`))
    .addColumn('price_minor', 'bigint', (column) => column.notNull().check(sql`price_minor >= 0`))
    // The last line of defence against overselling: no interleaving of statements can commit a negative count.
    .addColumn('stock', 'integer', (column) => column.notNull().check(sql`stock >= 0`))
    .addColumn('create_time', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('update_time', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    // 'simple' (lower-casing, no stemming, no stop words) because names come in any language; see
    // the README. The configuration is spelled out so the expression is immutable, as a stored
    // generated column requires, and so that queries must name the same one to use the index.
    .addColumn('search', sql`tsvector`, (column) =>
      column
        .notNull()
        .generatedAlwaysAs(
          sql`setweight(to_tsvector('simple'::regconfig, name), 'A') || setweight(to_tsvector('simple'::regconfig, description), 'B')`,
        )
        .stored(),
    )
    .execute();
  // Without fastupdate, a new product goes straight into the index instead of GIN's unsorted
  // pending list, which every search would scan (and the planner price, turning to sequential
  // scans after a bulk load) until the next vacuum. The catalog is read far more than written.
  await sql`create index product_search_idx on product using gin (search) with (fastupdate = off)`.execute(db);
}
