import { sql, type Kysely, type RawBuilder, type Selectable, type Updateable } from 'kysely';
import { inTransaction } from '@emporium/kit/database.js';
import { recordEvent } from '@emporium/kit/outbox.js';
import { productChangedEvent, productCreatedEvent, type ProductFieldName } from './events.js';
import type { NewProduct, Product, ProductChanges, RankedProduct, SearchQuery } from './model.js';
import { ReservationRepository } from './reservation-repository.js';
import { snapshotOf, type CatalogDatabase, type ProductTable } from './tables.js';

const PRODUCT_COLUMNS = [
  'id',
  'name',
  'description',
  'price_currency',
  'price_minor',
  'stock',
  'create_time',
  'update_time',
] as const;

type ProductRow = Pick<Selectable<ProductTable>, (typeof PRODUCT_COLUMNS)[number]>;

/** What a write returns: the product, and the version its event carries. */
const WRITTEN_COLUMNS = [...PRODUCT_COLUMNS, 'version'] as const;

function toProduct(row: ProductRow): Product {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    price: { currencyCode: row.price_currency, amountMinor: row.price_minor },
    stock: row.stock,
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

/**
 * The tsquery for a search. The user's text is only ever a bound parameter of
 * websearch_to_tsquery, which accepts any input. For prefix matching, the canonical text of the
 * tsquery PostgreSQL produced (lexemes quoted and escaped by PostgreSQL itself) gets ":*" after its
 * final lexeme (the last closing quote, followed only by spaces or parentheses) and is read back.
 * So quotes, "or" and "-word" keep exactly their websearch meaning, and nothing a user types is
 * ever parsed as tsquery syntax.
 */
function tsQuery(search: SearchQuery): RawBuilder<string> {
  const parsed = sql<string>`websearch_to_tsquery('simple', ${search.text}::text)`;
  if (!search.prefixLastWord) return parsed;
  return sql<string>`regexp_replace(${parsed}::text, '''([ )]*)$', ''':*\\1')::tsquery`;
}

/** Products and search; `reservations` holds and gives back stock (reservation-repository.ts). */
export class CatalogRepository {
  readonly reservations: ReservationRepository;

  constructor(private readonly db: Kysely<CatalogDatabase>) {
    this.reservations = new ReservationRepository(db);
  }

  /** Inserts a product and its ProductCreated event, in one transaction. */
  async insertProduct(product: NewProduct): Promise<Product> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('product')
        .values({
          id: product.id,
          name: product.name,
          description: product.description,
          price_currency: product.price.currencyCode,
          price_minor: product.price.amountMinor,
          stock: product.stock,
        })
        .returning(WRITTEN_COLUMNS)
        .executeTakeFirstOrThrow();
      await recordEvent(trx, productCreatedEvent(snapshotOf(row)));
      return toProduct(row);
    });
  }

  /**
   * Applies the changes that make a field different, with a new version and a ProductChanged
   * event naming those fields, in one transaction; a change to nothing new writes nothing.
   * Undefined when no product has the id.
   */
  async updateProduct(id: string, changes: ProductChanges): Promise<Product | undefined> {
    const given = Object.values(changes).some((value) => value !== undefined);
    if (!given) return this.findProduct(id);
    return inTransaction(this.db, async (trx) => {
      const current = await trx.selectFrom('product').select(PRODUCT_COLUMNS).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!current) return undefined;
      const values: Updateable<ProductTable> = {};
      const changed: ProductFieldName[] = [];
      if (changes.name !== undefined && changes.name !== current.name) {
        values.name = changes.name;
        changed.push('name');
      }
      if (changes.description !== undefined && changes.description !== current.description) {
        values.description = changes.description;
        changed.push('description');
      }
      const { price } = changes;
      if (price !== undefined && (price.currencyCode !== current.price_currency || price.amountMinor !== current.price_minor)) {
        values.price_currency = price.currencyCode;
        values.price_minor = price.amountMinor;
        changed.push('price');
      }
      if (changes.stock !== undefined && changes.stock !== current.stock) {
        values.stock = changes.stock;
        changed.push('stock');
      }
      if (changed.length === 0) return toProduct(current);
      const row = await trx
        .updateTable('product')
        .set({ ...values, update_time: sql<Date>`now()`, version: sql<bigint>`version + 1` })
        .where('id', '=', id)
        .returning(WRITTEN_COLUMNS)
        .executeTakeFirstOrThrow();
      await recordEvent(trx, productChangedEvent(snapshotOf(row), changed));
      return toProduct(row);
    });
  }

  async findProduct(id: string): Promise<Product | undefined> {
    const row = await this.db.selectFrom('product').select(PRODUCT_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row && toProduct(row);
  }

  /** The products among ids, in no particular order. */
  async findProducts(ids: readonly string[]): Promise<Product[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('product').select(PRODUCT_COLUMNS).where('id', 'in', ids).execute();
    return rows.map(toProduct);
  }

  /** The page query for newest first: up to limit products with ids below `before` (all when undefined). */
  newestQuery(limit: number, before: string | undefined) {
    const query = this.db.selectFrom('product').select(PRODUCT_COLUMNS).orderBy('id', 'desc').limit(limit);
    return before === undefined ? query : query.where('id', '<', before);
  }

  async listNewest(limit: number, before: string | undefined): Promise<Product[]> {
    return (await this.newestQuery(limit, before).execute()).map(toProduct);
  }

  async countProducts(): Promise<number> {
    const { count } = await this.db
      .selectFrom('product')
      .select((eb) => eb.fn.countAll<bigint>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  /**
   * The page query for a search: best rank first, ties newest first, continuing after the
   * (rank, id) of the previous page's last hit. ts_rank depends only on the row and the query,
   * so a position stays valid while other products are inserted.
   */
  searchQuery(search: SearchQuery, limit: number, after: { rank: number; id: string } | undefined) {
    const match = tsQuery(search);
    const rank = sql<number>`ts_rank(search, ${match})`;
    const query = this.db
      .selectFrom('product')
      .select([...PRODUCT_COLUMNS, rank.as('rank')])
      .where(sql<boolean>`search @@ ${match}`)
      .orderBy('rank', 'desc')
      .orderBy('id', 'desc')
      .limit(limit);
    return after === undefined
      ? query
      : query.where(sql<boolean>`(${rank}, id) < (${after.rank}::real, ${after.id}::uuid)`);
  }

  async search(search: SearchQuery, limit: number, after: { rank: number; id: string } | undefined): Promise<RankedProduct[]> {
    const rows = await this.searchQuery(search, limit, after).execute();
    return rows.map((row) => ({ product: toProduct(row), rank: row.rank }));
  }

  /** The query counting every product a search matches (total_size). */
  countMatchesQuery(search: SearchQuery) {
    return this.db
      .selectFrom('product')
      .select((eb) => eb.fn.countAll<bigint>().as('count'))
      .where(sql<boolean>`search @@ ${tsQuery(search)}`);
  }

  async countMatches(search: SearchQuery): Promise<number> {
    const { count } = await this.countMatchesQuery(search).executeTakeFirstOrThrow();
    return Number(count);
  }
}
