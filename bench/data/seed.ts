import pg from 'pg';
import { ADJECTIVES, COLOURS, FIRST_NAMES, LAST_NAMES, MATERIALS, NOUNS, ROOMS, sqlWordArray } from './words.js';

// Seeding straight into the services' databases after they created their schemas: SQL
// INSERT … SELECT generate_series is seconds where the same rows through gRPC would be minutes.
// Every value is a pure function of its row number and the seed (SQL functions in a `bench`
// schema, created identically in all three databases), so the catalog, the order database and
// pgbench agree on ids, names and prices without passing data between databases.

export interface DataSet {
  readonly seed: number;
  readonly products: number;
  readonly accounts: number;
  readonly orders: number;
  /** Products with hotStock units, one per hot-order load (warm-up and each run). */
  readonly hotProducts: number;
  readonly hotStock: number;
}

/** Kinds of seeded row; the kind is in every id, and each kind has its own time line. */
export const KIND = { product: 1, account: 2, order: 3 } as const;

/** Seeded rows are timestamped in 2026 (UUIDv7 ids carry the time, like the services' own ids). */
const TIME_LINES: Record<number, { startMs: number; stepMs: number }> = {
  [KIND.product]: { startMs: Date.UTC(2026, 0, 1), stepMs: 60_000 },
  [KIND.account]: { startMs: Date.UTC(2026, 0, 1), stepMs: 600_000 },
  [KIND.order]: { startMs: Date.UTC(2026, 2, 15), stepMs: 30_000 },
};

/** Orders pick their products this far apart, so an order's (at most 3) products are distinct. */
const LINE_STRIDE = 1009;

/** Customers seeded accounts can log in as: customer<n>@bench.emporium.test with this password. */
export const CUSTOMER_PASSWORD = 'bench-customer-password';
export const customerEmail = (n: number) => `customer${n}@bench.emporium.test`;

/** What seeding produced, with the time it took. */
export interface SeedReport {
  readonly seconds: number;
  readonly products: number;
  readonly hotProducts: number;
  readonly accounts: number;
  readonly orders: number;
  readonly orderLines: number;
}

export function validateDataSet(data: DataSet): void {
  if (!Number.isInteger(data.products) || data.products < 3 * LINE_STRIDE) {
    throw new Error(`the data set needs at least ${3 * LINE_STRIDE} products`);
  }
  if (data.products % LINE_STRIDE === 0 || (2 * LINE_STRIDE) % data.products === 0) {
    throw new Error(`the product count must not be a multiple of ${LINE_STRIDE}`);
  }
  for (const count of [data.accounts, data.orders, data.hotProducts, data.hotStock]) {
    if (!Number.isInteger(count) || count < 1) throw new Error('data set sizes must be positive integers');
  }
}

