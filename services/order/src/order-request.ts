import { createHash } from 'node:crypto';
import { DomainError, invalidArgument, type ErrorKind } from '@emporium/kit/errors.js';
import { parseId } from '@emporium/kit/ids.js';
import { MAX_KEY_LENGTH, MAX_LINES, MAX_QUANTITY, OutOfStockError, type NewOrderInput, type Order, type Rejection } from './model.js';

// The rules of a CreateOrder request, apart from the order's life (service.ts): what a valid request
// is, when two requests are the same one, and what a refusal from the Catalog means for the order.

const KEY = /^[\x21-\x7e]+$/;

/** Errors that say the Catalog decided: no stock, no such product, a bad request. Anything else may be transient. */
export const DEFINITIVE: ReadonlySet<ErrorKind> = new Set(['FAILED_PRECONDITION', 'NOT_FOUND', 'INVALID_ARGUMENT', 'ALREADY_EXISTS']);

export function parseLines(lines: NewOrderInput['lines']): Array<{ productId: string; quantity: number }> {
  if (lines.length === 0) throw invalidArgument('lines', 'must have at least one line');
  if (lines.length > MAX_LINES) throw invalidArgument('lines', `must have at most ${MAX_LINES} lines`);
  const merged = new Map<string, number>();
  lines.forEach((line, index) => {
    const productId = parseId(line.productId, `lines[${index}].product_id`);
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_QUANTITY) {
      throw invalidArgument(`lines[${index}].quantity`, `must be between 1 and ${MAX_QUANTITY}`);
    }
    const quantity = (merged.get(productId) ?? 0) + line.quantity;
    if (quantity > MAX_QUANTITY) {
      throw invalidArgument(`lines[${index}].quantity`, `adds up to more than ${MAX_QUANTITY} of product ${productId}`);
    }
    merged.set(productId, quantity);
  });
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

export function parseKey(key: string): string | undefined {
  if (key === '') return undefined;
  if (key.length > MAX_KEY_LENGTH || !KEY.test(key)) {
    throw invalidArgument('idempotency_key', `must be 1-${MAX_KEY_LENGTH} printable ASCII characters without spaces`);
  }
  return key;
}

/** The same request always has the same fingerprint, whatever the order or split of its lines. */
export function fingerprint(accountId: string, lines: ReadonlyArray<{ productId: string; quantity: number }>): string {
  const canonical = [...lines].sort((a, b) => a.productId.localeCompare(b.productId));
  return createHash('sha256').update(JSON.stringify({ accountId, lines: canonical })).digest('base64url');
}

/**
 * What the Catalog's refusal means for this order, in the order's terms: the Catalog names fields
 * of its own request (its merged lines), which the caller of CreateOrder never saw.
 */
export function rejectionOf(error: DomainError): Rejection {
  const shortages = error instanceof OutOfStockError ? error.shortages : [];
  const message =
    error.reason === 'OUT_OF_STOCK'
      ? `not enough stock: ${shortages
          .map((s) => `product ${s.productId} has ${s.available} available, ${s.requested} requested`)
          .join('; ')}`
      : error.message.replace(/^lines\[\d+\]\.[a-z_]+: /, '');
  return { kind: error.kind, reason: error.reason, message, field: 'lines', shortages };
}

/**
 * The rejection of an order whose reservation came back with a total no order can hold. A catalog
 * of this release refuses such a reservation before taking stock; this is the guard for one that
 * did not (a reservation taken by an older release, replayed).
 */
export const TOTAL_OUT_OF_RANGE: Rejection = {
  kind: 'FAILED_PRECONDITION',
  reason: 'TOTAL_OUT_OF_RANGE',
  message: 'the total would exceed the largest amount an order can hold; nothing is held',
  field: 'lines',
  shortages: [],
};

/** The error a rejected order answers with, the first time and on every retry. */
export function rejectedError(order: Order): DomainError {
  const rejection = order.rejection;
  const message = `order ${order.id} was rejected: ${rejection?.message ?? 'it could not be placed'}`;
  const kind = rejection?.kind ?? 'FAILED_PRECONDITION';
  const details = {
    reason: rejection?.reason ?? 'REJECTED',
    ...(rejection?.field === undefined ? {} : { field: rejection.field }),
  };
  const shortages = rejection?.shortages ?? [];
  return shortages.length > 0 ? new OutOfStockError(kind, message, details, shortages) : new DomainError(kind, message, details);
}
