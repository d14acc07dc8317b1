import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Redis } from '../backends/redis.js';
import type { GatewayConfig } from '../config.js';
import { tooManyRequests } from '../http/error-codes.js';

/*
 * The general request budget: every /graphql request (GET or POST, whatever it asks) spends one
 * of its client IP's RATE_LIMIT_REQUESTS per RATE_LIMIT_WINDOW_SECONDS, before the token is
 * checked or the document parsed. Health endpoints and GraphiQL are outside the GraphQL scope it
 * is registered in, so they are exempt: a probe is never refused. In Redis when the gateway has
 * one (every replica spends one budget), else in this process. When Redis cannot be answered the
 * request is let through (fail open): this budget protects capacity, and refusing everything while
 * Redis is away would be the outage it is there to prevent. The password-guessing budgets
 * (password-guessing-budgets.ts) do not fail open.
 */

/** Registers the budget on `api`, the scope that holds the GraphQL routes (before them). */
export async function registerRequestBudget(api: FastifyInstance, config: GatewayConfig, redis: Redis | undefined): Promise<void> {
  await api.register(rateLimit, {
    max: config.RATE_LIMIT_REQUESTS,
    timeWindow: config.RATE_LIMIT_WINDOW_SECONDS * 1000,
    ...(redis === undefined ? {} : { redis, nameSpace: `${config.RATE_LIMIT_KEY_PREFIX}requests_per_ip:` }),
    skipOnError: true,
    // In memory: addresses kept per window (least recently seen dropped first; the default is 5,000).
    cache: 100_000,
    // Thrown into the GraphQL scope's error handler, which answers it like every other error:
    // { errors: [{ message, extensions: { code: TOO_MANY_REQUESTS, retryAfter } }] }, 429, Retry-After.
    errorResponseBuilder: (_request, context) =>
      tooManyRequests(`too many requests from this address; retry in ${context.after}`, context.ttl, { reason: 'REQUESTS_PER_IP' }),
  });
}
