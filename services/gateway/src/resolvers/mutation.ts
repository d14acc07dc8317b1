import { Role as ProtoRole } from '@emporium/contracts/emporium/account/v1/account.js';
import type { Session } from '@emporium/contracts/emporium/account/v1/account.js';
import { invalidArgument, isDomainError, unauthenticated } from '@emporium/kit/errors.js';
import { parseId } from '@emporium/kit/ids.js';
import { moneyToProto, parseDecimal } from '@emporium/kit/money.js';
import type { MutationResolvers } from '../../gen/graphql.js';
import { GatewayError } from '../http/error-codes.js';
import { roleOf } from './authorization.js';
import type { GatewayContext } from './context.js';
import type { AccountModel } from './parent-types.js';
import { inField } from './service-field-names.js';
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

/** An access token for the session's account, and its refresh token in the payload and the cookie. */
async function authPayload(context: GatewayContext, account: AccountModel | undefined, session: Session | undefined, refreshToken: string) {
  const signedIn = required(account, 'account');
  const { id, expireTime } = required(session, 'session');
  const refreshTokenExpiresAt = required(expireTime, 'session.expire_time');
  const { token, expiresAt } = await context.tokens.issue(signedIn.id, roleOf(signedIn.role), id);
  context.refreshCookie.set(refreshToken, refreshTokenExpiresAt);
  return { token, expiresAt, refreshToken, refreshTokenExpiresAt, account: signedIn };
}

/** Starts a session (a refresh-token family) for an account that just signed up or logged in. */
async function logInPayload(context: GatewayContext, account: AccountModel | undefined) {
  const signedIn = required(account, 'account');
  const { session, refreshToken } = await context.backends.account.createSession({
    accountId: signedIn.id,
    refreshTokenTtlSeconds: context.refreshTokenTtlSeconds,
  });
  return authPayload(context, signedIn, session, refreshToken);
}

const noRefreshToken = () => unauthenticated('no refresh token: give input.refreshToken or send the emporium_refresh cookie');

/** Unguarded: resolver-map.ts puts each behind its rule from authorization.ts. */
export const mutation: MutationFields = {
  signUp: async (_root, { input }, context) => {
    // Always a customer: administrators come only from the ADMIN_EMAIL bootstrap.
    const { account } = await context.backends.account
      .createAccount({ name: input.name, email: input.email, password: input.password, role: ProtoRole.ROLE_CUSTOMER })
      .catch(INPUT);
    return logInPayload(context, account);
  },

  logIn: async (_root, { input }, context) => {
    const { account } = await context.backends.account
      .authenticateAccount({ email: input.email, password: input.password })
      .catch(INPUT);
    return logInPayload(context, account);
  },

  refreshToken: async (_root, { input }, context) => {
    const presented = input.refreshToken ?? context.refreshCookie.value;
    if (presented === undefined || presented === null || presented === '') throw noRefreshToken();
    const refreshed = await context.backends.account
      .refreshSession({ refreshToken: presented, refreshTokenTtlSeconds: context.refreshTokenTtlSeconds })
      .catch((error: unknown) => {
        // A cookie that can never work again is dropped, so the browser stops sending it.
        if (isDomainError(error, 'UNAUTHENTICATED')) context.refreshCookie.clear();
        throw error;
      });
    if (refreshed.reused) {
      // Someone used this token before: the holder, or a thief. The account service has revoked
      // the session; the access tokens issued to it go too.
      context.refreshCookie.clear();
      await context.tokens.revokeSession(required(refreshed.session, 'session').id);
      throw unauthenticated('this refresh token was already used, so its session has been ended; log in again');
    }
    return authPayload(context, refreshed.account, refreshed.session, refreshed.refreshToken);
  },

  logOut: async (_root, { input }, context) => {
    const { backends, viewer, refreshCookie, tokens } = context;
    const presented = input.refreshToken ?? refreshCookie.value;
    const refreshToken = presented === null || presented === '' ? undefined : presented;
    if (viewer === null && refreshToken === undefined) {
      throw unauthenticated('log in first: send "Authorization: Bearer <token>", a refresh token, or the emporium_refresh cookie');
    }
    // The account service first (what must hold), then the access tokens on every replica.
    const ended = new Set<string>();
    if (viewer !== null) {
      const { session } = await backends.account.revokeSession({ sessionId: viewer.sessionId, refreshToken: '' });
      if (session !== undefined) ended.add(session.id);
    }
    if (refreshToken !== undefined) {
      const { session } = await backends.account.revokeSession({ sessionId: '', refreshToken });
      if (session !== undefined) ended.add(session.id);
    }
    for (const sessionId of ended) await tokens.revokeSession(sessionId);
    refreshCookie.clear();
    return { revoked: ended.size > 0 };
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
    // The rule (authorization.ts) has let through only a signed-in viewer, ordering for another account
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
    // A rejection (out of stock, unpriceable) arrives as the order service's error, the first time
    // and on a keyed retry alike; what comes back here was placed or is still PENDING.
    const placed = required(order, 'order');
    return placed;
  },

  cancelOrder: async (_root, { input }, { backends }) => {
    const { order } = await backends.order.cancelOrder({ id: input.orderId }).catch(CANCEL_INPUT);
    return required(order, 'order');
  },
};
