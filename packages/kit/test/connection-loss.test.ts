import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, withPostgres, type TestDatabase } from '@emporium/testkit/databases.js';
import { openDatabase, type Database } from '../src/database.js';
import { createLogger } from '../src/logger.js';

// PostgreSQL going away (a crash, a failover, an administrator's pg_terminate_backend) while a
// transaction holds a connection between two statements: the transaction fails, the process lives.
// A pooled client emits 'error' then; without a listener on it, Node ends the process.

let testDb: TestDatabase;
let database: Database<unknown>;
beforeAll(async () => {
  testDb = await createTestDatabase('emporium_kit_connection_loss');
  database = await openDatabase<unknown>({ url: testDb.url, dataDir: '', log: createLogger('kittest', 'silent') });
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

it('fails the transaction whose connection was terminated between statements, and keeps serving', async () => {
  const uncaught: unknown[] = [];
  const record = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', record);
  try {
    const transaction = database.db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      await withPostgres(testDb.url, (admin) => admin.query('select pg_terminate_backend($1)', [rows[0]?.pid]));
      // The server's FATAL reaches the client while no statement of the transaction runs.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await sql`select 1`.execute(trx);
    });
    await expect(transaction).rejects.toThrow();
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
    expect(rows).toEqual([{ one: 1 }]);
    expect(uncaught).toEqual([]);
  } finally {
    process.off('uncaughtException', record);
  }
});
