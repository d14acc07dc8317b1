import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { accountConfigSchema } from '@emporium/account/config.js';
import { startAccountService, type RunningAccountService } from '@emporium/account/main.js';
import { catalogConfigSchema } from '@emporium/catalog/config.js';
import { startCatalogService } from '@emporium/catalog/main.js';
import { gatewayConfigSchema } from '@emporium/gateway/config.js';
import { startGateway, type RunningGateway } from '@emporium/gateway/main.js';
import { parseConfig } from '@emporium/kit/config.js';
import { createLogger } from '@emporium/kit/logger.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { orderConfigSchema } from '@emporium/order/config.js';
import { startOrderService } from '@emporium/order/main.js';
import { ADMIN, graphql, type GraphQLClient, type GraphQLResponse, type RequestOptions } from './graphql.js';

/*
 * The platform for a test file: the three services as real gRPC servers on ephemeral ports, each on
 * its own fresh PostgreSQL database, and (useStack) the gateway on an ephemeral HTTP port that tests
 * talk to with fetch, like any client. useServices/useStack start it before the file's tests and
 * stop it after them: a suite writes `const stack = useStack()` and nothing else.
 */

/** Silent unless TEST_LOG_LEVEL is set (then debug). */
export const log = createLogger('test', process.env.TEST_LOG_LEVEL === undefined ? 'silent' : 'debug');

/** What a test needs of a running service: to dial it, or to stop it (an outage). */
export interface Running {
  readonly address: string;
  readonly port: number;
  stop(): Promise<void>;
}

type Env = Readonly<Record<string, string>>;

export interface StackOptions {
  /** The account service's variables over the defaults below (e.g. HASH_CONCURRENCY). */
  readonly account?: Env;
  /** The order service's variables over the defaults below. */
  readonly order?: Env;
  /** The gateway's variables over the defaults below (useStack only). */
  readonly gateway?: Env;
  /** How long starting may take (the hooks' timeout); vitest's hookTimeout when not given. */
  readonly timeoutMs?: number;
}

/** The three services. */
export interface ServiceStack {
  readonly account: Running & Pick<RunningAccountService, 'hashing'>;
  /** The catalog service; a test that restarts it puts the new one here, so stop() stops that. */
  catalog: Running;
  order: Running;
  /** Each service's own database, for a test that models data written before an upgrade. */
  readonly databaseUrls: Readonly<Record<'account' | 'catalog' | 'order', string>>;
  /** Starts another order service on the same database and services (its variables over the stack's). */
  startOrder(env?: Env): Promise<Running>;
}

/** The three services and a gateway on them. */
export interface Stack extends ServiceStack, GraphQLClient {
  readonly url: string;
  readonly gateway: RunningGateway;
  readonly dataDir: string;
  request(query: string, options?: RequestOptions): Promise<GraphQLResponse>;
  /** Starts another gateway on the same services (and, unless given, the same data dir); stopped with the stack. */
  startGateway(env?: Env): Promise<RunningGateway>;
}

interface Started<S> {
  readonly stack: S;
  stop(): Promise<void>;
}

async function startServices(options: StackOptions): Promise<Started<ServiceStack>> {
  const databases: TestDatabase[] = await Promise.all([createTestDatabase(), createTestDatabase(), createTestDatabase()]);
  const urls = databases.map((database) => database.url);
  const [accountDb = '', catalogDb = '', orderDb = ''] = urls;
  const account = await startAccountService(
    // A roomy hashing queue: suites sign up many users at once; admission itself is tested with
    // tight settings (the account service's hashing tests, the gateway's hash-burst.test.ts).
    parseConfig(accountConfigSchema, {
      PORT: '0',
      SCRYPT_LOG_N: '10',
      HASH_QUEUE_MAX: '10000',
      HASH_MAX_WAIT_MS: '60000',
      DATABASE_URL: accountDb,
      ...options.account,
    }),
    log,
  );
  const catalog = await startCatalogService(parseConfig(catalogConfigSchema, { PORT: '0', DATABASE_URL: catalogDb }), log);
  const orders: Running[] = [];
  const startOrder = async (env: Env = {}) => {
    const order = await startOrderService(
      parseConfig(orderConfigSchema, {
        PORT: '0',
        DATABASE_URL: orderDb,
        ACCOUNT_ADDRESS: account.address,
        CATALOG_ADDRESS: catalog.address,
        // Reconciliation has its own tests (the order service's resilience.test.ts) with a restarted service.
        RECONCILE_INTERVAL_MS: '0',
        ...options.order,
        ...env,
      }),
      log,
    );
    orders.push(order);
    return order;
  };
  const order = await startOrder();
  const stack: ServiceStack = {
    account,
    catalog,
    order,
    databaseUrls: { account: accountDb, catalog: catalogDb, order: orderDb },
    startOrder,
  };
  return {
    stack,
    stop: async () => {
      // Stopping a stopped service is a no-op, so the ones a test stopped and replaced are stopped too.
      await Promise.all([...new Set([stack.order, ...orders])].map((o) => o.stop()));
      await Promise.all([stack.catalog.stop(), account.stop()]);
      await Promise.all(databases.map((database) => database.drop()));
    },
  };
}

