import pg from 'pg';
import { Role } from '@emporium/contracts/emporium/account/v1/account.js';
import type { Product } from '@emporium/contracts/emporium/catalog/v1/catalog.js';
import { parseConfig } from '@emporium/kit/config.js';
import { DomainError } from '@emporium/kit/errors.js';
import { createLogger } from '@emporium/kit/logger.js';
import { createTestDatabase, type TestDatabase } from '@emporium/kit/testing.js';
import { createAccountClient, type AccountClient } from '@emporium/account/client.js';
import { accountConfigSchema } from '@emporium/account/config.js';
import { startAccountService } from '@emporium/account/main.js';
import { createCatalogClient, type CatalogClient } from '@emporium/catalog/client.js';
import { catalogConfigSchema } from '@emporium/catalog/config.js';
import { startCatalogService } from '@emporium/catalog/main.js';
import { createOrderClient, type OrderClient } from '../src/client.js';
import { orderConfigSchema } from '../src/config.js';
import { startOrderService } from '../src/main.js';

export const log = createLogger('order-test', 'silent');

/** What a test needs of a running service. */
export interface Running {
  readonly address: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** All three services as real gRPC servers on real PostgreSQL databases of their own. */
export interface ServiceStack {
  readonly accounts: AccountClient;
  readonly catalog: CatalogClient;
  readonly orders: OrderClient;
  readonly accountAddress: string;
  readonly catalogAddress: string;
  readonly orderDatabaseUrl: string;
  readonly catalogDatabaseUrl: string;
  catalogService: Running;
  orderService: Running;
  newAccount(): Promise<string>;
  newProduct(priceMinor: number, stock: number, name?: string): Promise<Product>;
  stockOf(productId: string): Promise<number>;
  startOrder(env?: Record<string, string>): Promise<Running>;
  stop(): Promise<void>;
}

let sequence = 0;

export async function startServiceStack(orderEnv: Record<string, string> = {}): Promise<ServiceStack> {
  const databases: TestDatabase[] = await Promise.all([createTestDatabase(), createTestDatabase(), createTestDatabase()]);
  const [accountDb, catalogDb, orderDb] = databases as [TestDatabase, TestDatabase, TestDatabase];
  const accountService = await startAccountService(
    // Tests sign up many accounts at once: a roomy hashing queue (admission is the account tests').
    parseConfig(accountConfigSchema, { PORT: '0', DATABASE_URL: accountDb.url, SCRYPT_LOG_N: '10', HASH_QUEUE_MAX: '10000', HASH_MAX_WAIT_MS: '60000' }),
    log,
  );
  const catalogService = await startCatalogService(
    parseConfig(catalogConfigSchema, { PORT: '0', DATABASE_URL: catalogDb.url }),
    log,
  );
  const startOrder = (env: Record<string, string> = {}) =>
    startOrderService(
      parseConfig(orderConfigSchema, {
        PORT: '0',
        DATABASE_URL: orderDb.url,
        ACCOUNT_ADDRESS: accountService.address,
        CATALOG_ADDRESS: catalogService.address,
        ...orderEnv,
        ...env,
      }),
      log,
    );
  const orderService = await startOrder();
  const accounts = createAccountClient(accountService.address);
  const catalog = createCatalogClient(catalogService.address);
  const orders = createOrderClient(orderService.address, { deadlineMs: 20_000 });
  const stack: ServiceStack = {
    accounts,
    catalog,
    orders,
    accountAddress: accountService.address,
    catalogAddress: catalogService.address,
    orderDatabaseUrl: orderDb.url,
    catalogDatabaseUrl: catalogDb.url,
    catalogService,
    orderService,
    startOrder,
    newAccount: async () => {
      const { account } = await accounts.createAccount({
        name: 'Buyer',
        email: `buyer.${Date.now()}.${sequence++}@example.com`,
        password: 'long enough password',
        role: Role.ROLE_CUSTOMER,
      });
      if (!account) throw new Error('no account');
      return account.id;
    },
    newProduct: async (priceMinor, stock, name = `Product ${sequence++}`) => {
      const { product } = await catalog.createProduct({
        name,
        description: 'for an order test',
        price: { currencyCode: 'USD', amountMinor: String(priceMinor) },
        stock,
      });
      if (!product) throw new Error('no product');
      return product;
    },
    stockOf: async (productId) => (await catalog.getProduct({ id: productId })).product?.stock ?? -1,
    stop: async () => {
      accounts.close();
      catalog.close();
      orders.close();
      await Promise.all([stack.orderService.stop(), stack.catalogService.stop(), accountService.stop()]);
      await Promise.all(databases.map((database) => database.drop()));
    },
  };
  return stack;
}

/** The DomainError a call rejected with; fails the test when it did not reject. */
export async function failure(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

export async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One SQL statement on a service's database: for rows as an older release wrote them. */
export async function runSql(url: string, text: string, values: readonly unknown[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text, [...values]);
  } finally {
    await client.end();
  }
}
