import type { GraphQLResolveInfo } from 'graphql';
import { Role as ProtoRole } from '@emporium/contracts/emporium/account/v1/account.js';
import { notFound, permissionDenied, unauthenticated } from '@emporium/kit/errors.js';
import { parseId } from '@emporium/kit/ids.js';
import type {
  MutationCancelOrderArgs,
  MutationResolvers,
  QueryAccountArgs,
  QueryOrderArgs,
  QueryResolvers,
  Role,
} from '../../gen/graphql.js';
import type { GatewayContext } from './context.js';
import type { Viewer, ViewerRole } from '../auth/viewer.js';

/** The schema's roles and the viewer's are one list: this fails to compile when they part. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<Check extends true> = Check;
export type RolesAgree = Holds<Same<Role, ViewerRole>>;

export function roleOf(role: ProtoRole): Role {
  return role === ProtoRole.ROLE_ADMIN ? 'ADMIN' : 'CUSTOMER';
}

/* ============================================================================================
 * Authorization: every rule of the API, in this one table. Resolvers never check roles; the
 * resolver map (resolver-map.ts) puts each Query and Mutation field behind its rule, and the
 * types demand a rule for every field.
 *
 * Reading someone else's account or order answers NOT_FOUND, exactly as for an id that does not
 * exist: FORBIDDEN would confirm to a customer that the id exists, which leaks who has accounts
 * and how many orders there are. Admin-only operations answer FORBIDDEN: there is nothing to
 * hide about their existence, and the caller learns to log in as an administrator.
 *
 * Nested fields need no rules of their own: an Account's orders and an Order's account are
 * reachable only through an account or order its viewer may see.
 * ========================================================================================== */

type Guard<Args> = (context: GatewayContext, args: Args, field: string) => void | Promise<void>;

function signedIn(context: GatewayContext): NonNullable<Viewer> {
  if (context.viewer === null) throw unauthenticated('log in first: send "Authorization: Bearer <token>"');
  return context.viewer;
}

const anyone: Guard<unknown> = () => undefined;

const adminOnly: Guard<unknown> = (context, _args, field) => {
  if (signedIn(context).role !== 'ADMIN') throw permissionDenied(`${field} is for administrators only`);
};

/**
 * An administrator, or the owner of the thing. The thing's id is validated first, so a malformed
 * id is BAD_USER_INPUT for everyone; then anything the viewer does not own is `hidden`.
 */
function ownerOrAdmin<Args>(
  idOf: (args: Args) => { readonly id: string; readonly field: string },
  ownerOf: (context: GatewayContext, id: string) => Promise<string | undefined> | string | undefined,
  hidden: (id: string, field: string) => Error,
): Guard<Args> {
  return async (context, args) => {
    const viewer = signedIn(context);
    const { id, field } = idOf(args);
    parseId(id, field);
    if (viewer.role === 'ADMIN') return;
    if ((await ownerOf(context, id)) !== viewer.accountId) throw hidden(id, field);
  };
}

export const accountNotFound = (id: string, field: string) => notFound(`no account has id ${id}`, field);
export const orderNotFound = (id: string, field: string) => notFound(`no order has id ${id}`, field);

const orderOwner = async (context: GatewayContext, id: string) => (await context.loaders.order.load(id))?.accountId;

/** A guard for every field of a root type, each taking that field's arguments as the schema types them. */
type Guards<Fields> = {
  readonly [Field in keyof Fields]-?: Guard<Parameters<Extract<NonNullable<Fields[Field]>, (...args: never[]) => unknown>>[1]>;
};

export const rules: { readonly Query: Guards<QueryResolvers>; readonly Mutation: Guards<MutationResolvers> } = {
  Query: {
    // Anonymous callers get null, not an error: "am I logged in?" is a fair question.
    viewer: anyone,
    account: ownerOrAdmin((args: QueryAccountArgs) => ({ id: args.id, field: 'id' }), (_context, id) => id, accountNotFound),
    accounts: adminOnly,
    product: anyone,
    products: anyone,
    order: ownerOrAdmin((args: QueryOrderArgs) => ({ id: args.id, field: 'id' }), orderOwner, orderNotFound),
  },
  Mutation: {
    signUp: anyone,
    logIn: anyone,
    // The refresh token is the credential here, checked by the account service.
    refreshToken: anyone,
    // An access token or a refresh token names the session to end (resolvers/mutation.ts).
    logOut: anyone,
    createProduct: adminOnly,
    updateProduct: adminOnly,
    createOrder: (context, args) => {
      const viewer = signedIn(context);
      const accountId = args.input.accountId;
      if (accountId !== null && accountId !== undefined && accountId !== viewer.accountId && viewer.role !== 'ADMIN') {
        throw permissionDenied('input.accountId: only administrators may order for another account');
      }
    },
    cancelOrder: ownerOrAdmin(
      (args: MutationCancelOrderArgs) => ({ id: args.input.orderId, field: 'input.orderId' }),
      orderOwner,
      orderNotFound,
    ),
  },
};

/**
 * A resolver behind its rule. The rule runs first and the resolver only if it passes, so a denied
 * call never reaches a backend (except to load what an ownership rule must look at).
 */
export function guarded<Parent, Args, Result>(
  rule: Guard<Args>,
  resolve: (parent: Parent, args: Args, context: GatewayContext, info: GraphQLResolveInfo) => Result,
): (parent: Parent, args: Args, context: GatewayContext, info: GraphQLResolveInfo) => Promise<Awaited<Result>> {
  return async (parent, args, context, info): Promise<Awaited<Result>> => {
    await rule(context, args, info.fieldName);
    return await resolve(parent, args, context, info);
  };
}
