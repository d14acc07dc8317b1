import { expect } from 'vitest';

/** One page of a keyset-paged list: the ids on it, and the token of the next page ('' after the last). */
export interface IdPage {
  readonly ids: readonly string[];
  readonly nextPageToken: string;
}

export type PageOf = (pageSize: number, pageToken: string) => Promise<IdPage>;

/**
 * Walks a list 7 at a time while insert() adds two rows per page read, then checks the walk: no id
 * twice, every id in `existing` (the list before the walk) seen, newest first, more than two pages.
 */
export async function expectStableWalk(page: PageOf, existing: ReadonlySet<string>, insert: () => Promise<unknown>): Promise<void> {
  const seen: string[] = [];
  const inserts: Array<Promise<unknown>> = [];
  let pageToken = '';
  let pages = 0;
  do {
    const current = await page(7, pageToken);
    expect(current.ids.length).toBeLessThanOrEqual(7);
    seen.push(...current.ids);
    inserts.push(insert(), insert());
    pageToken = current.nextPageToken;
    pages++;
  } while (pageToken !== '');
  await Promise.all(inserts);

  expect(new Set(seen).size).toBe(seen.length);
  for (const id of existing) expect(seen).toContain(id);
  expect([...seen].sort().reverse()).toEqual(seen);
  expect(pages).toBeGreaterThan(2);
}
