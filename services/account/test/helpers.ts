import { DomainError } from '@emporium/kit/errors.js';
import { testEngines } from '@emporium/kit/testing.js';

/** The two database engines every account test runs on: a fresh database (or data directory) each. */
export const engines = testEngines('account');

/** The DomainError a promise rejected with; fails the test when it fulfilled or rejected otherwise. */
export async function failure(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
}
