import { invalidArgument } from './errors.js';
import { parseId } from './ids.js';

/** The most ids one batch RPC takes; the gateway's loaders split a bigger batch into calls of this size. */
export const MAX_BATCH = 100;

/**
 * A batch get by ids: validates them (at most 100, each a UUID, naming `ids[i]` when not), fetches
 * each distinct id once, and answers in the order asked — a duplicated id as often as it was asked —
 * with the ids that name nothing listed once each.
 */
export async function batchGet<T extends { readonly id: string }>(
  ids: readonly string[],
  fetch: (distinctIds: string[]) => Promise<T[]>,
  field = 'ids',
): Promise<{ found: T[]; notFoundIds: string[] }> {
  if (ids.length > MAX_BATCH) throw invalidArgument(field, `must have at most ${MAX_BATCH} entries`);
  const wanted = ids.map((id, index) => parseId(id, `${field}[${index}]`));
  const byId = new Map((await fetch([...new Set(wanted)])).map((item) => [item.id, item]));
  const found: T[] = [];
  const notFoundIds = new Set<string>();
  for (const id of wanted) {
    const item = byId.get(id);
    if (item) found.push(item);
    else notFoundIds.add(id);
  }
  return { found, notFoundIds: [...notFoundIds] };
}
