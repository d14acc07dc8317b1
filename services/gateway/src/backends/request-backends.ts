import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountClient } from '@emporium/account/client.js';
import type { CatalogClient } from '@emporium/catalog/client.js';
import { runInContext, type RequestContext } from '@emporium/kit/context.js';
import { DomainError, isDomainError } from '@emporium/kit/errors.js';
import type { OrderClient } from '@emporium/order/client.js';
import type { ServiceClients } from './service-clients.js';

/** The response header that lists a request's backend calls, when EXPOSE_BACKEND_CALLS is on. */
export const BACKEND_CALLS_HEADER = 'x-emporium-backend-calls';

/**
 * Backend calls made while serving one request, per RPC ("AccountService.BatchGetAccounts").
 * Batching is a promise about these numbers, so they are counted where every call passes.
 */
export class CallCounter {
  private readonly counts = new Map<string, number>();

  record(rpc: string): void {
    this.counts.set(rpc, (this.counts.get(rpc) ?? 0) + 1);
  }

  get total(): number {
    let total = 0;
    for (const count of this.counts.values()) total += count;
    return total;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** "AccountService.BatchGetAccounts=1, CatalogService.BatchGetProducts=1" (a header value). */
  toHeader(): string {
    return Object.entries(this.toJSON())
      .map(([rpc, count]) => `${rpc}=${count}`)
      .join(', ');
  }
}

type Call<Req, Res> = (request: Req) => Promise<Res>;

/** One RPC of a client as a plain call (the per-call options stay with the gateway). */
type Rpc<C, K extends keyof C> = C[K] extends (request: infer Req, ...rest: never[]) => Promise<infer Res> ? Call<Req, Res> : never;

/** The named RPCs of a client, each as a plain call. */
type Rpcs<C, K extends keyof C> = { readonly [P in K]: Rpc<C, P> };

/** What a request may ask the services: exactly the RPCs the gateway uses. */
export interface Backends {
  readonly account: Rpcs<
    AccountClient,
    'createAccount' | 'batchGetAccounts' | 'listAccounts' | 'authenticateAccount' | 'createSession' | 'refreshSession' | 'revokeSession'
  >;
  readonly catalog: Rpcs<CatalogClient, 'createProduct' | 'updateProduct' | 'batchGetProducts' | 'listProducts'>;
  readonly order: Rpcs<OrderClient, 'createOrder' | 'getOrder' | 'listOrders' | 'batchListAccountOrders' | 'cancelOrder'>;
}

/** Which service a failure came from, in words a client may read. */
const SERVICE_NAMES = { AccountService: 'account', CatalogService: 'catalog', OrderService: 'order' } as const;
type ServiceName = keyof typeof SERVICE_NAMES;

/**
 * Failures whose text comes from the transport rather than from our services (grpc-js writes
 * addresses and socket errors into UNAVAILABLE and DEADLINE_EXCEEDED details) get a fixed message
 * naming only the service. Our services' own errors already say what was wrong and nothing more.
 */
function sanitize(service: ServiceName, error: unknown): unknown {
  if (!isDomainError(error)) return error;
  switch (error.kind) {
    case 'UNAVAILABLE':
      return new DomainError('UNAVAILABLE', `the ${SERVICE_NAMES[service]} service is unavailable; try again later`, {
        reason: 'SERVICE_UNAVAILABLE',
      });
    case 'DEADLINE_EXCEEDED':
      return new DomainError('DEADLINE_EXCEEDED', `the ${SERVICE_NAMES[service]} service did not answer in time; try again later`, {
        reason: 'SERVICE_TIMEOUT',
      });
    case 'INTERNAL':
      return new DomainError('INTERNAL', 'internal error');
    default:
      return error;
  }
}

/**
 * The backends as one request sees them: every call is counted, runs in the request's context
 * (its request id travels to the service, and its deadline caps the call's), and fails with a
 * message fit for a client.
 */
export function requestBackends(clients: ServiceClients, calls: CallCounter, context: RequestContext): Backends {
  const wrap =
    <Req, Res>(service: ServiceName, rpc: string, fn: (request: Req) => Promise<Res>): Call<Req, Res> =>
    async (request) => {
      calls.record(`${service}.${rpc}`);
      try {
        return await runInContext(context, () => fn(request));
      } catch (error) {
        throw sanitize(service, error);
      }
    };
  const { account, catalog, order } = clients;
  return {
    account: {
      createAccount: wrap('AccountService', 'CreateAccount', (r) => account.createAccount(r)),
      batchGetAccounts: wrap('AccountService', 'BatchGetAccounts', (r) => account.batchGetAccounts(r)),
      listAccounts: wrap('AccountService', 'ListAccounts', (r) => account.listAccounts(r)),
      authenticateAccount: wrap('AccountService', 'AuthenticateAccount', (r) => account.authenticateAccount(r)),
      createSession: wrap('AccountService', 'CreateSession', (r) => account.createSession(r)),
      refreshSession: wrap('AccountService', 'RefreshSession', (r) => account.refreshSession(r)),
      revokeSession: wrap('AccountService', 'RevokeSession', (r) => account.revokeSession(r)),
    },
    catalog: {
      createProduct: wrap('CatalogService', 'CreateProduct', (r) => catalog.createProduct(r)),
      updateProduct: wrap('CatalogService', 'UpdateProduct', (r) => catalog.updateProduct(r)),
      batchGetProducts: wrap('CatalogService', 'BatchGetProducts', (r) => catalog.batchGetProducts(r)),
      listProducts: wrap('CatalogService', 'ListProducts', (r) => catalog.listProducts(r)),
    },
    order: {
      createOrder: wrap('OrderService', 'CreateOrder', (r) => order.createOrder(r)),
      getOrder: wrap('OrderService', 'GetOrder', (r) => order.getOrder(r)),
      listOrders: wrap('OrderService', 'ListOrders', (r) => order.listOrders(r)),
      batchListAccountOrders: wrap('OrderService', 'BatchListAccountOrders', (r) => order.batchListAccountOrders(r)),
      cancelOrder: wrap('OrderService', 'CancelOrder', (r) => order.cancelOrder(r)),
    },
  };
}

/**
 * Counts each GraphQL request's backend calls: the returned function gives a request its counter
 * (the request context calls it once); the response reports the counts in the debug log, and in
 * the BACKEND_CALLS_HEADER when `expose` (EXPOSE_BACKEND_CALLS) is on.
 */
export function registerBackendCallCounting(api: FastifyInstance, expose: boolean): (request: FastifyRequest) => CallCounter {
  const calls = new WeakMap<FastifyRequest, CallCounter>();
  api.addHook('onSend', async (request, reply) => {
    const counter = calls.get(request);
    if (counter === undefined) return;
    if (expose) reply.header(BACKEND_CALLS_HEADER, counter.toHeader());
    request.log.debug({ backendCalls: counter.toJSON(), total: counter.total }, 'graphql request served');
  });
  return (request) => {
    const counter = new CallCounter();
    calls.set(request, counter);
    return counter;
  };
}
