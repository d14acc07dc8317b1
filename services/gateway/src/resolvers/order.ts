import { OrderStatus as ProtoOrderStatus } from '@emporium/contracts/emporium/order/v1/order.js';
import type { OrderResolvers, OrderStatus } from '../../gen/graphql.js';
import { moneyOf, required } from './convert.js';

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

export const Order: OrderResolvers = {
  account: async (order, _args, { loaders }) =>
    required((await loaders.account.load(order.accountId)) ?? undefined, `the account ${order.accountId} of an order`),
  status: (order) => statusOf(order.status),
  items: (order) => order.lines,
  total: (order) => moneyOf(order.total, 'order.total'),
  createdAt: (order) => required(order.createTime, 'order.create_time'),
  updatedAt: (order) => required(order.updateTime ?? order.createTime, 'order.update_time'),
  shortages: (order) => order.shortages,
};
