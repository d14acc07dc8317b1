import { v7 } from 'uuid';
import { invalidArgument } from './errors.js';

/** A new UUIDv7: time-ordered, so B-tree inserts stay local and keyset pages follow creation order. */
export function newId(): string {
  return v7();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Validates a UUID from a request (INVALID_ARGUMENT naming the field) and returns it lower-cased. */
export function parseId(value: string, field: string): string {
  if (value === '') throw invalidArgument(field, 'is required');
  if (!UUID.test(value)) throw invalidArgument(field, 'must be a UUID');
  return value.toLowerCase();
}