async function startWithGateway(options: StackOptions): Promise<Started<Stack>> {
  const services = await startServices(options);
  const { account, order } = services.stack;
  const dataDir = await mkdtemp(join(tmpdir(), 'emporium-gateway-'));
  const gateways: RunningGateway[] = [];
  const start = async (env: Env = {}) => {
    const config = parseConfig(gatewayConfigSchema, {
      PORT: '0',
      ACCOUNT_ADDRESS: account.address,
      CATALOG_ADDRESS: services.stack.catalog.address,
      ORDER_ADDRESS: order.address,
      DATA_DIR: dataDir,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      EXPOSE_BACKEND_CALLS: 'true',
      GRAPHIQL: 'false',
      BACKEND_DEADLINE_MS: '3000',
      // Every test client is 127.0.0.1 and signs up or logs in far more often than a person: the
      // rate limits are raised out of the way here. The gateway's rate-limits.test.ts sets its own.
      RATE_LIMIT_REQUESTS: '1000000',
      AUTH_ATTEMPTS_PER_IP: '1000000',
      SIGNUPS_PER_IP: '1000000',
      AUTH_FAILURES_PER_EMAIL: '1000000',
      ...options.gateway,
      ...env,
    });
    const gateway = await startGateway(config, log);
    gateways.push(gateway);
    return gateway;
  };
  const gateway = await start();
  // The same object: a catalog or order service a test puts in its place is the one stop() stops.
  const stack: Stack = Object.assign(services.stack, {
    url: gateway.url,
    gateway,
    dataDir,
    request: (query: string, options?: RequestOptions) => graphql(gateway.url, query, options),
    startGateway: start,
  });
  return {
    stack,
    stop: async () => {
      await Promise.all(gateways.map((g) => g.stop()));
      await services.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts before the file's (or describe block's) tests, stops after them; get() is the started stack. */
function use<S>(start: (options: StackOptions) => Promise<Started<S>>, options: StackOptions): () => S {
  let started: Started<S> | undefined;
  beforeAll(async () => {
    started = await start(options);
  }, options.timeoutMs);
  afterAll(async () => {
    await started?.stop();
  });
  return () => {
    if (started === undefined) throw new Error('the stack is not started: use it inside a test or a hook');
    return started.stack;
  };
}

/** A stack's members read from the stack once it is started. */
class ServicesHandle<S extends ServiceStack> implements ServiceStack {
  constructor(protected readonly started: () => S) {}
  get account() {
    return this.started().account;
  }
  get catalog() {
    return this.started().catalog;
  }
  set catalog(running: Running) {
    this.started().catalog = running;
  }
  get order() {
    return this.started().order;
  }
  set order(running: Running) {
    this.started().order = running;
  }
  get databaseUrls() {
    return this.started().databaseUrls;
  }
  readonly startOrder = (env?: Env) => this.started().startOrder(env);
}

class StackHandle extends ServicesHandle<Stack> implements Stack {
  get url() {
    return this.started().url;
  }
  get gateway() {
    return this.started().gateway;
  }
  get dataDir() {
    return this.started().dataDir;
  }
  readonly request = (query: string, options?: RequestOptions) => this.started().request(query, options);
  readonly startGateway = (env?: Env) => this.started().startGateway(env);
}

/**
 * The three services, started before the tests of the file or describe block this is called in and
 * stopped after them. The handle reads the started stack: use it inside tests and hooks.
 */
export function useServices(options: StackOptions = {}): ServiceStack {
  return new ServicesHandle(use(startServices, options));
}

/** The three services and a gateway on them, like useServices. */
export function useStack(options: StackOptions = {}): Stack {
  return new StackHandle(use(startWithGateway, options));
}
