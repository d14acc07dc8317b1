import { z } from 'zod';
import { accountConfigSchema } from '@emporium/account/config.js';
import { PasswordHasher } from '@emporium/account/password.js';
import { parseConfig } from '@emporium/kit/config.js';
import { ADMIN, type BenchProcesses } from './bench-processes.js';
import type { BenchDatabases } from './databases.js';
import { log } from './log.js';
import type { BenchOptions } from './options.js';
import { CUSTOMER_PASSWORD, KIND, customerEmail, seedAccounts, seedCatalog, seedOrders, seededIds } from './seed.js';

// The data every scenario starts from: the seeded databases, and the users logged in once for the whole run.

/** What the scenarios need from the seeded data and the logged-in users. */
export interface Fixtures {
  readonly productIds: readonly string[];
  readonly hotProductIds: readonly string[];
  readonly adminToken: string;
  readonly customerTokens: readonly string[];
}

/** Fills the three benchmark databases with the data set; returns what the results record of it. */
export async function seedDatabases(options: BenchOptions, databases: BenchDatabases): Promise<Record<string, number>> {
  const data = options.data;
  log(`seeding ${data.products.toLocaleString('en-US')} products, ${data.accounts.toLocaleString('en-US')} accounts, ${data.orders.toLocaleString('en-US')} orders`);
  const started = performance.now();
  // One hash for every seeded customer, at the cost the account service uses (scrypt is slow on purpose).
  const hasher = new PasswordHasher(parseConfig(accountConfigSchema, {}).SCRYPT_LOG_N);
  const passwordHash = await hasher.hash(CUSTOMER_PASSWORD);
  const [, , orderLines] = await Promise.all([
    seedCatalog(databases.catalog, data),
    seedAccounts(databases.account, data, passwordHash),
    seedOrders(databases.order, data),
  ]);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  log(`seeded in ${seconds} s`);
  return { seconds, products: data.products, hotProducts: data.hotProducts, accounts: data.accounts, orders: data.orders, orderLines };
}

const logInResponse = z.object({ data: z.object({ logIn: z.object({ token: z.string().min(1) }) }) });

/** A token for that user, waiting out the account service's refusals (TOO_MANY_REQUESTS) for up to a minute. */
export async function logIn(url: string, email: string, password: string): Promise<string> {
  // The account service refuses password checks beyond its queue (TOO_MANY_REQUESTS, Retry-After):
  // the fixtures wait their turn as any careful client would.
  const giveUpAt = Date.now() + 60_000;
  for (;;) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation LogIn($input: LogInInput!) { logIn(input: $input) { token } }', variables: { input: { email, password } } }),
    });
    const body: unknown = await response.json();
    const parsed = logInResponse.safeParse(body);
    if (parsed.success) return parsed.data.data.logIn.token;
    const waitSeconds = Number(response.headers.get('retry-after') ?? Number.NaN);
    if (response.status !== 429 || !Number.isFinite(waitSeconds) || Date.now() + waitSeconds * 1000 > giveUpAt) {
      throw new Error(`logIn as ${email} failed: ${JSON.stringify(body).slice(0, 500)}`);
    }
    await new Promise((done) => setTimeout(done, waitSeconds * 1000));
  }
}

export async function prepareFixtures(options: BenchOptions, databases: BenchDatabases, processes: BenchProcesses): Promise<Fixtures> {
  const data = options.data;
  log(`logging in the administrator and ${options.customers} customers`);
  const adminToken = await logIn(processes.gatewayUrl, ADMIN.email, ADMIN.password);
  const customerTokens: string[] = [];
  // Two at a time: each costs a 128 MiB scrypt in the account service.
  for (let n = 1; n <= options.customers; n += 2) {
    const batch = [n, n + 1].filter((k) => k <= options.customers);
    customerTokens.push(...(await Promise.all(batch.map((k) => logIn(processes.gatewayUrl, customerEmail(k), CUSTOMER_PASSWORD)))));
  }
  return {
    productIds: await seededIds(databases.catalog, KIND.product, 1, data.products),
    hotProductIds: await seededIds(databases.catalog, KIND.product, data.products + 1, data.hotProducts),
    adminToken,
    customerTokens,
  };
}
