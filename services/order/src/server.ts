import {
  OrderServiceService,
  OrderStatus as ProtoStatus,
  RejectionReason,
  type Order as ProtoOrder,
  type Rejection as ProtoRejection,
} from '@emporium/contracts/emporium/order/v1/order.js';
import { withShortages } from '@emporium/catalog/client.js';
import { grpcService, type GrpcService } from '@emporium/kit/grpc-server.js';
import { moneyToProto } from '@emporium/kit/money.js';
import { rejectionReasonToProto } from './events.js';
import { OutOfStockError, lineSubtotal, type Order, type OrderStatus } from './model.js';
import type { OrderService } from './service.js';

const statusToProto: Record<OrderStatus, ProtoStatus> = {
  PENDING: ProtoStatus.ORDER_STATUS_PENDING,
  PLACED: ProtoStatus.ORDER_STATUS_PLACED,
  REJECTED: ProtoStatus.ORDER_STATUS_REJECTED,
  CANCELLED: ProtoStatus.ORDER_STATUS_CANCELLED,
};

function rejectionToProto(order: Order): ProtoRejection | undefined {
  if (order.status !== 'REJECTED') return undefined;
  const { rejection } = order;
  if (!rejection) return { reason: RejectionReason.REJECTION_REASON_UNSPECIFIED, message: 'the order could not be placed' };
  return { reason: rejectionReasonToProto(rejection), message: rejection.message };
}

function toProto(order: Order): ProtoOrder {
  return {
    id: order.id,
    accountId: order.accountId,
    status: statusToProto[order.status],
    lines: order.lines.map((line) => {
      const subtotal = lineSubtotal(line);
      return {
        productId: line.productId,
        name: line.name ?? '',
        unitPrice: line.unitPrice && moneyToProto(line.unitPrice),
        quantity: line.quantity,
        subtotal: subtotal && moneyToProto(subtotal),
      };
    }),
    total: order.total && moneyToProto(order.total),
    createTime: order.createTime,
    updateTime: order.updateTime,
    shortages: (order.rejection?.shortages ?? []).map((s) => ({ ...s })),
    rejection: rejectionToProto(order),
  };
}

/** A rejection for lack of stock names the short products in the Catalog's own detail message. */
function withShortageDetail(error: unknown): unknown {
  return error instanceof OutOfStockError ? withShortages(error, error.shortages) : error;
}

/** The gRPC face of the order service: proto in, domain call, proto out. */
export function orderServer(service: OrderService): GrpcService {
  return grpcService(OrderServiceService, {
    createOrder: async (request) => {
      const order = await service
        .createOrder({ accountId: request.accountId, lines: request.lines, idempotencyKey: request.idempotencyKey })
        .catch((error: unknown) => {
          throw withShortageDetail(error);
        });
      return { order: toProto(order) };
    },
    getOrder: async (request) => ({ order: toProto(await service.getOrder(request.id)) }),
    listOrders: async (request) => {
      const page = await service.listOrders(request.accountId, request.pageSize, request.pageToken);
      return { orders: page.orders.map(toProto), nextPageToken: page.nextPageToken, totalSize: page.totalSize };
    },
    batchListAccountOrders: async (request) => ({
      results: (await service.batchListAccountOrders(request.accountIds, request.pageSize)).map((page) => ({
        accountId: page.accountId,
        orders: page.orders.map(toProto),
        nextPageToken: page.nextPageToken,
        totalSize: page.totalSize,
      })),
    }),
    cancelOrder: async (request) => ({ order: toProto(await service.cancelOrder(request.id)) }),
  });
}
