import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '@emporium/kit/errors.js';
import { createTestDatabase } from '@emporium/kit/testing.js';

/** The two database engines every account test runs on: a fresh database (or data directory) each. */
export const engines = [
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
      const dir = await mkdtemp(join(tmpdir(), 'emporium-account-'));
      return { env: { DATA_DIR: dir }, cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
  },
];

/** The DomainError a promise rejected with; fails the test when it fulfilled or rejected otherwise. */
export async function failure(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
}
