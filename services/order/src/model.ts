import { DomainError, type ErrorDetails, type ErrorKind } from '@emporium/kit/errors.js';
import { checkedTotal, multiply, type Money } from '@emporium/kit/money.js';
import type { StockShortage as CatalogStockShortage } from '@emporium/catalog/client.js';

// The order service's domain: what an order is, its states, what it needs from the Account and
// Catalog services (the ports upstream.ts fills), what it asks of its repository, and the limits.
// Everything else in src/ imports from here; this imports nothing of the service's own.

export type OrderStatus = 'PENDING' | 'PLACED' | 'REJECTED' | 'CANCELLED';

export interface OrderLine {
  readonly productId: string;
  readonly quantity: number;
  /** The reservation's snapshot; absent while the order is PENDING or if it was rejected. */
  readonly name?: string;
  readonly unitPrice?: Money;
}

/** A product the Catalog had fewer units of than an order asked for, as the Catalog reported it. */
export type StockShortage = Readonly<CatalogStockShortage>;

/**
 * An error that names products short of stock: the Catalog's refusal of a reservation (StockKeeper
 * turns it into this), and the rejection it became. The server sends the shortages on in the
 * Catalog's detail message.
 */
export class OutOfStockError extends DomainError {
  constructor(
    kind: ErrorKind,
    message: string,
    details: ErrorDetails,
    readonly shortages: readonly StockShortage[],
  ) {
    super(kind, message, details);
  }
}

/** Why an order was rejected, kept so that a retry with the same key gets the same answer. */
export interface Rejection {
  readonly kind: ErrorKind;
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
  readonly shortages: readonly StockShortage[];
}

export interface Order {
  readonly id: string;
  readonly accountId: string;
  readonly status: OrderStatus;
  readonly lines: readonly OrderLine[];
  readonly total?: Money;
  readonly rejection?: Rejection;
  readonly createTime: Date;
  readonly updateTime: Date;
}

export interface OrderPage {
  readonly orders: Order[];
  readonly nextPageToken: string;
  readonly totalSize: number;
}

export interface AccountOrders extends OrderPage {
  readonly accountId: string;
}

/** What the Order service needs from the Account service. */
export interface AccountDirectory {
  /** False when no account has this id; throws UNAVAILABLE-like DomainErrors when it cannot tell. */
  exists(accountId: string): Promise<boolean>;
}

export interface ReservedLine {
  readonly productId: string;
  readonly name: string;
  readonly unitPrice: Money;
  readonly quantity: number;
}

/** What the Order service needs from the Catalog service. Both calls are idempotent by reservation id. */
export interface StockKeeper {
  reserve(reservationId: string, lines: ReadonlyArray<{ productId: string; quantity: number }>): Promise<ReservedLine[]>;
  release(reservationId: string): Promise<void>;
}

export interface NewOrderInput {
  readonly accountId: string;
  readonly lines: ReadonlyArray<{ readonly productId: string; readonly quantity: number }>;
  readonly idempotencyKey: string;
}

/** Steps of CreateOrder where a test may make the process die, to prove recovery. */
export type CrashPoint = 'after-pending' | 'after-reserve';

/** An order with what was asked for it, to recognise retries under the same idempotency key. */
export interface StoredOrder {
  readonly order: Order;
  readonly requestFingerprint: string;
}

export interface NewPendingOrder {
  readonly id: string;
  readonly accountId: string;
  readonly idempotencyKey: string | undefined;
  readonly requestFingerprint: string;
  readonly lines: ReadonlyArray<{ productId: string; quantity: number }>;
}

export const MAX_LINES = 50;
export const MAX_QUANTITY = 1_000;
export const MAX_KEY_LENGTH = 200;

export function lineSubtotal(line: OrderLine): Money | undefined {
  return line.unitPrice && multiply(line.unitPrice, line.quantity);
}

/** The order's total from its reservation; undefined when it does not fit int64. */
export function totalOf(lines: readonly ReservedLine[]): Money | undefined {
  return checkedTotal(lines, lines[0]?.unitPrice.currencyCode ?? 'USD');
}
