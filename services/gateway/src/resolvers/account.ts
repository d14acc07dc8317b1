import type { AccountResolvers } from '../../gen/graphql.js';
import { roleOf } from './authorization.js';
import { fetchConnection } from './relay-paging.js';
import { inField } from './service-field-names.js';
import { required } from './convert.js';

export const Account: AccountResolvers = {
  role: (account) => roleOf(account.role),
  createdAt: (account) => required(account.createTime, 'account.create_time'),
  orders: (account, args, { loaders, backends }) =>
    // The first page goes through the loader, so the orders of every account on a page come
    // from one BatchListAccountOrders call; later pages are one account's own ListOrders call.
    fetchConnection(`orders:${account.id}`, args, async (pageSize, pageToken) => {
      if (pageToken === '') {
        const first = await loaders.accountOrders(pageSize).load(account.id);
        return { items: first.orders, nextPageToken: first.nextPageToken, totalSize: first.totalSize };
      }
      const page = await backends.order
        .listOrders({ accountId: account.id, pageSize, pageToken })
        .catch(inField({ renames: { page_token: 'after', page_size: 'first' } }));
      return { items: page.orders, nextPageToken: page.nextPageToken, totalSize: page.totalSize };
    }),
};
