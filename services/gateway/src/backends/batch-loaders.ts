import DataLoader from 'dataloader';
import type { Account } from '@emporium/contracts/emporium/account/v1/account.js';
import type { Product } from '@emporium/contracts/emporium/catalog/v1/catalog.js';
import type { AccountOrders, Order } from '@emporium/contracts/emporium/order/v1/order.js';
import { MAX_BATCH } from '@emporium/kit/batch.js';
import { isDomainError } from '@emporium/kit/errors.js';
import type { Backends } from './request-backends.js';

/**
 * Batching: one DataLoader per kind of thing, created per request (so nothing is cached across
 * requests or viewers). Every resolver that needs an account, a product or an account's orders
 * asks its loader; the loader collects the ids asked for while graphql resolves one level of the
 * query and makes one batch call for all of them. A nested query thus makes one backend call per
 * type per level, whether it lists 5 accounts or 50 (up to 100 ids per call).
 */
export interface Loaders {
  /** Accounts by id (BatchGetAccounts); null for an unknown id. */
  readonly account: DataLoader<string, Account | null>;
  /** Products by id (BatchGetProducts); null for an unknown id. */
  readonly product: DataLoader<string, Product | null>;
  /** Orders by id (GetOrder: the service has no batch get; only top-level fields ask). */
  readonly order: DataLoader<string, Order | null>;
  /** The first page of each account's orders (BatchListAccountOrders), one loader per page size. */
  accountOrders(pageSize: number): DataLoader<string, AccountOrders>;
  /** Forgets everything loaded so far: a mutation may have changed it. */
  clearAll(): void;
}

/** Puts the batch answer back in the order of the keys. */
function byKey<T>(keys: readonly string[], found: readonly T[], idOf: (item: T) => string): (T | null)[] {
  const map = new Map(found.map((item) => [idOf(item), item]));
  return keys.map((key) => map.get(key) ?? null);
}

export function createLoaders(backends: Backends): Loaders {
  const account = new DataLoader<string, Account | null>(
    async (ids) => {
      const { accounts } = await backends.account.batchGetAccounts({ ids: [...ids] });
      return byKey(ids, accounts, (a) => a.id);
    },
    { maxBatchSize: MAX_BATCH },
  );
  const product = new DataLoader<string, Product | null>(
    async (ids) => {
      const { products } = await backends.catalog.batchGetProducts({ ids: [...ids] });
      return byKey(ids, products, (p) => p.id);
    },
    { maxBatchSize: MAX_BATCH },
  );
  const order = new DataLoader<string, Order | null>(
    (ids) =>
      Promise.all(
        ids.map(async (id) => {
          try {
            return (await backends.order.getOrder({ id })).order ?? null;
          } catch (error) {
            if (isDomainError(error, 'NOT_FOUND')) return null;
            throw error;
          }
        }),
      ),
    { maxBatchSize: MAX_BATCH },
  );
  const accountOrdersBySize = new Map<number, DataLoader<string, AccountOrders>>();
  const accountOrders = (pageSize: number) => {
    let loader = accountOrdersBySize.get(pageSize);
    if (loader === undefined) {
      loader = new DataLoader<string, AccountOrders>(
        async (accountIds) => {
          const { results } = await backends.order.batchListAccountOrders({ accountIds: [...accountIds], pageSize });
          return byKey(accountIds, results, (r) => r.accountId).map(
            (result, index) => result ?? { accountId: accountIds[index] ?? '', orders: [], nextPageToken: '', totalSize: 0 },
          );
        },
        { maxBatchSize: MAX_BATCH },
      );
      accountOrdersBySize.set(pageSize, loader);
    }
    return loader;
  };
  const clearAll = () => {
    account.clearAll();
    product.clearAll();
    order.clearAll();
    accountOrdersBySize.clear();
  };
  return { account, product, order, accountOrders, clearAll };
}
