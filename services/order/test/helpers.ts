import { afterAll, beforeAll } from 'vitest';
import { Role } from '@emporium/contracts/emporium/account/v1/account.js';
import type { Product } from '@emporium/contracts/emporium/catalog/v1/catalog.js';
import { createAccountClient, type AccountClient } from '@emporium/account/client.js';
import { createCatalogClient, type CatalogClient } from '@emporium/catalog/client.js';
import { useServices, type ServiceStack } from '@emporium/testkit/stack.js';
import { createOrderClient, type OrderClient } from '../src/client.js';

/** The three services (@emporium/testkit's stack), a client of each, and the data an order test needs. */
export interface OrderStack {
  readonly services: ServiceStack;
  readonly accounts: AccountClient;
  readonly catalog: CatalogClient;
  readonly orders: OrderClient;
  newAccount(): Promise<string>;
  newProduct(priceMinor: number, stock: number, name?: string): Promise<Product>;
  stockOf(productId: string): Promise<number>;
}

interface Clients {
  readonly accounts: AccountClient;
  readonly catalog: CatalogClient;
  readonly orders: OrderClient;
}

let sequence = 0;

/**
 * The stack for the tests of the describe block this is called in, started before them and stopped
 * after them; orderEnv: the order service's variables over the stack's defaults.
 */
export function useOrderStack(orderEnv: Record<string, string> = {}): OrderStack {
  const services = useServices({ order: orderEnv });
  let clients: Clients | undefined;
  beforeAll(() => {
    clients = {
      accounts: createAccountClient(services.account.address),
      catalog: createCatalogClient(services.catalog.address),
      orders: createOrderClient(services.order.address, { deadlineMs: 20_000 }),
    };
  });
  afterAll(() => {
    clients?.accounts.close();
    clients?.catalog.close();
    clients?.orders.close();
  });
  const started = () => {
    if (clients === undefined) throw new Error('the stack is not started: use it inside a test or a hook');
    return clients;
  };
  return {
    services,
    get accounts() {
      return started().accounts;
    },
    get catalog() {
      return started().catalog;
    },
    get orders() {
      return started().orders;
    },
    newAccount: async () => {
      const { account } = await started().accounts.createAccount({
        name: 'Buyer',
        email: `buyer.${Date.now()}.${sequence++}@example.com`,
        password: 'long enough password',
        role: Role.ROLE_CUSTOMER,
      });
      if (!account) throw new Error('no account');
      return account.id;
    },
    newProduct: async (priceMinor, stock, name = `Product ${sequence++}`) => {
      const { product } = await started().catalog.createProduct({
        name,
        description: 'for an order test',
        price: { currencyCode: 'USD', amountMinor: String(priceMinor) },
        stock,
      });
      if (!product) throw new Error('no product');
      return product;
    },
    stockOf: async (productId) => (await started().catalog.getProduct({ id: productId })).product?.stock ?? -1,
  };
}
