import { createHash } from 'node:crypto';
import { parseId } from '@emporium/kit/ids.js';
import type { QueryResolvers } from '../../gen/graphql.js';
import { accountNotFound, orderNotFound } from './authorization.js';
import { fetchConnection } from './relay-paging.js';
import { inField } from './service-field-names.js';
import { notFound } from '@emporium/kit/errors.js';

/** A resolver as a plain function (the generated type also allows { resolve } objects). */
type Fn<R> = Extract<NonNullable<R>, (...args: never[]) => unknown>;
export type QueryFields = { readonly [K in keyof Required<QueryResolvers>]: Fn<QueryResolvers[K]> };

const PAGING = inField({ renames: { page_token: 'after', page_size: 'first' } });

/** Unguarded: resolver-map.ts puts each behind its rule from authorization.ts. */
export const query: QueryFields = {
  viewer: async (_root, _args, { viewer, loaders }) => (viewer === null ? null : loaders.account.load(viewer.accountId)),

  account: async (_root, { id }, { loaders }) => {
    const account = await loaders.account.load(parseId(id, 'id'));
    if (account === null) throw accountNotFound(id, 'id');
    return account;
  },

  accounts: (_root, args, { backends }) =>
    fetchConnection('accounts', args, async (pageSize, pageToken) => {
      const page = await backends.account.listAccounts({ pageSize, pageToken }).catch(PAGING);
      return { items: page.accounts, nextPageToken: page.nextPageToken, totalSize: page.totalSize };
    }),

  product: async (_root, { id }, { loaders }) => {
    const product = await loaders.product.load(parseId(id, 'id'));
    if (product === null) throw notFound(`no product has id ${id}`, 'id');
    return product;
  },

  products: (_root, args, { backends }) => {
    const query = args.query ?? '';
    // Cursors are bound to the search they came from (the service's own tokens are too, but a
    // cursor in the middle of the first page carries no service token to check).
    const scope = createHash('sha256').update(query).digest('base64url').slice(0, 12);
    return fetchConnection(`products:${scope}`, args, async (pageSize, pageToken) => {
      const page = await backends.catalog.listProducts({ pageSize, pageToken, query }).catch(PAGING);
      return { items: page.products, nextPageToken: page.nextPageToken, totalSize: page.totalSize };
    });
  },

  order: async (_root, { id }, { loaders }) => {
    const order = await loaders.order.load(parseId(id, 'id'));
    if (order === null) throw orderNotFound(id, 'id');
    return order;
  },
};