/** The `bench` schema: the same deterministic functions in every database. */
export function benchFunctionsSql(data: DataSet): string {
  const salt = (field: number) => data.seed * 64 + field;
  const pick = (n: string, field: number, size: number | string) => `bench.pick(${n}, ${salt(field)}, ${size})`;
  const word = (words: readonly string[], n: string, field: number) =>
    `(${sqlWordArray(words)})[1 + ${pick(n, field, words.length)}]`;
  const timeLine = (kind: number) => {
    const line = TIME_LINES[kind];
    if (line === undefined) throw new Error(`no time line for kind ${kind}`);
    return `when ${kind} then ${line.startMs}::bigint + n * ${line.stepMs}`;
  };
  return `
create schema if not exists bench;

-- A well-mixed pick in [0, size) for row n and a field: PostgreSQL's own integer hash.
create or replace function bench.pick(n bigint, salt int, size int) returns int
  language sql immutable parallel safe
  as $$ select ((hashint8(n * 1000003 + salt) & 2147483647) % size)::int $$;

create or replace function bench.epoch_ms(kind int, n bigint) returns bigint
  language sql immutable parallel safe
  as $$ select case kind ${timeLine(KIND.product)} ${timeLine(KIND.account)} ${timeLine(KIND.order)} end $$;

create or replace function bench.created(kind int, n bigint) returns timestamptz
  language sql immutable parallel safe
  as $$ select to_timestamp(bench.epoch_ms(kind, n) / 1000.0) $$;

-- A UUIDv7: 48-bit millisecond time, version 7, the kind, the RFC variant, then the row number,
-- so ids are unique, time-ordered like the services' own, and computable in pgbench scripts.
create or replace function bench.id(kind int, n bigint) returns uuid
  language sql immutable parallel safe
  as $$ select (lpad(to_hex(bench.epoch_ms(kind, n)), 12, '0') || '7' || lpad(to_hex(kind), 3, '0')
                || '8' || lpad(to_hex(n), 15, '0'))::uuid $$;

create or replace function bench.product_name(n bigint) returns text
  language sql immutable parallel safe
  as $$ select initcap(${word(ADJECTIVES, 'n', 1)}) || ' ' || ${word(MATERIALS, 'n', 2)} || ' ' || ${word(NOUNS, 'n', 3)} $$;

create or replace function bench.product_description(n bigint) returns text
  language sql immutable parallel safe
  as $$ select 'A ' || ${word(ADJECTIVES, 'n', 4)} || ' piece in ' || ${word(COLOURS, 'n', 5)} || ' '
               || ${word(MATERIALS, 'n', 6)} || ' for the ' || ${word(ROOMS, 'n', 7)}
               || '. Pairs well with our ' || ${word(NOUNS, 'n', 8)} || '.' $$;

-- Prices in integer minor units, 1.99 to 499.99: money is never a float, here either.
create or replace function bench.product_price(n bigint) returns bigint
  language sql immutable parallel safe
  as $$ select 199 + ${pick('n', 9, 49_801)}::bigint $$;

create or replace function bench.product_stock(n bigint) returns int
  language sql immutable parallel safe
  as $$ select 1000 + ${pick('n', 10, 99_001)} $$;

create or replace function bench.account_name(n bigint) returns text
  language sql immutable parallel safe
  as $$ select ${word(FIRST_NAMES, 'n', 11)} || ' ' || ${word(LAST_NAMES, 'n', 12)} $$;

create or replace function bench.order_account(k bigint) returns bigint
  language sql immutable parallel safe
  as $$ select 1 + ${pick('k', 13, data.accounts)}::bigint $$;

create or replace function bench.order_lines(k bigint) returns int
  language sql immutable parallel safe
  as $$ select 1 + ${pick('k', 14, 3)} $$;

create or replace function bench.order_product(k bigint, j int) returns bigint
  language sql immutable parallel safe
  as $$ select 1 + ((${pick('k', 15, data.products)} + (j - 1) * ${LINE_STRIDE}) % ${data.products})::bigint $$;

create or replace function bench.order_quantity(k bigint, j int) returns int
  language sql immutable parallel safe
  as $$ select 1 + ${pick('k * 4 + j', 16, 3)} $$;
`;
}

