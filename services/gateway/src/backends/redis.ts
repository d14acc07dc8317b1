import { Redis } from 'ioredis';
import type { Logger } from '@emporium/kit/logger.js';

/*
 * Redis, when REDIS_URL is set: what several gateway replicas must share (rate-limit budgets,
 * token revocations). Without it each gateway keeps those in its own memory, which is exactly
 * right for one gateway (npm start) and wrong for several.
 */

export type { Redis };

/** How long a command may wait for Redis before failing; a budget check must never hang a request. */
const COMMAND_TIMEOUT_MS = 500;

/**
 * Connects to REDIS_URL and checks the connection with a PING, so a wrong URL stops the start
 * with a clear message instead of failing requests later. After that the client reconnects by
 * itself; commands fail fast (no offline queue) while Redis is away.
 */
export async function connectRedis(url: string, log: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2_000),
  });
  let reported = false;
  redis.on('error', (error: Error) => {
    // Once per outage, not once per reconnect attempt.
    if (!reported) log.error({ err: error }, 'redis connection error');
    reported = true;
  });
  redis.on('ready', () => {
    if (reported) log.info('redis connection restored');
    reported = false;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(`REDIS_URL: cannot reach Redis (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  return redis;
}

/** Closes the connection, waiting for replies to commands already sent. */
export async function closeRedis(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
