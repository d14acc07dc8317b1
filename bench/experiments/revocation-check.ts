// Micro-benchmark behind the gateway README's note on the cost of the revocation check: what
// TokenService.verify adds to every request with a token — a look into the revoked sessions,
// in memory (one gateway) or in Redis (REDIS_URL, several) — next to the JWT verification itself.
// Run: npx tsx --conditions=@emporium/source bench/experiments/revocation-check.ts  (Redis at
// TEST_REDIS_URL or 127.0.0.1:6379)
import { randomBytes, randomUUID } from 'node:crypto';
import { createLogger } from '@emporium/kit/logger.js';
import { closeRedis, connectRedis } from '@emporium/gateway/redis.js';
import { MemoryRevocations, RedisRevocations, type Revocations } from '@emporium/gateway/revocations.js';
import { TokenService } from '@emporium/gateway/tokens.js';

const CALLS = 20_000;
const log = createLogger('bench', 'silent');
const redis = await connectRedis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', log);
const secret = new TextEncoder().encode(randomBytes(32).toString('base64url'));
const none: Revocations = { revoke: () => Promise.resolve(), isRevoked: () => Promise.resolve(false) };
const lists = { 'no check': none, memory: new MemoryRevocations(930_000), redis: new RedisRevocations(redis, 930_000, log) };
// Some revoked sessions, so the look-ups are not into an empty set.
for (let i = 0; i < 1000; i++) for (const list of Object.values(lists)) await list.revoke(randomUUID());

/** µs per verification with `parallel` in flight at once (1: the latency one request sees). */
async function microsPerVerify(revocations: Revocations, parallel: number): Promise<number> {
  const tokens = new TokenService(secret, 900, revocations);
  const { token } = await tokens.issue(randomUUID(), 'CUSTOMER', randomUUID());
  const started = performance.now();
  const worker = async () => {
    for (let i = 0; i < CALLS / parallel; i++) await tokens.verify(token);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return ((performance.now() - started) * 1000) / CALLS;
}

for (let round = 1; round <= 3; round++) {
  for (const parallel of [1, 64]) {
    const results = [];
    for (const [name, list] of Object.entries(lists)) results.push(`${name} ${(await microsPerVerify(list, parallel)).toFixed(1)} µs`);
    process.stdout.write(`round ${round}, ${parallel} in flight: verify + check ${results.join(', ')}\n`);
  }
}
await closeRedis(redis);
