import { Client, Metadata, credentials, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogServiceService, GetProductRequest, GetProductResponse } from '@emporium/contracts/emporium/catalog/v1/catalog.js';
import { REQUEST_ID_HEADER, currentContext, isSafeRequestId, requestIdFrom } from '../src/context.js';
import { grpcService, startGrpcServer, type RunningGrpcServer } from '../src/grpc-server.js';
import { createLogger } from '../src/logger.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('accepts 1-64 characters of [A-Za-z0-9._-] and nothing else', () => {
    for (const good of ['a', 'trace-me-123', 'A.b_c-9', 'x'.repeat(64), '0190a3c2-7b1e-7c3d-8e4f-1a2b3c4d5e6f']) {
      expect(isSafeRequestId(good)).toBe(true);
      expect(requestIdFrom(good)).toBe(good);
    }
    for (const bad of ['', 'x'.repeat(65), 'x'.repeat(8192), 'a b', 'a\nb', 'id"}', 'ünï', 'a:b', undefined, 42, ['a']]) {
      expect(isSafeRequestId(bad)).toBe(false);
      expect(requestIdFrom(bad)).toMatch(UUID);
    }
  });
});

/*
 * A gRPC server reads the caller's id from the x-request-id metadata with the same rule: the
 * handler below answers with the id it was given (in the product name).
 */
describe('a gRPC server', () => {
  let server: RunningGrpcServer;
  let client: Client;
  const getProduct = CatalogServiceService.getProduct;

  beforeAll(async () => {
    const definition = { getProduct };
    server = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      log: createLogger('request-id-test', 'silent'),
      shutdownTimeoutMs: 1_000,
      services: [
        grpcService(definition, {
          getProduct: () =>
            Promise.resolve({
              product: {
                id: '',
                name: currentContext()?.requestId ?? 'no context',
                description: '',
                price: undefined,
                stock: 0,
                createTime: undefined,
                updateTime: undefined,
              },
            }),
        }),
      ],
    });
    client = new Client(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await server.shutdown();
  });

  function requestIdSeenWith(requestId: string): Promise<string | undefined> {
    const metadata = new Metadata();
    metadata.set(REQUEST_ID_HEADER, requestId);
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        getProduct.path,
        (value: GetProductRequest) => Buffer.from(GetProductRequest.encode(value).finish()),
        (value: Buffer) => GetProductResponse.decode(value),
        { id: 'any' },
        metadata,
        { deadline: Date.now() + 5_000 },
        (error: ServiceError | null, response?: GetProductResponse) => {
          if (error) reject(error);
          else resolve(response?.product?.name);
        },
      );
    });
  }

  it('keeps a safe id from the metadata', async () => {
    expect(await requestIdSeenWith('trace-me-123')).toBe('trace-me-123');
  });

  it('replaces an 8 KB or unsafe id with its own', async () => {
    const long = await requestIdSeenWith('x'.repeat(8192));
    expect(long).toMatch(UUID);
    const odd = await requestIdSeenWith('id with spaces');
    expect(odd).toMatch(UUID);
    expect(odd).not.toBe(long);
  });
});
