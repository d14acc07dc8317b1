import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { gatewayConfigSchema } from '../src/config.js';
import { parseConfig, ConfigError } from '@emporium/kit/config.js';
import { closeRedis, connectRedis } from '../src/backends/redis.js';
import { log } from '@emporium/testkit/stack.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A port nothing listens on: bound, read, closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

describe('REDIS_URL', () => {
  it('is a redis:// or rediss:// URL', () => {
    expect(parseConfig(gatewayConfigSchema, { REDIS_URL: 'rediss://user:pw@cache:6380/2' }).REDIS_URL).toBe('rediss://user:pw@cache:6380/2');
    expect(() => parseConfig(gatewayConfigSchema, { REDIS_URL: 'http://cache:6379' })).toThrow(ConfigError);
    expect(() => parseConfig(gatewayConfigSchema, { REDIS_URL: 'http://cache:6379' })).toThrow(/REDIS_URL: must be a redis/);
  });

  it('connects to a real Redis and answers commands', async () => {
    const redis = await connectRedis(REDIS_URL, log);
    try {
      const key = `emporium-test:${process.pid}:${Date.now()}`;
      await redis.set(key, 'v', 'PX', 5_000);
      expect(await redis.get(key)).toBe('v');
    } finally {
      await closeRedis(redis);
    }
  });

  it('refuses to start when Redis cannot be reached, naming the variable', async () => {
    const port = await closedPort();
    await expect(connectRedis(`redis://127.0.0.1:${port}`, log)).rejects.toThrow(/^REDIS_URL: cannot reach Redis/);
  });
});
