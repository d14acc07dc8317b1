import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodePageToken, keysetPage } from '../src/pagination.js';

describe('keysetPage', () => {
  const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
  const key = z.object({ id: z.string() });

  it('keeps the page and points the next token after its last row when a row more came back', () => {
    const { items, nextPageToken } = keysetPage(rows, 2, { list: 'x' }, (last) => ({ id: last.id }));
    expect(items).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(decodePageToken(nextPageToken, { list: 'x' }, key)).toEqual({ id: 'b' });
  });

  it('has no next token on the last page, full or not', () => {
    expect(keysetPage(rows, 3, {}, () => 'unused')).toEqual({ items: rows, nextPageToken: '' });
    expect(keysetPage([], 3, {}, () => 'unused')).toEqual({ items: [], nextPageToken: '' });
  });
});
