import { createHash, randomBytes } from 'node:crypto';
import { invalidArgument, notFound, unauthenticated } from '@emporium/kit/errors.js';
import { newId, parseId } from '@emporium/kit/ids.js';
import { DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS, MIN_TTL_SECONDS, type Refreshed, type Session } from './model.js';
import type { AccountService } from './service.js';
import type { SessionRepository } from './session-repository.js';

/*
 * Sessions and refresh tokens. A session is one login; each refresh token of it is used once and
 * exchanged for the next (rotation). A refresh token is 32 random bytes (base64url); only its
 * SHA-256 is stored, so a copy of the database holds no usable token. A plain hash suffices for
 * 256 random bits: there is nothing to guess, unlike a password.
 */

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

function parseTtl(seconds: number): number {
  if (seconds === 0) return DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(seconds) || seconds < MIN_TTL_SECONDS || seconds > MAX_TTL_SECONDS) {
    throw invalidArgument('refresh_token_ttl_seconds', `must be 0 (30 days) or ${MIN_TTL_SECONDS} to ${MAX_TTL_SECONDS}`);
  }
  return seconds;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashOf(token) };
}

/** A token's hash, or UNAUTHENTICATED when it cannot be one of ours (never INVALID_ARGUMENT: it is a credential). */
function hashOfPresented(token: string): string {
  if (!TOKEN.test(token)) throw invalidRefreshToken();
  return hashOf(token);
}

const invalidRefreshToken = () => unauthenticated('the refresh token is not valid, expired or revoked; log in again');

export class SessionService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly accounts: AccountService,
  ) {}

  async create(accountId: string, ttlSeconds: number): Promise<{ session: Session; refreshToken: string }> {
    const id = parseId(accountId, 'account_id');
    const ttl = parseTtl(ttlSeconds);
    const { token, hash } = newToken();
    const session = await this.sessions.create({ id: newId(), accountId: id, tokenHash: hash, expireTime: new Date(Date.now() + ttl * 1000) });
    if (session === undefined) throw notFound(`no account has id ${id}`, 'account_id');
    return { session, refreshToken: token };
  }

  async refresh(refreshToken: string, ttlSeconds: number): Promise<Refreshed> {
    const ttl = parseTtl(ttlSeconds);
    const hash = hashOfPresented(refreshToken);
    const next = newToken();
    const rotation = await this.sessions.rotate(hash, { tokenHash: next.hash, expireTime: new Date(Date.now() + ttl * 1000) });
    switch (rotation.kind) {
      case 'refused':
        throw invalidRefreshToken();
      case 'reused':
        return { reused: true, session: rotation.session };
      case 'rotated':
        return {
          reused: false,
          session: rotation.session,
          account: await this.accounts.getAccount(rotation.session.accountId),
          refreshToken: next.token,
        };
    }
  }

  /** Revokes the session named by its id or one of its refresh tokens; undefined when none matched. */
  async revoke(by: { sessionId: string; refreshToken: string }): Promise<Session | undefined> {
    if ((by.sessionId === '') === (by.refreshToken === '')) throw invalidArgument('session_id', 'give session_id or refresh_token, not both');
    if (by.sessionId !== '') return this.sessions.revoke({ sessionId: parseId(by.sessionId, 'session_id') });
    // An unknown or malformed token matches nothing: there is nothing to revoke, which is no error.
    return TOKEN.test(by.refreshToken) ? this.sessions.revoke({ tokenHash: hashOf(by.refreshToken) }) : undefined;
  }
}
