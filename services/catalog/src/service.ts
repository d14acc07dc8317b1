import { z } from 'zod';
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from '@emporium/kit/errors.js';
import { batchGet } from '@emporium/kit/batch.js';
import { newId, parseId } from '@emporium/kit/ids.js';
import { MAX_PRICE_MINOR, formatDecimal, type Money } from '@emporium/kit/money.js';
import { decodePageToken, keysetPage, parsePageSize } from '@emporium/kit/pagination.js';
import { parseText } from '@emporium/kit/text.js';
import {
  MAX_DESCRIPTION_LENGTH,
  MAX_LINE_QUANTITY,
  MAX_NAME_LENGTH,
  MAX_QUERY_LENGTH,
  MAX_RESERVATION_LINES,
  MAX_STOCK,
  OutOfStockError,
  parseSearch,
  type NewProductInput,
  type Product,
  type ProductChanges,
  type ProductPage,
  type ReleaseOutcome,
  type Reservation,
  type ReservationLineInput,
  type ReservedLine,
  type StockShortage,
  type StoredReservation,
} from './model.js';
import { stockRelease, stockReservation } from './metrics.js';
import type { CatalogRepository } from './repository.js';

const NEWEST_KEY = z.object({ id: z.uuid() });
const SEARCH_KEY = z.object({ rank: z.number().finite().min(0), id: z.uuid() });

function parseName(value: string): string {
  return parseText(value, 'name', { min: 1, max: MAX_NAME_LENGTH });
}

function parseDescription(value: string): string {
  return parseText(value, 'description', { min: 0, max: MAX_DESCRIPTION_LENGTH, multiline: true });
}

function parseStock(value: number): number {
  if (!Number.isInteger(value) || value < 0) throw invalidArgument('stock', 'must be zero or more');
  if (value > MAX_STOCK) throw invalidArgument('stock', `must be at most ${MAX_STOCK}`);
  return value;
}

interface WantedLine {
  readonly productId: string;
  readonly quantity: number;
  /** The first request line that named the product, for error messages. */
  readonly index: number;
}

/** Validated lines, one per product (quantities of repeated products added), in first-mention order. */
function parseLines(lines: readonly ReservationLineInput[]): WantedLine[] {
  if (lines.length === 0) throw invalidArgument('lines', 'must have at least one line');
  if (lines.length > MAX_RESERVATION_LINES) {
    throw invalidArgument('lines', `must have at most ${MAX_RESERVATION_LINES} lines`);
  }
  const merged = new Map<string, WantedLine>();
  lines.forEach((line, index) => {
    const productId = parseId(line.productId, `lines[${index}].product_id`);
    const { quantity } = line;
    if (!Number.isInteger(quantity) || quantity < 1) throw invalidArgument(`lines[${index}].quantity`, 'must be at least 1');
    if (quantity > MAX_LINE_QUANTITY) {
      throw invalidArgument(`lines[${index}].quantity`, `must be at most ${MAX_LINE_QUANTITY}`);
    }
    const earlier = merged.get(productId);
    merged.set(productId, { productId, quantity: (earlier?.quantity ?? 0) + quantity, index: earlier?.index ?? index });
  });
  return [...merged.values()];
}

function sameLines(stored: readonly ReservedLine[], wanted: readonly WantedLine[]): boolean {
  const quantities = new Map(stored.map((line) => [line.productId, line.quantity]));
  return stored.length === wanted.length && wanted.every((line) => quantities.get(line.productId) === line.quantity);
}

export class CatalogService {
  constructor(
    private readonly repository: CatalogRepository,
    private readonly storeCurrency: string,
  ) {}

  private parsePrice(price: Money): Money {
    if (price.currencyCode !== this.storeCurrency) {
      throw invalidArgument('price.currency_code', `must be the store currency ${this.storeCurrency}`);
    }
    if (price.amountMinor < 0n) throw invalidArgument('price.amount_minor', 'must be zero or more');
    if (price.amountMinor > MAX_PRICE_MINOR) {
      const maximum = formatDecimal({ currencyCode: price.currencyCode, amountMinor: MAX_PRICE_MINOR });
      throw invalidArgument('price.amount_minor', `must be at most ${maximum} ${price.currencyCode}`);
    }
    return price;
  }

  async createProduct(input: NewProductInput): Promise<Product> {
    return this.repository.insertProduct({
      id: newId(),
      name: parseName(input.name),
      description: parseDescription(input.description),
      price: this.parsePrice(input.price),
      stock: parseStock(input.stock),
    });
  }

  async updateProduct(id: string, changes: ProductChanges): Promise<Product> {
    const productId = parseId(id, 'id');
    const valid: ProductChanges = {
      name: changes.name === undefined ? undefined : parseName(changes.name),
      description: changes.description === undefined ? undefined : parseDescription(changes.description),
      price: changes.price === undefined ? undefined : this.parsePrice(changes.price),
      stock: changes.stock === undefined ? undefined : parseStock(changes.stock),
    };
    const product = await this.repository.updateProduct(productId, valid);
    if (!product) throw notFound(`no product has id ${id}`, 'id');
    return product;
  }

  async getProduct(id: string): Promise<Product> {
    const product = await this.repository.findProduct(parseId(id, 'id'));
    if (!product) throw notFound(`no product has id ${id}`, 'id');
    return product;
  }

