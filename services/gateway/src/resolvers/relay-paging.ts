import { z } from 'zod';
import { invalidArgument } from '@emporium/kit/errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '@emporium/kit/pagination.js';
import type { Connection, Edge } from './parent-types.js';

/**
 * The most items one connection field returns; more is BAD_USER_INPUT, not silently fewer. The
 * services' own page limit, so that a page of `first` items is (at most) one service call.
 */
export const MAX_FIRST = MAX_PAGE_SIZE;
/** The services' own page size limit. */
const MAX_BACKEND_PAGE = MAX_PAGE_SIZE;

/**
 * Relay cursors over the services' page tokens. A service gives one opaque token per page (where
 * the next page starts); Relay wants a cursor per edge. A gateway cursor is therefore a position
 * relative to a service token: "skip `s` items after token `p`". The last edge of a page that has
 * more carries the service's next token with s = 0, so paging with endCursor — what clients
 * almost always do — costs one backend call per page; resuming from an edge in the middle costs
 * at most two. The connection's name is inside, so an accounts cursor is refused by products.
 */
const cursorShape = z.object({
  v: z.literal(1),
  c: z.string(),
  p: z.string().max(4096),
  s: z.number().int().min(0).max(MAX_BACKEND_PAGE),
});

interface Position {
  /** The service's page token ('' = the first page). */
  readonly token: string;
  /** Items to skip after it. */
  readonly skip: number;
}

function encodeCursor(connection: string, position: Position): string {
  return Buffer.from(JSON.stringify({ v: 1, c: connection, p: position.token, s: position.skip })).toString('base64url');
}

function decodeCursor(connection: string, cursor: string): Position {
  let parsed: unknown;
  try {
    if (cursor.length > 8192 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidArgument('after', 'is not a valid cursor');
  }
  const result = cursorShape.safeParse(parsed);
  if (!result.success) throw invalidArgument('after', 'is not a valid cursor');
  if (result.data.c !== connection) throw invalidArgument('after', `is a cursor of another connection, not of ${connection}`);
  return { token: result.data.p, skip: result.data.s };
}

export function parseFirst(first: number | null | undefined, fallback = DEFAULT_PAGE_SIZE): number {
  const value = first ?? fallback;
  if (!Number.isInteger(value) || value < 0 || value > MAX_FIRST) {
    throw invalidArgument('first', `must be between 0 and ${MAX_FIRST}`);
  }
  return value;
}

/** One page as a service returns it. */
export interface BackendPage<T> {
  readonly items: readonly T[];
  readonly nextPageToken: string;
  readonly totalSize: number;
}

export type FetchPage<T> = (pageSize: number, pageToken: string) => Promise<BackendPage<T>>;

export interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

function connectionOf<T>(
  connection: string,
  page: BackendPage<T>,
  nodes: readonly T[],
  base: Position,
  hadPrevious: boolean,
): Connection<T> {
  const hasNextPage = page.nextPageToken !== '';
  const edges: Edge<T>[] = nodes.map((node, index) => {
    const last = index === nodes.length - 1;
    const position = last && hasNextPage ? { token: page.nextPageToken, skip: 0 } : { token: base.token, skip: base.skip + index + 1 };
    return { cursor: encodeCursor(connection, position), node };
  });
  return {
    edges,
    nodes,
    totalCount: page.totalSize,
    pageInfo: {
      hasNextPage,
      endCursor: edges.at(-1)?.cursor ?? null,
      hasPreviousPage: hadPrevious,
      startCursor: edges[0]?.cursor ?? null,
    },
  };
}

/**
 * A Relay connection page from a paged service call: `first` items after the `after` cursor.
 * `connection` names the list the cursors belong to ("products", "orders of <id>").
 */
export async function fetchConnection<T>(connection: string, args: PageArgs, fetch: FetchPage<T>): Promise<Connection<T>> {
  const first = parseFirst(args.first);
  const start: Position = args.after ? decodeCursor(connection, args.after) : { token: '', skip: 0 };
  const hadPrevious = start.token !== '' || start.skip > 0;

  if (first === 0) {
    // Only the count and whether anything follows: the smallest page that tells.
    const page = await fetch(Math.max(start.skip, 1), start.token);
    const hasMore = page.items.length > start.skip || page.nextPageToken !== '';
    return {
      edges: [],
      nodes: [],
      totalCount: page.totalSize,
      pageInfo: { hasNextPage: hasMore, endCursor: null, hasPreviousPage: hadPrevious, startCursor: null },
    };
  }
  if (start.skip + first <= MAX_BACKEND_PAGE) {
    const page = await fetch(start.skip + first, start.token);
    return connectionOf(connection, page, page.items.slice(start.skip), start, hadPrevious);
  }
  // The skipped items and the page do not fit in one service page: step over the skipped ones.
  const skipped = await fetch(start.skip, start.token);
  if (skipped.nextPageToken === '') {
    return connectionOf(connection, skipped, [], { token: start.token, skip: start.skip }, hadPrevious);
  }
  const base = { token: skipped.nextPageToken, skip: 0 };
  const page = await fetch(first, base.token);
  return connectionOf(connection, page, page.items, base, hadPrevious);
}
