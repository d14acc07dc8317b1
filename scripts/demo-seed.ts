import { Role } from '@emporium/contracts/emporium/account/v1/account.js';
import type { Product } from '@emporium/contracts/emporium/catalog/v1/catalog.js';
import { retryWhileBusy } from '@emporium/kit/busy.js';
import { isDomainError } from '@emporium/kit/errors.js';
import { createAccountClient, type AccountClient } from '@emporium/account/client.js';
import { createCatalogClient, type CatalogClient } from '@emporium/catalog/client.js';
import { demoProducts } from './demo-data.js';
import { seedAddressOf, type Credentials, type RunnerConfig } from './runner-config.js';

export interface SeedResult {
  readonly created: number;
  readonly updated: number;
}

async function allProducts(catalog: CatalogClient): Promise<Product[]> {
  const products: Product[] = [];
  let pageToken = '';
  do {
    const page = await catalog.listProducts({ pageSize: 100, pageToken, query: '' });
    products.push(...page.products);
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return products;
}

/** How long the demo customer waits for a busy account service. */
const BUSY_WAIT_MS = 30_000;

/**
 * Loads the demo catalog and the demo customer with the given credentials (the admin is the
 * gateway's ADMIN_EMAIL bootstrap). Idempotent: products are matched by name. With `reload`,
 * existing demo products get their demo price, description and stock back; without, nothing
 * happens unless the catalog is empty. Writes no file: keeping the credentials is the caller's.
 */
export async function seedDemoData(config: RunnerConfig, customer: Credentials, options: { reload: boolean }): Promise<SeedResult> {
  const catalog = createCatalogClient(seedAddressOf(config, 'catalog'), { deadlineMs: 10_000 });
  const accounts = createAccountClient(seedAddressOf(config, 'account'), { deadlineMs: 10_000 });
  try {
    // A start after the first finds the shop stocked: nothing to load, and no password to hash.
    if (!options.reload && (await catalog.listProducts({ pageSize: 1, pageToken: '', query: '' })).totalSize > 0) {
      return { created: 0, updated: 0 };
    }
    // The customer's password hash (account service) and the products (catalog) side by side.
    const [, counts] = await Promise.all([createDemoCustomer(accounts, customer), loadProducts(catalog, config, options.reload)]);
    return counts;
  } finally {
    catalog.close();
    accounts.close();
  }
}

async function createDemoCustomer(accounts: AccountClient, customer: Credentials): Promise<void> {
  try {
    // The account service may be busy hashing (another start's administrator): wait our turn.
    await retryWhileBusy(
      () => accounts.createAccount({ name: 'Demo Customer', ...customer, role: Role.ROLE_CUSTOMER }),
      Date.now() + BUSY_WAIT_MS,
    );
  } catch (error) {
    if (!isDomainError(error, 'ALREADY_EXISTS')) throw error;
  }
}

async function loadProducts(catalog: CatalogClient, config: RunnerConfig, reload: boolean): Promise<SeedResult> {
  const existing = new Map((await allProducts(catalog)).map((product) => [product.name, product]));
  let created = 0;
  let updated = 0;
  for (const demo of demoProducts) {
    const price = { currencyCode: config.STORE_CURRENCY, amountMinor: String(demo.priceMinor) };
    const found = existing.get(demo.name);
    if (!found) {
      await catalog.createProduct({ name: demo.name, description: demo.description, price, stock: demo.stock });
      created++;
    } else if (reload) {
      await catalog.updateProduct({ id: found.id, description: demo.description, price, stock: demo.stock });
      updated++;
    }
  }
  return { created, updated };
}
