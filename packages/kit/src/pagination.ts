import { createHash } from 'node:crypto';
import { z } from 'zod';
import { invalidArgument } from './errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** 0 means the default; above the maximum is capped (AIP-158); negative is an error. */
export function parsePageSize(value: number, field = 'page_size'): number {
  if (!Number.isInteger(value) || value < 0) throw invalidArgument(field, 'must not be negative');
  if (value === 0) return DEFAULT_PAGE_SIZE;
  return Math.min(value, MAX_PAGE_SIZE);
}

/**
 * Keyset page tokens. The token is opaque to clients: base64url JSON holding the position (the
 * last row's sort key) and a fingerprint of the query it belongs to, so that a token used with
 * another query is refused instead of silently returning a wrong page.
 */
const envelope = z.object({ v: z.literal(1), q: z.string(), k: z.unknown() });

function fingerprint(scope: unknown): string {
  return createHash('sha256').update(JSON.stringify(scope)).digest('base64url').slice(0, 16);
}

export function encodePageToken(scope: unknown, key: unknown): string {
  return Buffer.from(JSON.stringify({ v: 1, q: fingerprint(scope), k: key })).toString('base64url');
}

/** The position in a token, or undefined for an empty token (the first page). */
export function decodePageToken<K>(
  token: string,
  scope: unknown,
  keySchema: z.ZodType<K>,
  field = 'page_token',
): K | undefined {
  if (token === '') return undefined;
  let parsed: unknown;
  try {
    if (token.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidArgument(field, 'is malformed');
  }
  const outer = envelope.safeParse(parsed);
  if (!outer.success) throw invalidArgument(field, 'is malformed');
  if (outer.data.q !== fingerprint(scope)) throw invalidArgument(field, 'belongs to a different query');
  const key = keySchema.safeParse(outer.data.k);
  if (!key.success) throw invalidArgument(field, 'is malformed');
  return key.data;
}

/**
 * One keyset page from the rows a query returned when asked for one more than the page size: the
 * first `size` of them, and the token of the next page when the extra row shows there is one (its
 * position is the page's last row's key, as keyOf gives it).
 */
export function keysetPage<T>(rows: readonly T[], size: number, scope: unknown, keyOf: (last: T) => unknown): { items: T[]; nextPageToken: string } {
  const items = rows.slice(0, size);
  const last = items.at(-1);
  const nextPageToken = rows.length > size && last !== undefined ? encodePageToken(scope, keyOf(last)) : '';
  return { items, nextPageToken };
}
