import { webcrypto } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { Logger } from '@emporium/kit/logger.js';
import type { Redis } from '../backends/redis.js';
import { GatewayError } from '../http/error-codes.js';
import { MemoryRevocations, RedisRevocations, type Revocations } from './revoked-sessions.js';
import { loadSigningKey } from './signing-key.js';
import type { Viewer, ViewerRole } from './viewer.js';

/*
 * Access tokens: HS256 JWTs that live ACCESS_TOKEN_TTL_SECONDS (15 minutes by default). The token
 * carries the account id, its role and its session ("sid"), so authorizing a request costs no
 * backend call, only a look into the revocation list (revoked-sessions.ts) for the session. A token is
 * accepted only with every claim we issue — exp, iat, sub, sid, role, our issuer and audience —,
 * a lifetime (exp - iat) of at most the configured one, and an iat that is not in the future
 * (CLOCK_TOLERANCE_SECONDS of skew between replicas' clocks allowed). So a token signed with the
 * right key but without exp, or valid for 100 years, is refused, and so is any token minted
 * before this rule, which carried no sid: its holder logs in again.
 *
 * Refresh tokens are opaque and live in the account service (its sessions); resolvers/mutation.ts
 * issues, rotates and revokes them.
 */

const ISSUER = 'emporium-gateway';
const AUDIENCE = 'emporium';
/** Skew tolerated between the clocks of the replicas that sign and check a token. */
export const CLOCK_TOLERANCE_SECONDS = 30;

const claims = z.object({
  sub: z.uuid(),
  sid: z.uuid(),
  role: z.enum(['CUSTOMER', 'ADMIN']),
  iat: z.number().int(),
  exp: z.number().int(),
});

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

export class TokenService {
  /**
   * The secret imported into WebCrypto once: given the raw bytes, jose imports them again for
   * every token it signs or checks, work that every request with a token would repeat.
   */
  private readonly key: Promise<webcrypto.CryptoKey>;

  constructor(
    secret: Uint8Array,
    /** Lifetime of an access token; a token claiming a longer one is refused. */
    readonly ttlSeconds: number,
    private readonly revocations: Revocations,
  ) {
    this.key = webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    // Awaited at every use; this only keeps a failure from being reported before it is.
    this.key.catch(() => undefined);
  }

  async issue(accountId: string, role: ViewerRole, sessionId: string): Promise<IssuedToken> {
    const now = Math.floor(Date.now() / 1000);
    const expires = now + this.ttlSeconds;
    const token = await new SignJWT({ role, sid: sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(accountId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(expires)
      .sign(await this.key);
    return { token, expiresAt: new Date(expires * 1000) };
  }

  /** The viewer a token names; UNAUTHENTICATED (HTTP 401) when it is not one of ours, expired or revoked. */
  async verify(token: string): Promise<NonNullable<Viewer>> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, await this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'iat', 'sub', 'sid'],
        // With maxTokenAge jose also refuses an iat in the future (beyond the tolerance).
        maxTokenAge: this.ttlSeconds,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw invalidToken('the token has expired; refresh it or log in again');
      throw invalidToken('the token is not valid');
    }
    const parsed = claims.safeParse(payload);
    if (!parsed.success || parsed.data.exp - parsed.data.iat > this.ttlSeconds) throw invalidToken('the token is not valid');
    if (await this.revocations.isRevoked(parsed.data.sid)) throw invalidToken('the token was revoked (logged out); log in again');
    return { accountId: parsed.data.sub, role: parsed.data.role, sessionId: parsed.data.sid };
  }

  /** The viewer of a request from its Authorization header; null without one. */
  async viewerOf(authorization: string | undefined): Promise<Viewer> {
    if (authorization === undefined || authorization === '') return null;
    const match = /^Bearer +([A-Za-z0-9_\-.]+) *$/i.exec(authorization);
    if (!match?.[1]) throw invalidToken('the Authorization header must be "Bearer <token>"');
    return this.verify(match[1]);
  }

  /** Refuses every access token of the session from now on, on every replica sharing the list. */
  revokeSession(sessionId: string): Promise<void> {
    return this.revocations.revoke(sessionId);
  }
}

/** How long a revocation must be remembered: as long as a token issued just before it can live. */
export function revocationTtlMs(accessTokenTtlSeconds: number): number {
  return (accessTokenTtlSeconds + CLOCK_TOLERANCE_SECONDS) * 1000;
}

/**
 * A bad token fails the whole request with 401, rather than quietly serving it as anonymous: a
 * client whose token expired must learn it now, not from a confusing null viewer.
 */
export function invalidToken(message: string): GatewayError {
  return new GatewayError('UNAUTHENTICATED', message, {}, 401);
}

export interface TokenSettings {
  /** JWT_SECRET; unset: the key kept in dataDir (generated on first start). */
  readonly secret: string | undefined;
  readonly dataDir: string;
  readonly accessTokenTtlSeconds: number;
}

/** The token service with its signing key and its revocation list (in Redis when there is one). */
export async function openTokenService(settings: TokenSettings, redis: Redis | undefined, log: Logger): Promise<TokenService> {
  const revocationTtl = revocationTtlMs(settings.accessTokenTtlSeconds);
  const revocations = redis === undefined ? new MemoryRevocations(revocationTtl) : new RedisRevocations(redis, revocationTtl, log);
  return new TokenService(await loadSigningKey(settings.secret, settings.dataDir, log), settings.accessTokenTtlSeconds, revocations);
}
