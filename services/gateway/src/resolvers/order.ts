import {
  OrderStatus as ProtoOrderStatus,
  RejectionReason,
  type Order as ProtoOrder,
} from '@emporium/contracts/emporium/order/v1/order.js';
import type { OrderRejectionReason, OrderResolvers, OrderStatus, ResolversTypes } from '../../gen/graphql.js';
import { optionalMoneyOf, required } from './convert.js';

function statusOf(status: ProtoOrderStatus): OrderStatus {
  switch (status) {
    case ProtoOrderStatus.ORDER_STATUS_PENDING:
      return 'PENDING';
    case ProtoOrderStatus.ORDER_STATUS_PLACED:
      return 'PLACED';
    case ProtoOrderStatus.ORDER_STATUS_REJECTED:
      return 'REJECTED';
    case ProtoOrderStatus.ORDER_STATUS_CANCELLED:
      return 'CANCELLED';
    default:
      throw new Error(`backend answer with an unknown order status ${String(status)}`);
  }
}

const reasons: Record<RejectionReason, OrderRejectionReason> = {
  [RejectionReason.REJECTION_REASON_OUT_OF_STOCK]: 'OUT_OF_STOCK',
  [RejectionReason.REJECTION_REASON_PRODUCT_NOT_FOUND]: 'PRODUCT_NOT_FOUND',
  [RejectionReason.REJECTION_REASON_PRICE_OUT_OF_RANGE]: 'PRICE_OUT_OF_RANGE',
  [RejectionReason.REJECTION_REASON_TOTAL_OUT_OF_RANGE]: 'TOTAL_OUT_OF_RANGE',
  [RejectionReason.REJECTION_REASON_TIMED_OUT]: 'TIMED_OUT',
  [RejectionReason.REJECTION_REASON_UNSPECIFIED]: 'OTHER',
  [RejectionReason.UNRECOGNIZED]: 'OTHER',
};

/** Why a REJECTED order was rejected; null for any other status. A reason we do not know is OTHER, never an error. */
function rejectionOf(order: ProtoOrder): ResolversTypes['OrderRejection'] | null {
  if (order.status !== ProtoOrderStatus.ORDER_STATUS_REJECTED) return null;
  return {
    reason: reasons[order.rejection?.reason ?? RejectionReason.REJECTION_REASON_UNSPECIFIED] ?? 'OTHER',
    message: order.rejection?.message || 'the order could not be placed',
    shortages: order.shortages,
  };
}

export const Order: OrderResolvers = {
  account: async (order, _args, { loaders }) =>
    required((await loaders.account.load(order.accountId)) ?? undefined, `the account ${order.accountId} of an order`),
  status: (order) => statusOf(order.status),
  items: (order) => order.lines,
  // Absent until the order is priced (PENDING) and for orders never priced (REJECTED).
  total: (order) => optionalMoneyOf(order.total, 'order.total'),
  createdAt: (order) => required(order.createTime, 'order.create_time'),
  updatedAt: (order) => required(order.updateTime ?? order.createTime, 'order.update_time'),
  shortages: (order) => order.shortages,
  rejection: (order) => rejectionOf(order),
};