/** Runs fn with the table's secondary indexes dropped, then rebuilds them from their own definitions. */
async function withIndexesRebuilt(client: pg.Client, tables: readonly string[], fn: () => Promise<void>): Promise<void> {
  // Building an index once over loaded rows is several times faster than maintaining it row by
  // row (GIN above all). Indexes backing constraints (primary keys, unique constraints) stay, so
  // the load is still checked; the definitions come from PostgreSQL, so they match the migrations.
  const { rows } = await client.query<{ drop_statement: string; definition: string }>(
    `select format('drop index %I.%I', s.nspname, i.relname) as drop_statement, pg_get_indexdef(i.oid) as definition
       from pg_index x
       join pg_class i on i.oid = x.indexrelid
       join pg_class t on t.oid = x.indrelid
       join pg_namespace s on s.oid = t.relnamespace
      where s.nspname = 'public' and t.relname = any($1::text[])
        and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)`,
    [tables],
  );
  for (const row of rows) await client.query(row.drop_statement);
  await fn();
  for (const row of rows) await client.query(row.definition);
  for (const table of tables) await client.query(`vacuum (analyze) public.${pg.escapeIdentifier(table)}`);
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // A lost seed is simply re-run, so commits need not wait for the disk; big sorts for indexes.
    await client.query(`set synchronous_commit = off`);
    await client.query(`set maintenance_work_mem = '256MB'`);
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Products (regular and hot) and, for every seeded order, its held reservation. */
export async function seedCatalog(url: string, data: DataSet): Promise<void> {
  await withClient(url, async (client) => {
    await client.query(benchFunctionsSql(data));
    await withIndexesRebuilt(client, ['product', 'reservation', 'reservation_line'], async () => {
      await client.query(
        `insert into product (id, name, description, price_currency, price_minor, stock, create_time, update_time)
         select bench.id(1, n), bench.product_name(n), bench.product_description(n), 'USD', bench.product_price(n),
                bench.product_stock(n), bench.created(1, n), bench.created(1, n)
           from generate_series(1, $1::bigint) as n`,
        [data.products],
      );
      // Hot products come after the regular ones; their names share no word with the searches.
      await client.query(
        `insert into product (id, name, description, price_currency, price_minor, stock, create_time, update_time)
         select bench.id(1, n), 'Limited drop ' || (n - $1::bigint), 'One hot product per contention load.', 'USD',
                bench.product_price(n), $3::int, bench.created(1, n), bench.created(1, n)
           from generate_series($1::bigint + 1, $1::bigint + $2::bigint) as n`,
        [data.products, data.hotProducts, data.hotStock],
      );
      await client.query(
        `insert into reservation (id, status, create_time)
         select bench.id(3, k), 'HELD', bench.created(3, k) from generate_series(1, $1::bigint) as k`,
        [data.orders],
      );
      await client.query(
        `insert into reservation_line (reservation_id, product_id, line_number, product_name, unit_price_currency, unit_price_minor, quantity)
         select bench.id(3, k), bench.id(1, x.p), j - 1, bench.product_name(x.p), 'USD', bench.product_price(x.p), bench.order_quantity(k, j)
           from generate_series(1, $1::bigint) as k
           cross join lateral generate_series(1, bench.order_lines(k)) as j
           cross join lateral (select bench.order_product(k, j) as p) as x`,
        [data.orders],
      );
    });
  });
}

/** Customer accounts, all with one precomputed password hash (scrypt is deliberately slow). */
export async function seedAccounts(url: string, data: DataSet, passwordHash: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query(benchFunctionsSql(data));
    await withIndexesRebuilt(client, ['account'], async () => {
      await client.query(
        // The emails are lower-case ASCII, so each is its own email_key (services/account/src/email-key.ts).
        `insert into account (id, name, email, email_key, role, password_hash, create_time)
         select bench.id(2, n), bench.account_name(n), e.email, e.email, 'CUSTOMER', $2, bench.created(2, n)
           from generate_series(1, $1::bigint) as n, lateral (select 'customer' || n || '@bench.emporium.test' as email) as e`,
        [data.accounts, passwordHash],
      );
    });
  });
}

/** PLACED orders with their lines' snapshots (name, unit price) and exact totals. */
export async function seedOrders(url: string, data: DataSet): Promise<number> {
  return withClient(url, async (client) => {
    await client.query(benchFunctionsSql(data));
    await withIndexesRebuilt(client, ['orders', 'order_line'], async () => {
      await client.query(
        `insert into orders (id, account_id, status, idempotency_key, request_fingerprint, currency_code, total_minor,
                             rejection, release_pending, create_time, update_time)
         select bench.id(3, k), bench.id(2, bench.order_account(k)), 'PLACED', 'seed-' || k, md5('seed-' || k), 'USD',
                (select sum(bench.product_price(bench.order_product(k, j)) * bench.order_quantity(k, j))
                   from generate_series(1, bench.order_lines(k)) as j)::bigint,
                null, false, bench.created(3, k), bench.created(3, k)
           from generate_series(1, $1::bigint) as k`,
        [data.orders],
      );
      await client.query(
        `insert into order_line (order_id, line_no, product_id, quantity, name, unit_price_minor)
         select bench.id(3, k), j, bench.id(1, x.p), bench.order_quantity(k, j), bench.product_name(x.p), bench.product_price(x.p)
           from generate_series(1, $1::bigint) as k
           cross join lateral generate_series(1, bench.order_lines(k)) as j
           cross join lateral (select bench.order_product(k, j) as p) as x`,
        [data.orders],
      );
    });
    const { rows } = await client.query<{ lines: string }>(`select count(*)::text as lines from order_line`);
    return Number(rows[0]?.lines ?? 0);
  });
}

/** The ids of rows 1..count of a kind, computed by the database's own bench.id (no second implementation). */
export async function seededIds(url: string, kind: number, first: number, count: number): Promise<string[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `select bench.id($1::int, n)::text as id from generate_series($2::bigint, $2::bigint + $3::bigint - 1) as n order by n`,
      [kind, first, count],
    );
    return rows.map((row) => row.id);
  });
}
