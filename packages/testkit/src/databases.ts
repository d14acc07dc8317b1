import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Admin connection for tests: they create and drop their own databases there. */
export const TEST_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** Runs fn on one connection to the server at url, closed afterwards whatever fn does. */
export async function withPostgres<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty PostgreSQL database owned by one test suite, so suites run in parallel and repeatedly. */
export async function createTestDatabase(prefix = 'emporium_test'): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withPostgres(TEST_ADMIN_URL, (client) => client.query(`create database "${name}"`));
  const url = new URL(TEST_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withPostgres(TEST_ADMIN_URL, (client) => client.query(`drop database if exists "${name}" with (force)`)).then(() => undefined),
  };
}

/** A database engine a service's tests run on: the environment that selects it, and its cleanup. */
export interface TestEngine {
  readonly name: string;
  setup(): Promise<{ env: Record<string, string>; cleanup: () => Promise<unknown> }>;
}

/** Both engines a service runs on: PostgreSQL (DATABASE_URL) and embedded PGlite (DATA_DIR), for describe.each. */
export function testEngines(tag: string): readonly TestEngine[] {
  return [
    {
      name: 'PostgreSQL',
      async setup() {
        const database = await createTestDatabase();
        return { env: { DATABASE_URL: database.url }, cleanup: () => database.drop() };
      },
    },
    {
      name: 'embedded PGlite',
      async setup() {
        const dir = await mkdtemp(join(tmpdir(), `emporium-${tag}-`));
        return { env: { DATA_DIR: dir }, cleanup: () => rm(dir, { recursive: true, force: true }) };
      },
    },
  ];
}
