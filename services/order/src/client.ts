import { OrderServiceService } from '@emporium/contracts/emporium/order/v1/order.js';
import { createGrpcClient, type PromiseClient } from '@emporium/kit/grpc-client.js';

export type OrderClient = PromiseClient<typeof OrderServiceService>;

export interface OrderClientOptions {
  /** Default deadline per call. */
  readonly deadlineMs?: number;
}

/**
 * The typed client the gateway uses. Reads and cancellation (harmless to repeat) are retried on
 * UNAVAILABLE. CreateOrder is not retried here: a caller that wants retries sends an idempotency
 * key and repeats the call itself.
 */
export function createOrderClient(address: string, options: OrderClientOptions = {}): OrderClient {
  return createGrpcClient(OrderServiceService, {
    address,
    idempotent: ['getOrder', 'listOrders', 'batchListAccountOrders', 'cancelOrder'],
    ...options,
  });
}
