import { DomainError } from '@emporium/kit/errors.js';
import type { Money } from '@emporium/kit/money.js';

// The catalog's domain: products, searches and reservations, what the service asks of its
// repositories and what they answer, and the limits. Everything else in src/ imports from here;
// this imports nothing of the service's own.

/** A product that has fewer units than a reservation asked for. */
export interface StockShortage {
  readonly productId: string;
  readonly requested: number;
  readonly available: number;
}

/**
 * OUT_OF_STOCK: a reservation took nothing because these products were short. The server adds the
 * shortages to the error in the catalog's contract (emporium.catalog.v1.StockShortageDetail).
 */
export class OutOfStockError extends DomainError {
  constructor(
    message: string,
    field: string | undefined,
    readonly shortages: readonly StockShortage[],
  ) {
    super('FAILED_PRECONDITION', message, { reason: 'OUT_OF_STOCK', ...(field === undefined ? {} : { field }) });
  }
}

export interface Product {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly price: Money;
  readonly stock: number;
  readonly createTime: Date;
  readonly updateTime: Date;
}

export interface NewProductInput {
  readonly name: string;
  readonly description: string;
  readonly price: Money;
  readonly stock: number;
}

/** Only the fields present change. */
export interface ProductChanges {
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  readonly price?: Money | undefined;
  readonly stock?: number | undefined;
}

export interface ProductPage {
  readonly products: Product[];
  readonly nextPageToken: string;
  readonly totalSize: number;
}

/**
 * A search as the database runs it: the user's text, for websearch_to_tsquery, and whether its
 * last word is still being typed and so should also match as a prefix ("lapt" finds "laptop").
 */
export interface SearchQuery {
  readonly text: string;
  readonly prefixLastWord: boolean;
}

export interface ReservationLineInput {
  readonly productId: string;
  readonly quantity: number;
}

/** What a reservation took: one line per product, with its name and unit price at that moment. */
export interface ReservedLine {
  readonly productId: string;
  readonly name: string;
  readonly unitPrice: Money;
  readonly quantity: number;
}

export interface Reservation {
  readonly reservationId: string;
  readonly lines: ReservedLine[];
}

export type ReleaseOutcome = 'RELEASED' | 'ALREADY_RELEASED' | 'NOT_FOUND';

export interface NewProduct {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly price: Product['price'];
  readonly stock: number;
}

/** A search hit and its rank, which the next page's token continues from. */
export interface RankedProduct {
  readonly product: Product;
  readonly rank: number;
}

export type ReservationStatus = 'HELD' | 'RELEASED' | 'VOID';

export interface StoredReservation {
  readonly status: ReservationStatus;
  readonly lines: ReservedLine[];
}

export type ReserveOutcome =
  | { readonly kind: 'reserved'; readonly lines: ReservedLine[] }
  /** The id was used before; nothing was taken by this call. */
  | { readonly kind: 'existing'; readonly reservation: StoredReservation }
  | { readonly kind: 'unknownProducts'; readonly productIds: string[] }
  | { readonly kind: 'insufficientStock'; readonly shortages: StockShortage[] }
  /** Products whose stored price is above MAX_PRICE_MINOR (written before there was a maximum). */
  | { readonly kind: 'priceOutOfRange'; readonly productIds: string[] }
  /** Σ price × quantity would not fit int64: no order could hold it. */
  | { readonly kind: 'totalOutOfRange' };

export const MAX_NAME_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 5000;
/** Long enough for any search box, short enough that a query stays cheap to parse and rank. */
export const MAX_QUERY_LENGTH = 500;
/** Leaves int4 headroom for stock coming back from reservations released after a restock. */
export const MAX_STOCK = 1_000_000_000;
export const MAX_RESERVATION_LINES = 100;
export const MAX_LINE_QUANTITY = 10_000;

/**
 * The last word counts as a prefix when the text ends in a letter, mark or digit, unless that word
 * is an exclusion ("-word": widening it would exclude more) or the operator "or".
 */
export function parseSearch(text: string): SearchQuery {
  const lastRun = /(\S+)$/u.exec(text)?.[1] ?? '';
  const endsInWord = /[\p{L}\p{M}\p{N}]$/u.test(lastRun);
  return { text, prefixLastWord: endsInWord && !lastRun.startsWith('-') && lastRun.toLowerCase() !== 'or' };
}
