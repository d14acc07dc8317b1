import { isDomainError, unavailable } from '@emporium/kit/errors.js';
import { moneyFromProto } from '@emporium/kit/money.js';
import type { AccountClient } from '@emporium/account/client.js';
import { shortagesOf, type CatalogClient } from '@emporium/catalog/client.js';
import { OutOfStockError, type AccountDirectory, type ReservedLine, type StockKeeper } from './model.js';

// Adapters from the other services' clients to the ports the order domain needs: proto in, domain out.

export function accountDirectory(client: AccountClient): AccountDirectory {
  return {
    exists: async (accountId) => {
      try {
        await client.getAccount({ id: accountId });
        return true;
      } catch (error) {
        if (isDomainError(error, 'NOT_FOUND')) return false;
        throw unavailable('the account service is unavailable; nothing was ordered, try again');
      }
    },
  };
}

/** The Catalog's refusal for lack of stock, with its shortages read from the Catalog's detail. */
function withShortages(error: unknown): unknown {
  if (!isDomainError(error)) return error;
  const shortages = shortagesOf(error);
  return shortages.length === 0 ? error : new OutOfStockError(error.kind, error.message, error.details, shortages);
}

export function stockKeeper(client: CatalogClient): StockKeeper {
  return {
    reserve: async (reservationId, lines) => {
      const response = await client
        .reserveStock({
          reservationId,
          lines: lines.map((line) => ({ productId: line.productId, quantity: line.quantity })),
        })
        .catch((error: unknown) => {
          throw withShortages(error);
        });
      try {
        return response.lines.map(
          (line): ReservedLine => ({
            productId: line.productId,
            name: line.name,
            unitPrice: moneyFromProto(line.unitPrice, 'unit_price'),
            quantity: line.quantity,
          }),
        );
      } catch (error) {
        // Not a DomainError on purpose: a malformed answer is no verdict on the order, so the
        // order stays PENDING (its stock may be held) until the reconciler settles or releases it.
        throw new Error('the catalog answered ReserveStock with a malformed line', { cause: error });
      }
    },
    release: async (reservationId) => {
      await client.releaseStock({ reservationId });
    },
  };
}
