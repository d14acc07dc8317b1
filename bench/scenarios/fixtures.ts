import pg from 'pg';
import { z } from 'zod';
import { createAccountClient } from '@emporium/account/client.js';
import { Role } from '@emporium/contracts/emporium/account/v1/account.js';
import { retryWhileBusy } from '@emporium/kit/busy.js';
import type { BenchDatabases } from '../data/databases.js';
import { CUSTOMER_PASSWORD, KIND, customerEmail, seedAccounts, seedCatalog, seedOrders, seededIds, type DataSet } from '../data/seed.js';
import type { BenchOptions } from '../options.js';
import { log } from '../report/progress-log.js';
import { ADMIN } from '../targets/platform.js';

// The data every scenario starts from: the seeded databases, and the users logged in once for the whole run.

/** What the scenarios need from the seeded data and the logged-in users. */
export interface Fixtures {
  readonly productIds: readonly string[];
  readonly hotProductIds: readonly string[];
  readonly adminToken: string;
  readonly customerTokens: readonly string[];
}

/** The account made only to have the running service hash CUSTOMER_PASSWORD; removed once its hash is read. */
const DONOR = { name: 'Bench password donor', email: 'password-donor@bench.emporium.test' };
/** A hash costs the service up to a second of a core; on a loaded machine it may wait its turn. */
const HASH_DEADLINE_MS = 60_000;

/**
 * The stored hash of CUSTOMER_PASSWORD as the running account service makes it (its format, its
 * cost): one account created through its public gRPC API, its hash read back from its database,
 * the account deleted so the seeded data is exactly the data set. Every seeded customer shares it.
 */
async function customerPasswordHash(accountAddress: string, accountDatabase: string): Promise<string> {
  const client = createAccountClient(accountAddress, { deadlineMs: HASH_DEADLINE_MS });
  let id: string;
  try {
    id = await createDonor(client);
  } finally {
    client.close();
  }
  const db = new pg.Client({ connectionString: accountDatabase });
  await db.connect();
  try {
    const { rows } = await db.query<{ password_hash: string }>('delete from account where id = $1 returning password_hash', [id]);
    const hash = rows[0]?.password_hash;
    if (hash === undefined) throw new Error(`the account service stored no account ${id}`);
    return hash;
  } finally {
    await db.end();
  }
}

/** Creates the donor account, waiting out the service's refusals while it hashes others' passwords. */
async function createDonor(client: ReturnType<typeof createAccountClient>): Promise<string> {
  const { account } = await retryWhileBusy(
    () => client.createAccount({ ...DONOR, password: CUSTOMER_PASSWORD, role: Role.ROLE_CUSTOMER }),
    Date.now() + HASH_DEADLINE_MS,
  );
  if (account === undefined) throw new Error('createAccount answered without the account');
  return account.id;
}

/** Fills the three benchmark databases with the data set; returns what the results record of it. */
export async function seedDatabases(data: DataSet, databases: BenchDatabases, accountAddress: string): Promise<Record<string, number>> {
  log(`seeding ${data.products.toLocaleString('en-US')} products, ${data.accounts.toLocaleString('en-US')} accounts, ${data.orders.toLocaleString('en-US')} orders`);
  const started = performance.now();
  const passwordHash = await customerPasswordHash(accountAddress, databases.account);
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

/** Logs in the administrator and the customers through the gateway; reads the seeded products' ids. */
export async function prepareFixtures(options: BenchOptions, databases: BenchDatabases, gatewayUrl: string): Promise<Fixtures> {
  const data = options.data;
  log(`logging in the administrator and ${options.customers} customers`);
  const adminToken = await logIn(gatewayUrl, ADMIN.email, ADMIN.password);
  const customerTokens: string[] = [];
  // Two at a time: each costs a 128 MiB scrypt in the account service.
  for (let n = 1; n <= options.customers; n += 2) {
    const batch = [n, n + 1].filter((k) => k <= options.customers);
    customerTokens.push(...(await Promise.all(batch.map((k) => logIn(gatewayUrl, customerEmail(k), CUSTOMER_PASSWORD)))));
  }
  return {
    productIds: await seededIds(databases.catalog, KIND.product, 1, data.products),
    hotProductIds: await seededIds(databases.catalog, KIND.product, data.products + 1, data.hotProducts),
    adminToken,
    customerTokens,
  };
}
