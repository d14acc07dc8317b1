import { OrderCancelled, OrderPlaced, OrderRejected } from '@emporium/contracts/emporium/order/v1/events.js';
import { RejectionReason } from '@emporium/contracts/emporium/order/v1/order.js';
import { defineEvent } from '@emporium/kit/events.js';
import { moneyToProto, type Money } from '@emporium/kit/money.js';
import type { Rejection, ReservedLine } from './model.js';

// The events the order service publishes (subject emporium.order.v1.<Event>), and how a status
// change becomes one. The repository records them in the transaction of the change. An order's
// version is 1 when it is written PENDING and one more with every status change.

export const orderPlaced = defineEvent<OrderPlaced>('emporium.order.v1.OrderPlaced', OrderPlaced);
export const orderRejected = defineEvent<OrderRejected>('emporium.order.v1.OrderRejected', OrderRejected);
export const orderCancelled = defineEvent<OrderCancelled>('emporium.order.v1.OrderCancelled', OrderCancelled);

/** Which order a status change happened to, and its version after it. */
export interface ChangedOrder {
  readonly id: string;
  readonly accountId: string;
  readonly version: bigint;
}

/**
 * The stored rejection's reason as the contract names it. Reasons are stored as the Catalog (or
 * the order service) gave them; an unknown product is the Catalog's NOT_FOUND, whatever its reason.
 */
export function rejectionReasonToProto(rejection: Rejection): RejectionReason {
  if (rejection.kind === 'NOT_FOUND') return RejectionReason.REJECTION_REASON_PRODUCT_NOT_FOUND;
  switch (rejection.reason) {
    case 'OUT_OF_STOCK':
      return RejectionReason.REJECTION_REASON_OUT_OF_STOCK;
    case 'PRICE_OUT_OF_RANGE':
      return RejectionReason.REJECTION_REASON_PRICE_OUT_OF_RANGE;
    case 'TOTAL_OUT_OF_RANGE':
      return RejectionReason.REJECTION_REASON_TOTAL_OUT_OF_RANGE;
    case 'PENDING_TIMEOUT':
      return RejectionReason.REJECTION_REASON_TIMED_OUT;
    default:
      return RejectionReason.REJECTION_REASON_UNSPECIFIED;
  }
}

/** The OrderPlaced event, with the reservation's snapshot (names, unit prices, total). */
export function orderPlacedEvent(order: ChangedOrder, lines: readonly ReservedLine[], total: Money, placeTime: Date) {
  return {
    type: orderPlaced,
    aggregateId: order.id,
    aggregateVersion: order.version,
    payload: {
      orderId: order.id,
      accountId: order.accountId,
      lines: lines.map((line) => ({
        productId: line.productId,
        name: line.name,
        quantity: line.quantity,
        unitPrice: moneyToProto(line.unitPrice),
      })),
      total: moneyToProto(total),
      version: order.version.toString(),
      placeTime,
    },
  };
}

export function orderRejectedEvent(order: ChangedOrder, rejection: Rejection) {
  return {
    type: orderRejected,
    aggregateId: order.id,
    aggregateVersion: order.version,
    payload: {
      orderId: order.id,
      accountId: order.accountId,
      reason: rejectionReasonToProto(rejection),
      message: rejection.message,
      version: order.version.toString(),
    },
  };
}

export function orderCancelledEvent(order: ChangedOrder) {
  return {
    type: orderCancelled,
    aggregateId: order.id,
    aggregateVersion: order.version,
    payload: { orderId: order.id, accountId: order.accountId, version: order.version.toString() },
  };
}
