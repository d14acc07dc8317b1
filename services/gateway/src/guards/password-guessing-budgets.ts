import { createHash } from 'node:crypto';
import type { GraphQLResolveInfo } from 'graphql';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { emailKey as accountEmailKey } from '@emporium/account/client.js';
import { DomainError } from '@emporium/kit/errors.js';
import type { Logger } from '@emporium/kit/logger.js';
import type { Redis } from '../backends/redis.js';
import type { GatewayConfig } from '../config.js';
import { tooManyRequests } from '../http/error-codes.js';
import { ipKey } from './client-ip.js';

/*
 * Password-guessing budgets for signUp and logIn, checked before the account service is asked,
 * so a refused attempt costs no password hash:
 *   - attempts (logIn and signUp) per client IP;
 *   - signUp attempts per client IP;
 *   - refused attempts per e-mail address: a wrong password on logIn, a taken e-mail on signUp.
 * Counters live in Redis when the gateway has one (every replica spends the same budget), else
 * in this process. When Redis cannot be reached, each replica falls back to counting in its own
 * memory (rate-limiter-flexible's insurance limiter): the budgets hold per replica instead of
 * across them, and logging in keeps working. Refusing every logIn during a Redis outage would
 * turn it into an outage of the shop; letting every guess through would turn it into unlimited
 * guessing.
 */

export type AuthMutation = 'signUp' | 'logIn';

type BudgetName = 'AUTH_ATTEMPTS_PER_IP' | 'SIGNUPS_PER_IP' | 'AUTH_FAILURES_PER_EMAIL';

interface Budget {
  readonly name: BudgetName;
  readonly limiter: RateLimiterAbstract;
  /** What the client is told when it is spent. */
  readonly refusal: string;
}

/** What an admitted attempt must report once the account service has answered. */
export interface AuthAttempt {
  /** The answer: undefined for success, else the error the account service answered with. */
  settle(error: unknown): Promise<void>;
}

/**
 * The key an e-mail address is counted under: the account service's own key for it (every spelling
 * that reaches one account — spaces, accents composed or not, case folded fully, so ß and SS are
 * one — spends one budget), hashed, so Redis never holds an address.
 */
export function emailBudgetKey(email: string): string {
  return createHash('sha256').update(`emporium-auth-email\0${accountEmailKey(email)}`).digest('base64url');
}

/** The answer that shows the e-mail itself was refused, which is what a guesser spends. */
function refusesEmail(error: unknown): boolean {
  return error instanceof DomainError && (error.kind === 'UNAUTHENTICATED' || error.kind === 'ALREADY_EXISTS');
}

export class AuthBudgets {
  private readonly attemptsPerIp: Budget;
  private readonly signUpsPerIp: Budget;
  private readonly failuresPerEmail: Budget;

  constructor(config: GatewayConfig, redis: Redis | undefined) {
    const limiter = (name: BudgetName, points: number, windowSeconds: number): RateLimiterAbstract => {
      const options = { keyPrefix: `${config.RATE_LIMIT_KEY_PREFIX}${name.toLowerCase()}`, points, duration: windowSeconds };
      if (redis === undefined) return new RateLimiterMemory(options);
      return new RateLimiterRedis({
        ...options,
        storeClient: redis,
        // Straight to the in-memory insurance while the connection is down, not after a timeout.
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(options),
      });
    };
    this.attemptsPerIp = {
      name: 'AUTH_ATTEMPTS_PER_IP',
      limiter: limiter('AUTH_ATTEMPTS_PER_IP', config.AUTH_ATTEMPTS_PER_IP, config.AUTH_ATTEMPTS_WINDOW_SECONDS),
      refusal: 'too many sign-up and log-in attempts from this address',
    };
    this.signUpsPerIp = {
      name: 'SIGNUPS_PER_IP',
      limiter: limiter('SIGNUPS_PER_IP', config.SIGNUPS_PER_IP, config.SIGNUPS_WINDOW_SECONDS),
      refusal: 'too many sign-ups from this address',
    };
    this.failuresPerEmail = {
      name: 'AUTH_FAILURES_PER_EMAIL',
      limiter: limiter('AUTH_FAILURES_PER_EMAIL', config.AUTH_FAILURES_PER_EMAIL, config.AUTH_FAILURES_WINDOW_SECONDS),
      refusal: 'too many failed attempts for this e-mail address',
    };
  }

  /**
   * Spends one attempt of each budget that applies, or throws TOO_MANY_REQUESTS. The e-mail's
   * point is taken now (so concurrent guesses cannot all pass a check made before any of them
   * failed) and given back by settle() unless the account service refused the e-mail.
   */
  async admit(mutation: AuthMutation, email: string, ip: string): Promise<AuthAttempt> {
    const client = ipKey(ip);
    await spend(this.attemptsPerIp, client);
    if (mutation === 'signUp') await spend(this.signUpsPerIp, client);
    const address = emailBudgetKey(email);
    await spend(this.failuresPerEmail, address);
    const { limiter } = this.failuresPerEmail;
    return {
      settle: async (error) => {
        if (!refusesEmail(error)) await limiter.reward(address, 1);
      },
    };
  }
}

async function spend(budget: Budget, key: string): Promise<void> {
  try {
    await budget.limiter.consume(key, 1);
  } catch (rejection) {
    // A spent budget rejects with its state; anything else is the store failing (with Redis,
    // after the in-memory insurance failed too), which must not be answered as the client's fault.
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    const retryAfterMs = rejection.msBeforeNext;
    throw tooManyRequests(`${budget.refusal}; retry in ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs, { reason: budget.name });
  }
}

/** What withAuthBudget needs of a request's context (resolvers/context.ts holds the budgets: no import back). */
interface BudgetedContext {
  readonly authBudgets: AuthBudgets;
  readonly clientIp: string;
  readonly log: Logger;
}

/**
 * Wraps signUp or logIn in its budgets (resolvers/resolver-map.ts): the budgets are spent before the
 * resolver asks the account service, and the answer is reported back.
 */
export function withAuthBudget<Parent, Args extends { readonly input: { readonly email: string } }, Context extends BudgetedContext, Result>(
  mutation: AuthMutation,
  resolve: (parent: Parent, args: Args, context: Context, info: GraphQLResolveInfo) => Result,
): (parent: Parent, args: Args, context: Context, info: GraphQLResolveInfo) => Promise<Awaited<Result>> {
  return async (parent, args, context, info): Promise<Awaited<Result>> => {
    const attempt = await context.authBudgets.admit(mutation, args.input.email, context.clientIp);
    // Giving a point back is bookkeeping: its failure is logged, and the answer stands.
    const settle = (answer: unknown) =>
      attempt.settle(answer).catch((error: unknown) => context.log.warn({ err: error, mutation }, 'auth budget not settled'));
    let result: Awaited<Result>;
    try {
      result = await resolve(parent, args, context, info);
    } catch (error) {
      await settle(error);
      throw error;
    }
    await settle(undefined);
    return result;
  };
}
