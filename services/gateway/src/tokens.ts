import { randomBytes, webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { Logger } from '@emporium/kit/logger.js';
import { GatewayError } from './errors.js';
import type { Revocations } from './revocations.js';
import { weakSecretReason } from './secrets.js';
import type { Viewer, ViewerRole } from './viewer.js';

/*
 * Access tokens: HS256 JWTs that live ACCESS_TOKEN_TTL_SECONDS (15 minutes by default). The token
 * carries the account id, its role and its session ("sid"), so authorizing a request costs no
 * backend call, only a look into the revocation list (revocations.ts) for the session. A token is
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
const SECRET_FILE = 'jwt-secret';
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
   * every token it signs or checks, a third of each verification (bench/README.md).
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

/**
 * The signing key: JWT_SECRET when set (several replicas must share it; config.ts has refused a
 * weak one); otherwise a random key generated on first start and kept in the data directory,
 * readable by this user only.
 */
/**
 * 256 random bits as base64url. The weak-secret filter refuses about one random draw in millions
 * (one that happens to spell a word): draw again rather than ever write a secret the next start
 * would refuse.
 */
function drawSecret(): string {
  for (;;) {
    const candidate = randomBytes(32).toString('base64url');
    if (weakSecretReason(candidate) === undefined) return candidate;
  }
}

export async function loadSigningKey(secret: string | undefined, dataDir: string, log: Logger): Promise<Uint8Array> {
  if (secret !== undefined) return new TextEncoder().encode(secret);
  const dir = resolve(dataDir);
  const file = join(dir, SECRET_FILE);
  await mkdir(dir, { recursive: true });
  try {
    // 'wx' fails if the file exists, so two gateways starting together keep one key.
    await writeFile(file, drawSecret(), { flag: 'wx', mode: 0o600 });
    log.info({ file }, 'generated a token signing secret');
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
  }
  const stored = (await readFile(file, 'utf8')).trim();
  const weakness = weakSecretReason(stored);
  if (weakness !== undefined) throw new Error(`${file} holds no usable secret (${weakness}); delete it to generate a new one`);
  return new TextEncoder().encode(stored);
}
