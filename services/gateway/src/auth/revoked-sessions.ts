import type { Logger } from '@emporium/kit/logger.js';
import { GatewayError } from '../http/error-codes.js';
import type { Redis } from '../backends/redis.js';

/*
 * Revoked sessions, as far as access tokens are concerned. An access token is a signed JWT that
 * is checked without asking the account service, so logging out (or a refresh token's reuse)
 * must also tell every gateway replica to refuse the access tokens of that session, whose id they
 * carry as "sid". An entry needs to live only as long as such a token can: the access-token
 * lifetime plus the clock tolerance; after that every token of the session has expired anyway.
 *
 * With Redis (REDIS_URL) one key per revoked session, shared by the replicas; without it a map in
 * this process, right for one gateway (npm start).
 */

export interface Revocations {
  /** Refuses the access tokens of this session from now on, for entryTtlMs. */
  revoke(sessionId: string): Promise<void>;
  isRevoked(sessionId: string): Promise<boolean>;
}

/** One gateway: a map of session id -> when the entry may be forgotten. */
export class MemoryRevocations implements Revocations {
  private readonly entries = new Map<string, number>();
  private nextSweep = 0;

  constructor(private readonly entryTtlMs: number) {}

  revoke(sessionId: string): Promise<void> {
    const now = Date.now();
    this.sweep(now);
    this.entries.set(sessionId, now + this.entryTtlMs);
    return Promise.resolve();
  }

  isRevoked(sessionId: string): Promise<boolean> {
    const until = this.entries.get(sessionId);
    return Promise.resolve(until !== undefined && until > Date.now());
  }

  /** Drops expired entries, at most once per entry lifetime, so memory stays bounded by the logouts of one lifetime. */
  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + this.entryTtlMs;
    for (const [id, until] of this.entries) if (until <= now) this.entries.delete(id);
  }
}

const KEY_PREFIX = 'emporium:revoked-session:';

/**
 * Several gateways: one Redis key per revoked session, expiring by itself. When Redis cannot be
 * asked, a request with a token fails closed (UNAVAILABLE, HTTP 503, retryable): serving it could
 * let a revoked token through. Requests without a token do not ask Redis and are unaffected.
 */
export class RedisRevocations implements Revocations {
  /** Set while Redis fails, so an outage is logged once, not once per request. */
  private failing = false;

  constructor(
    private readonly redis: Redis,
    private readonly entryTtlMs: number,
    private readonly log: Logger,
  ) {}

  async revoke(sessionId: string): Promise<void> {
    try {
      await this.redis.set(KEY_PREFIX + sessionId, '1', 'PX', this.entryTtlMs);
      this.failing = false;
    } catch (error) {
      throw this.unavailable(error, 'cannot record the log out right now; try again');
    }
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    try {
      const revoked = (await this.redis.exists(KEY_PREFIX + sessionId)) === 1;
      this.failing = false;
      return revoked;
    } catch (error) {
      throw this.unavailable(error, 'cannot check the token right now; try again');
    }
  }

  private unavailable(error: unknown, message: string): GatewayError {
    if (!this.failing) this.log.error({ err: error }, 'token revocation list unavailable (redis); refusing requests with a token');
    this.failing = true;
    return new GatewayError('UNAVAILABLE', message, {}, 503);
  }
}
