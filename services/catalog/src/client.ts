import { CatalogServiceService } from '@emporium/contracts/emporium/catalog/v1/catalog.js';
import { createGrpcClient, type PromiseClient } from '@emporium/kit/grpc-client.js';

export type CatalogClient = PromiseClient<typeof CatalogServiceService>;

export interface CatalogClientOptions {
  /** Default deadline per call. */
  readonly deadlineMs?: number;
}

/**
 * The typed client the Order service and the gateway use. Reads and the reservation calls (which
 * are idempotent by reservation id) are retried on UNAVAILABLE; product writes are not.
 */
export function createCatalogClient(address: string, options: CatalogClientOptions = {}): CatalogClient {
  return createGrpcClient(CatalogServiceService, {
    address,
    idempotent: ['getProduct', 'batchGetProducts', 'listProducts', 'reserveStock', 'releaseStock'],
    ...options,
  });
}
