import {
  CatalogServiceService,
  ReleaseOutcome as ProtoReleaseOutcome,
  type Product as ProtoProduct,
  type ReservedLine as ProtoReservedLine,
} from '@emporium/contracts/emporium/catalog/v1/catalog.js';
import { grpcService, type GrpcService } from '@emporium/kit/grpc-server.js';
import { moneyFromProto, moneyToProto } from '@emporium/kit/money.js';
import { withShortages } from './client.js';
import { OutOfStockError, type Product, type ReleaseOutcome, type ReservedLine } from './model.js';
import type { CatalogService } from './service.js';

function toProto(product: Product): ProtoProduct {
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    price: moneyToProto(product.price),
    stock: product.stock,
    createTime: product.createTime,
    updateTime: product.updateTime,
  };
}

function lineToProto(line: ReservedLine): ProtoReservedLine {
  return {
    productId: line.productId,
    name: line.name,
    unitPrice: moneyToProto(line.unitPrice),
    quantity: line.quantity,
  };
}

const releaseOutcomes: Record<ReleaseOutcome, ProtoReleaseOutcome> = {
  RELEASED: ProtoReleaseOutcome.RELEASE_OUTCOME_RELEASED,
  ALREADY_RELEASED: ProtoReleaseOutcome.RELEASE_OUTCOME_ALREADY_RELEASED,
  NOT_FOUND: ProtoReleaseOutcome.RELEASE_OUTCOME_NOT_FOUND,
};

/** A shortage goes out in the catalog's own detail message (client.ts reads it back). */
function withShortageDetail(error: unknown): unknown {
  return error instanceof OutOfStockError ? withShortages(error, error.shortages) : error;
}

/** The gRPC face of the catalog: proto in, domain call, proto out. */
export function catalogServer(service: CatalogService): GrpcService {
  return grpcService(CatalogServiceService, {
    createProduct: async (request) => {
      const product = await service.createProduct({
        name: request.name,
        description: request.description,
        price: moneyFromProto(request.price, 'price'),
        stock: request.stock,
      });
      return { product: toProto(product) };
    },
    updateProduct: async (request) => {
      const product = await service.updateProduct(request.id, {
        name: request.name,
        description: request.description,
        price: request.price === undefined ? undefined : moneyFromProto(request.price, 'price'),
        stock: request.stock,
      });
      return { product: toProto(product) };
    },
    getProduct: async (request) => ({ product: toProto(await service.getProduct(request.id)) }),
    batchGetProducts: async (request) => {
      const { products, notFoundIds } = await service.batchGetProducts(request.ids);
      return { products: products.map(toProto), notFoundIds };
    },
    listProducts: async (request) => {
      const page = await service.listProducts(request.pageSize, request.pageToken, request.query);
      return { products: page.products.map(toProto), nextPageToken: page.nextPageToken, totalSize: page.totalSize };
    },
    reserveStock: async (request) => {
      const reservation = await service.reserveStock(request.reservationId, request.lines).catch((error: unknown) => {
        throw withShortageDetail(error);
      });
      return { reservationId: reservation.reservationId, lines: reservation.lines.map(lineToProto) };
    },
    releaseStock: async (request) => ({
      outcome: releaseOutcomes[await service.releaseStock(request.reservationId)],
    }),
  });
}
