import {
  CatalogServiceService,
  StockShortageDetail,
  protobufPackage,
  type StockShortage,
} from '@emporium/contracts/emporium/catalog/v1/catalog.js';
import { ErrorDetail } from '@emporium/contracts/emporium/type/v1/error.js';
import { DomainError, detailOf, detailType, packDetail } from '@emporium/kit/errors.js';
import { createGrpcClient, type PromiseClient } from '@emporium/kit/grpc-client.js';

export type CatalogClient = PromiseClient<typeof CatalogServiceService>;

/** A product a reservation found short: what was asked, and what is available now. */
export type { StockShortage };

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

const stockShortageDetail = detailType(protobufPackage, 'StockShortageDetail', StockShortageDetail);

/**
 * The error with these shortages in its details, for the catalog's server and for a service that
 * answers with the catalog's shortages (the order service): emporium.catalog.v1.StockShortageDetail,
 * and for one release the deprecated emporium.type.v1.ErrorDetail.shortages, which older callers read.
 */
export function withShortages(error: DomainError, shortages: ReadonlyArray<Readonly<StockShortage>>): DomainError {
  const copies = shortages.map(({ productId, requested, available }) => ({ productId, requested, available }));
  return new DomainError(error.kind, error.message, {
    ...error.details,
    attached: [
      ...error.attached.filter((detail) => detail.typeUrl !== stockShortageDetail.typeUrl),
      packDetail(stockShortageDetail, { shortages: copies }),
    ],
    legacyDetail: ErrorDetail.encode({ reason: '', field: '', shortages: copies, retryAfterMs: 0, details: [] }).finish(),
  });
}

/** The products an OUT_OF_STOCK error says were short; none for any other error. */
export function shortagesOf(error: DomainError): StockShortage[] {
  const detail = detailOf(error, stockShortageDetail);
  if (detail !== undefined || error.legacyDetail === undefined) return detail?.shortages ?? [];
  // A server of the release before sends only the deprecated ErrorDetail.shortages.
  try {
    return ErrorDetail.decode(error.legacyDetail).shortages;
  } catch {
    return [];
  }
}
