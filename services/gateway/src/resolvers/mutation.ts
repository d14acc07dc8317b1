import { Role as ProtoRole } from '@emporium/contracts/emporium/account/v1/account.js';
import { OrderStatus } from '@emporium/contracts/emporium/order/v1/order.js';
import { invalidArgument, isDomainError } from '@emporium/kit/errors.js';
import { parseId } from '@emporium/kit/ids.js';
import { moneyToProto, parseDecimal } from '@emporium/kit/money.js';
import type { MutationResolvers } from '../../gen/graphql.js';
import { roleOf } from '../auth.js';
import { GatewayError, inField } from '../errors.js';
import type { GatewayContext } from '../context.js';
import type { AccountModel } from '../models.js';
import { required } from './convert.js';

type Fn<R> = Extract<NonNullable<R>, (...args: never[]) => unknown>;
export type MutationFields = { readonly [K in keyof Required<MutationResolvers>]: Fn<MutationResolvers[K]> };

const INPUT = inField({ prefix: 'input' });
const PRODUCT_INPUT = inField({ prefix: 'input', renames: { 'price.amount_minor': 'price', 'price.currency_code': 'price' } });
const ORDER_INPUT = inField({ prefix: 'input', renames: { lines: 'items' } });
const CANCEL_INPUT = inField({ prefix: 'input', renames: { id: 'orderId' } });

/** Rejections of an order that cannot be priced: the order service records them, nothing is held. */
const UNPRICEABLE = new Set(['PRICE_OUT_OF_RANGE', 'TOTAL_OUT_OF_RANGE']);

/**
 * An order whose money cannot be held (a product priced above the maximum, a total beyond int64)
 * is the client's to change — other items, fewer units — so it is BAD_USER_INPUT on the items,
 * with the stable reason, rather than the CONFLICT other preconditions get.
 */
function unpriceable(error: unknown): never {
  if (isDomainError(error, 'FAILED_PRECONDITION') && UNPRICEABLE.has(error.reason)) {
    throw new GatewayError('BAD_USER_INPUT', error.message, { field: 'input.items', reason: error.reason }, 200);
  }
  throw error;
}

async function authPayload(context: GatewayContext, account: AccountModel | undefined) {
  const signedIn = required(account, 'account');
  const { token, expiresAt } = await context.tokens.issue(signedIn.id, roleOf(signedIn.role));
  return { token, expiresAt, account: signedIn };
}

/** Unguarded: resolvers/index.ts puts each behind its rule from auth.ts. */
export const mutation: MutationFields = {
  signUp: async (_root, { input }, context) => {
    // Always a customer: administrators come only from the ADMIN_EMAIL bootstrap.
    const { account } = await context.backends.account
      .createAccount({ name: input.name, email: input.email, password: input.password, role: ProtoRole.ROLE_CUSTOMER })
      .catch(INPUT);
    return authPayload(context, account);
  },

  logIn: async (_root, { input }, context) => {
    const { account } = await context.backends.account
      .authenticateAccount({ email: input.email, password: input.password })
      .catch(INPUT);
    return authPayload(context, account);
  },

  createProduct: async (_root, { input }, { backends, storeCurrency }) => {
    const price = parseDecimal(input.price, storeCurrency, 'input.price');
    const { product } = await backends.catalog
      .createProduct({ name: input.name, description: input.description, price: moneyToProto(price), stock: input.stock })
      .catch(PRODUCT_INPUT);
    return required(product, 'product');
  },

  updateProduct: async (_root, { input }, { backends, storeCurrency }) => {
    const id = parseId(input.id, 'input.id');
    // null and absent both mean "leave as it is": a name, price or stock cannot be unset.
    const changes = {
      ...(input.name == null ? {} : { name: input.name }),
      ...(input.description == null ? {} : { description: input.description }),
      ...(input.price == null ? {} : { price: moneyToProto(parseDecimal(input.price, storeCurrency, 'input.price')) }),
      ...(input.stock == null ? {} : { stock: input.stock }),
    };
    if (Object.keys(changes).length === 0) {
      throw invalidArgument('input', 'give at least one of name, description, price, stock');
    }
    const { product } = await backends.catalog.updateProduct({ id, price: undefined, ...changes }).catch(PRODUCT_INPUT);
    return required(product, 'product');
  },

  createOrder: async (_root, { input }, { backends, viewer }) => {
    // The rule (auth.ts) has let through only a signed-in viewer, ordering for another account
    // only if an administrator.
    const accountId = input.accountId ?? viewer?.accountId;
    if (accountId === undefined) throw new Error('createOrder reached without a viewer');
    const { order } = await backends.order
      .createOrder({
        accountId,
        lines: input.items.map((item) => ({ productId: item.productId, quantity: item.quantity })),
        idempotencyKey: input.idempotencyKey ?? '',
      })
      .catch(ORDER_INPUT)
      .catch(unpriceable);
    const placed = required(order, 'order');
    if (placed.status === OrderStatus.ORDER_STATUS_REJECTED && placed.shortages.length > 0) {
      // The order service records a rejected order (so a retry with the same idempotency key
      // gets the same answer); for the client it is an OUT_OF_STOCK error naming the products.
      throw new GatewayError('OUT_OF_STOCK', `not enough stock for ${placed.shortages.length} product(s)`, {
        orderId: placed.id,
        shortages: placed.shortages.map((s) => ({ productId: s.productId, requested: s.requested, available: s.available })),
      });
    }
    return placed;
  },

  cancelOrder: async (_root, { input }, { backends }) => {
    const { order } = await backends.order.cancelOrder({ id: input.orderId }).catch(CANCEL_INPUT);
    return required(order, 'order');
  },
};