  /** The products in the order asked (duplicates repeated) and the ids that name none. */
  async batchGetProducts(ids: readonly string[]): Promise<{ products: Product[]; notFoundIds: string[] }> {
    const { found, notFoundIds } = await batchGet(ids, (distinct) => this.repository.findProducts(distinct));
    return { products: found, notFoundIds };
  }

  /** Newest first without a query; best match first (then newest) with one. */
  async listProducts(pageSize: number, pageToken: string, query: string): Promise<ProductPage> {
    const size = parsePageSize(pageSize);
    const text = parseText(query, 'query', { min: 0, max: MAX_QUERY_LENGTH, multiline: true });
    // The token's scope is the normalized query, so a token only continues the listing it came from.
    const scope = { list: 'products', query: text };
    if (text === '') {
      const after = decodePageToken(pageToken, scope, NEWEST_KEY);
      const [rows, totalSize] = await Promise.all([
        this.repository.listNewest(size + 1, after?.id),
        this.repository.countProducts(),
      ]);
      const { items: products, nextPageToken } = keysetPage(rows, size, scope, (last) => ({ id: last.id }));
      return { products, nextPageToken, totalSize };
    }
    const search = parseSearch(text);
    const after = decodePageToken(pageToken, scope, SEARCH_KEY);
    const [rows, totalSize] = await Promise.all([
      this.repository.search(search, size + 1, after),
      this.repository.countMatches(search),
    ]);
    const { items, nextPageToken } = keysetPage(rows, size, scope, (last) => ({ rank: last.rank, id: last.product.id }));
    return { products: items.map((row) => row.product), nextPageToken, totalSize };
  }

  /**
   * Takes stock for every line or for none. A repeated reservation id answers the first result
   * (the same snapshot) as long as the lines are the same; it never takes stock twice.
   */
  async reserveStock(reservationId: string, lines: readonly ReservationLineInput[]): Promise<Reservation> {
    const id = parseId(reservationId, 'reservation_id');
    const wanted = parseLines(lines);
    const outcome = await this.repository.reservations.reserve(id, wanted);
    stockReservation(outcome.kind);
    switch (outcome.kind) {
      case 'reserved':
        return { reservationId: id, lines: outcome.lines };
      case 'existing':
        return { reservationId: id, lines: replay(id, outcome.reservation, wanted) };
      case 'unknownProducts':
        throw unknownProducts(wanted, outcome.productIds);
      case 'insufficientStock':
        throw outOfStock(wanted, outcome.shortages);
      case 'priceOutOfRange':
        throw priceOutOfRange(wanted, outcome.productIds);
      case 'totalOutOfRange':
        throw failedPrecondition('lines: the total of this reservation would exceed the largest amount that can be held; reserve fewer units', {
          reason: 'TOTAL_OUT_OF_RANGE',
          field: 'lines',
        });
    }
  }

  /** Gives a reservation's stock back exactly once. */
  async releaseStock(reservationId: string): Promise<ReleaseOutcome> {
    return stockRelease(await this.repository.reservations.release(parseId(reservationId, 'reservation_id')));
  }
}

function replay(id: string, reservation: StoredReservation, wanted: readonly WantedLine[]): ReservedLine[] {
  if (reservation.status !== 'HELD') {
    throw failedPrecondition(`reservation_id: reservation ${id} was released; reserve under a new reservation_id`, {
      reason: 'RESERVATION_RELEASED',
      field: 'reservation_id',
    });
  }
  if (!sameLines(reservation.lines, wanted)) {
    throw alreadyExists(`reservation ${id} already holds different lines`, 'reservation_id');
  }
  return reservation.lines;
}

function unknownProducts(wanted: readonly WantedLine[], productIds: readonly string[]) {
  const unknown = wanted.filter((line) => productIds.includes(line.productId));
  const [first] = unknown;
  const others = unknown.length > 1 ? ` (and ${unknown.length - 1} more unknown products)` : '';
  return notFound(`no product has id ${first?.productId ?? productIds.join(', ')}${others}`, first && `lines[${first.index}].product_id`);
}

/** Prices an older release stored above today's maximum: such a product cannot be reserved until repriced. */
function priceOutOfRange(wanted: readonly WantedLine[], productIds: readonly string[]) {
  const first = wanted.find((line) => productIds.includes(line.productId));
  const field = first && `lines[${first.index}].product_id`;
  const maximum = MAX_PRICE_MINOR.toString();
  return failedPrecondition(
    `${field ?? 'lines'}: product ${first?.productId ?? productIds.join(', ')} has a price above the maximum of ${maximum} minor units and cannot be reserved until it is repriced`,
    { reason: 'PRICE_OUT_OF_RANGE', field },
  );
}

function outOfStock(wanted: readonly WantedLine[], shortages: readonly StockShortage[]) {
  // In the order the caller listed the products, so the first named is the first line at fault.
  const short = wanted.flatMap((line) => {
    const shortage = shortages.find((s) => s.productId === line.productId);
    return shortage ? [{ line, shortage }] : [];
  });
  const described = short
    .map(({ line, shortage }) => `lines[${line.index}] product ${line.productId} has ${shortage.available} available, ${shortage.requested} requested`)
    .join('; ');
  const field = short[0] && `lines[${short[0].line.index}].quantity`;
  return new OutOfStockError(
    `${field ?? 'lines'}: not enough stock: ${described}`,
    field,
    short.map(({ shortage }) => shortage),
  );
}
