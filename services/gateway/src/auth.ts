import { randomBytes, webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { GraphQLResolveInfo } from 'graphql';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { Role as ProtoRole } from '@emporium/contracts/emporium/account/v1/account.js';
import { notFound, permissionDenied, unauthenticated } from '@emporium/kit/errors.js';
import { parseId } from '@emporium/kit/ids.js';
import type { Logger } from '@emporium/kit/logger.js';
import type {
  MutationCancelOrderArgs,
  MutationCreateOrderArgs,
  MutationCreateProductArgs,
  MutationLogInArgs,
  MutationSignUpArgs,
  MutationUpdateProductArgs,
  QueryAccountArgs,
  QueryAccountsArgs,
  QueryOrderArgs,
  QueryProductArgs,
  QueryProductsArgs,
  Role,
} from '../gen/graphql.js';
import type { GatewayContext } from './context.js';
import { GatewayError } from './errors.js';

/* ============================================================================================
 * Tokens: HS256 JWTs. The token carries the account id and role, so authorizing a request costs
 * no backend call. Roles are set when an account is created and never change, so a token cannot
 * outlive a role; it does outlive a deleted account until it expires (TOKEN_TTL_SECONDS).
 * ========================================================================================== */

const ISSUER = 'emporium-gateway';
const AUDIENCE = 'emporium';
const SECRET_FILE = 'jwt-secret';

/** Who is calling: an account and its role, or nobody. */
export type Viewer = { readonly accountId: string; readonly role: Role } | null;

export function roleOf(role: ProtoRole): Role {
  return role === ProtoRole.ROLE_ADMIN ? 'ADMIN' : 'CUSTOMER';
}

const claims = z.object({
  sub: z.uuid(),
  role: z.enum(['CUSTOMER', 'ADMIN']),
});

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

export class TokenService {
  /**
   * The secret imported into WebCrypto once: given the raw bytes, jose imports them again for
   * every token it signs or checks (~25 µs of a ~75 µs verification, bench/README.md).
   */
  private readonly key: Promise<webcrypto.CryptoKey>;

  constructor(
    secret: Uint8Array,
    private readonly ttlSeconds: number,
  ) {
    this.key = webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    // Awaited at every use; this only keeps a failure from being reported before it is.
    this.key.catch(() => undefined);
  }

  async issue(accountId: string, role: Role): Promise<IssuedToken> {
    const now = Math.floor(Date.now() / 1000);
    const expires = now + this.ttlSeconds;
    const token = await new SignJWT({ role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(accountId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(expires)
      .sign(await this.key);
    return { token, expiresAt: new Date(expires * 1000) };
  }

  /** The viewer a token names; UNAUTHENTICATED (HTTP 401) when it is not one of ours or expired. */
  async verify(token: string): Promise<NonNullable<Viewer>> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, await this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw invalidToken('the token has expired; log in again');
      throw invalidToken('the token is not valid');
    }
    const parsed = claims.safeParse(payload);
    if (!parsed.success) throw invalidToken('the token is not valid');
    return { accountId: parsed.data.sub, role: parsed.data.role };
  }

  /** The viewer of a request from its Authorization header; null without one. */
  async viewerOf(authorization: string | undefined): Promise<Viewer> {
    if (authorization === undefined || authorization === '') return null;
    const match = /^Bearer +([A-Za-z0-9_\-.]+) *$/i.exec(authorization);
    if (!match?.[1]) throw invalidToken('the Authorization header must be "Bearer <token>"');
    return this.verify(match[1]);
  }
}

/**
 * A bad token fails the whole request with 401, rather than quietly serving it as anonymous: a
 * client whose token expired must learn it now, not from a confusing null viewer.
 */
function invalidToken(message: string): GatewayError {
  return new GatewayError('UNAUTHENTICATED', message, {}, 401);
}

/**
 * The signing key: JWT_SECRET when set (several replicas must share it); otherwise a random key
 * generated on first start and kept in the data directory, readable by this user only.
 */
export async function loadSigningKey(secret: string | undefined, dataDir: string, log: Logger): Promise<Uint8Array> {
  if (secret !== undefined) return new TextEncoder().encode(secret);
  const dir = resolve(dataDir);
  const file = join(dir, SECRET_FILE);
  await mkdir(dir, { recursive: true });
  try {
    // 'wx' fails if the file exists, so two gateways starting together keep one key.
    await writeFile(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
    log.info({ file }, 'generated a token signing secret');
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
  }
  const stored = (await readFile(file, 'utf8')).trim();
  if (stored.length < 32) throw new Error(`${file} holds no usable secret; delete it to generate a new one`);
  return new TextEncoder().encode(stored);
}

/* ============================================================================================
 * Authorization: every rule of the API, in this one table. Resolvers never check roles; the
 * resolver map (resolvers/index.ts) puts each Query and Mutation field behind its rule, and the
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

export const rules: {
  readonly Query: {
    readonly viewer: Guard<unknown>;
    readonly account: Guard<QueryAccountArgs>;
    readonly accounts: Guard<QueryAccountsArgs>;
    readonly product: Guard<QueryProductArgs>;
    readonly products: Guard<QueryProductsArgs>;
    readonly order: Guard<QueryOrderArgs>;
  };
  readonly Mutation: {
    readonly signUp: Guard<MutationSignUpArgs>;
    readonly logIn: Guard<MutationLogInArgs>;
    readonly createProduct: Guard<MutationCreateProductArgs>;
    readonly updateProduct: Guard<MutationUpdateProductArgs>;
    readonly createOrder: Guard<MutationCreateOrderArgs>;
    readonly cancelOrder: Guard<MutationCancelOrderArgs>;
  };
} = {
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
