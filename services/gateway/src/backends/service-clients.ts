import { createAccountClient, type AccountClient } from '@emporium/account/client.js';
import { createCatalogClient, type CatalogClient } from '@emporium/catalog/client.js';
import { createOrderClient, type OrderClient } from '@emporium/order/client.js';

/** The three service clients, one channel each, shared by every request. */
export interface ServiceClients {
  readonly account: AccountClient;
  readonly catalog: CatalogClient;
  readonly order: OrderClient;
  close(): void;
}

export function createServiceClients(
  addresses: { account: string; catalog: string; order: string },
  deadlineMs: number,
): ServiceClients {
  const account = createAccountClient(addresses.account, { deadlineMs });
  const catalog = createCatalogClient(addresses.catalog, { deadlineMs });
  const order = createOrderClient(addresses.order, { deadlineMs });
  return {
    account,
    catalog,
    order,
    close: () => {
      account.close();
      catalog.close();
      order.close();
    },
  };
}
