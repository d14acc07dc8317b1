// The SQL the services send for the benchmarked requests, exactly as PostgreSQL receives it
// (captured with log_statement = 'all' from the running services, then checked against each
// repository method named below). The monolith floor sends these same statements and the pgbench
// ceiling runs them, so floor, ceiling and platform differ only in what sits around the SQL.
// When a repository's SQL changes, change it here too: bench/README.md says how to re-capture it.

// --- services/catalog/src/repository.ts -------------------------------------------------------

/** The page size of the Search document (`first: 20`); the catalog fetches one more to see if a next page exists. */
export const SEARCH_PAGE_SIZE = 20;

const PRODUCT_COLUMNS = '"id", "name", "description", "price_currency", "price_minor", "stock", "create_time", "update_time"';
/** tsQuery(): websearch_to_tsquery with the last word also matched as a prefix. */
const tsQuery = (param: string) =>
  `regexp_replace(websearch_to_tsquery('simple', ${param}::text)::text, '''([ )]*)$', ''':*\\1')::tsquery`;

/** CatalogRepository.searchQuery (first page): $1 = $2 = the query text, $3 = page size + 1. */
export const SEARCH_PAGE = `select ${PRODUCT_COLUMNS}, ts_rank(search, ${tsQuery('$1')}) as "rank" from "product" where search @@ ${tsQuery('$2')} order by "rank" desc, "id" desc limit $3`;

/** CatalogRepository.countMatchesQuery: $1 = the query text. Runs alongside SEARCH_PAGE. */
export const SEARCH_COUNT = `select count(*) as "count" from "product" where search @@ ${tsQuery('$1')}`;

/** CatalogRepository.findProducts (BatchGetProducts, which product(id) goes through) for one id. */
export const PRODUCT_BY_ID = `select ${PRODUCT_COLUMNS} from "product" where "id" in ($1)`;

/** CatalogRepository.reserve, in one transaction: claim the reservation id... */
export const RESERVATION_CLAIM = `insert into "reservation" ("id", "status") values ($1, $2) on conflict ("id") do nothing returning "id"`;

/** ...lock the products in id order ($1..$n = the product ids, sorted)... */
export function reservationLock(products: number): string {
  return `select "id", "name", "price_currency", "price_minor", "stock" from "product" where "id" in (${placeholders(1, products)}) order by "id" for update`;
}

/** ...then per line: take the stock ($1 = quantity, $2 = product id)... */
export const RESERVATION_TAKE = `update "product" set "stock" = "stock" - $1 where "id" = $2`;

/** ...and store the snapshot line. */
export const RESERVATION_LINE = `insert into "reservation_line" ("reservation_id", "product_id", "line_number", "product_name", "unit_price_currency", "unit_price_minor", "quantity") values ($1, $2, $3, $4, $5, $6, $7)`;

// --- services/account/src/repository.ts -------------------------------------------------------

/** AccountRepository.findById: the order service's GetAccount check before an order is written. */
export const ACCOUNT_BY_ID = `select "id", "name", "email", "role", "create_time" from "account" where "id" = $1`;

// --- services/order/src/repository.ts ---------------------------------------------------------

const ORDER_SELECT = `select "orders"."id", "orders"."account_id", "orders"."status", "orders"."request_fingerprint", "orders"."currency_code", "orders"."total_minor", "orders"."rejection", "orders"."create_time", "orders"."update_time", coalesce((
    select json_agg(json_build_object(
             'product_id', l.product_id, 'quantity', l.quantity, 'name', l.name,
             'unit_price_minor', l.unit_price_minor::text) order by l.line_no)
    from order_line as l where l.order_id = "orders"."id"), '[]'::json) as "lines" from "orders"`;

/** OrderRepository.findByKey: $1 = account id, $2 = idempotency key. */
export const ORDER_BY_KEY = `${ORDER_SELECT} where "orders"."account_id" = $1 and "orders"."idempotency_key" = $2`;

/** OrderRepository.findById / findStoredById: $1 = order id. */
export const ORDER_BY_ID = `${ORDER_SELECT} where "orders"."id" = $1`;

/** OrderRepository.insertPending, in one transaction: the order... */
export const ORDER_INSERT = `insert into "orders" ("id", "account_id", "status", "idempotency_key", "request_fingerprint", "currency_code", "total_minor", "rejection") values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict ("account_id", "idempotency_key") do nothing returning "id"`;

/** ...and its lines, six parameters per line. */
export function orderLinesInsert(lines: number): string {
  const rows = Array.from({ length: lines }, (_, index) => `(${placeholders(index * 6 + 1, 6)})`);
  return `insert into "order_line" ("order_id", "line_no", "product_id", "quantity", "name", "unit_price_minor") values ${rows.join(', ')}`;
}

/** OrderRepository.markPlaced, in one transaction: the status and total... */
export const ORDER_PLACE = `update "orders" set "status" = $1, "currency_code" = $2, "total_minor" = $3, "update_time" = now() where "id" = $4 and "status" = $5`;

/** ...and each line's snapshot. */
export const ORDER_LINE_SNAPSHOT = `update "order_line" set "name" = $1, "unit_price_minor" = $2 where "order_id" = $3 and "product_id" = $4`;

/** OrderRepository.markRejected: status, why (JSON), whether a release is pending, for a PENDING order. */
export const ORDER_REJECT = `update "orders" set "status" = $1, "rejection" = $2, "release_pending" = $3, "update_time" = now() where "id" = $4 and "status" = $5`;

/** "$first, $first+1, ..." — count placeholders. */
export function placeholders(first: number, count: number): string {
  return Array.from({ length: count }, (_, index) => `$${first + index}`).join(', ');
}

/** A SQL string literal, for a value written into a pgbench script. */
export const sqlText = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * A statement for a pgbench script: each $n becomes the pgbench expression given for it (a
 * variable such as ":pid", or SQL such as "bench.id(1, :n)"), and the statement ends in ";".
 * pgbench -M extended still sends the variables as bound parameters, as the services do.
 */
export function forPgbench(statement: string, parameters: readonly string[]): string {
  const text = statement.replace(/\$(\d+)/g, (_match, digits: string) => {
    const value = parameters[Number(digits) - 1];
    if (value === undefined) throw new Error(`no pgbench value for $${digits} in: ${statement.slice(0, 80)}`);
    return value;
  });
  return `${text.replace(/\s*\n\s*/g, ' ')};`;
}
