import { OrderServiceService } from '@emporium/contracts/emporium/order/v1/order.js';
import { createGrpcClient, type ClientTuning, type PromiseClient } from '@emporium/kit/grpc-client.js';

export type OrderClient = PromiseClient<typeof OrderServiceService>;

/** Default deadline per call and retry tuning (see the kit's GrpcClientOptions). */
export type OrderClientOptions = ClientTuning;

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
