import { expect } from 'vitest';
import { DomainError, type ErrorKind } from '@emporium/kit/errors.js';

/** The DomainError a call rejected with; fails the test when it fulfilled or rejected with anything else. */
export async function failure(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** failure(), and the error is of this kind about this field (named in its message too). */
export async function expectError(promise: Promise<unknown>, kind: ErrorKind, field?: string): Promise<DomainError> {
  const error = await failure(promise);
  expect({ kind: error.kind, field: error.field }).toEqual({ kind, field });
  if (field !== undefined) expect(error.message).toContain(field);
  return error;
}
