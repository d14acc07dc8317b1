import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { codes, graphql, signUp, type GraphQLResponse } from '@emporium/testkit/graphql.js';
import { useStack } from '@emporium/testkit/stack.js';
import { tcpRelay } from '@emporium/testkit/tcp-relay.js';
import { uniqueEmail } from '@emporium/testkit/unique.js';

/*
 * Rate limits and abuse budgets (README "Rate limits"): the general per-IP request budget, the
 * password-guessing budgets of signUp and logIn, one authentication mutation per operation, the
 * client IP behind trusted proxies only, and budgets shared by gateways on one Redis.
 * Each test starts its own gateway on the shared services (its own in-memory counters) or, with
 * Redis, its own key prefix, so no two tests spend one budget.
 */

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'correct horse battery';
const WRONG = 'wrong horse battery';
const LOG_IN = 'mutation($input: LogInInput!) { logIn(input: $input) { token } }';
const SIGN_UP = 'mutation($input: SignUpInput!) { signUp(input: $input) { token } }';
const AUTHENTICATE = 'AccountService.AuthenticateAccount';
const CREATE = 'AccountService.CreateAccount';
/** A successful signUp or logIn also opens a session (its refresh token). */
const SESSION = 'AccountService.CreateSession';

/** The budgets of the test stack (@emporium/testkit, out of the way), which each test lowers where it looks. */
const RELAXED = { RATE_LIMIT_REQUESTS: '1000000', AUTH_ATTEMPTS_PER_IP: '1000000', SIGNUPS_PER_IP: '1000000', AUTH_FAILURES_PER_EMAIL: '1000000' };

const stack = useStack({ timeoutMs: 60_000 });

async function gatewayWith(env: Record<string, string>): Promise<string> {
  return (await stack.startGateway({ ...RELAXED, ...env })).url;
}

const logIn = (url: string, email: string, password: string, headers: Record<string, string> = {}) =>
  graphql(url, LOG_IN, { variables: { input: { email, password } }, headers });

const signUpAt = (url: string, email: string, headers: Record<string, string> = {}) =>
  graphql(url, SIGN_UP, { variables: { input: { name: 'Grace Hopper', email, password: PASSWORD } }, headers });

/** `count` wrong passwords for email, each answered UNAUTHENTICATED by the account service itself. */
async function expectWrongGuesses(url: string, email: string, count: number): Promise<void> {
  for (let guess = 0; guess < count; guess++) {
    const wrong = await logIn(url, email, `${WRONG} ${guess}`);
    expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(wrong.calls).toEqual({ [AUTHENTICATE]: 1 });
  }
}

/** A refusal for a spent budget: 429, Retry-After, TOO_MANY_REQUESTS with the budget's reason, no data. */
function expectRefused(response: GraphQLResponse, reason: string, windowSeconds: number): void {
  expect(response.status).toBe(429);
  expect(codes(response)).toEqual(['TOO_MANY_REQUESTS']);
  const extensions = response.errors?.[0]?.extensions;
  expect(extensions?.reason).toBe(reason);
  const retryAfter = extensions?.retryAfter;
  expect(typeof retryAfter).toBe('number');
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(response.headers.get('retry-after')).toBe(String(retryAfter));
  expect(response.data ?? null).toBeNull();
}

/** Every budget variable emptied: the gateway's own defaults apply (an empty variable counts as unset). */
const DEFAULT_BUDGETS = Object.fromEntries(
  [
    'RATE_LIMIT_REQUESTS',
    'RATE_LIMIT_WINDOW_SECONDS',
    'AUTH_ATTEMPTS_PER_IP',
    'AUTH_ATTEMPTS_WINDOW_SECONDS',
    'SIGNUPS_PER_IP',
    'SIGNUPS_WINDOW_SECONDS',
    'AUTH_FAILURES_PER_EMAIL',
    'AUTH_FAILURES_WINDOW_SECONDS',
  ].map((name) => [name, '']),
);

/** The retryAfter of a refusal: how long the spent budget's window still runs. */
const retryAfterOf = (response: GraphQLResponse): unknown => response.errors?.[0]?.extensions?.retryAfter;

/*
 * The defaults the README documents (Rate limits, and "Start here"), as numbers: a gateway of its
 * own with no budget variable set, so loosening a default fails here.
 */
describe('the documented default budgets', () => {
  it('10 wrong passwords per e-mail address, then refused for the rest of 15 minutes', async () => {
    const url = await gatewayWith(DEFAULT_BUDGETS);
    const victim = await signUp(stack);
    await expectWrongGuesses(url, victim.email, 10);
    const refused = await logIn(url, victim.email, PASSWORD);
    expectRefused(refused, 'AUTH_FAILURES_PER_EMAIL', 15 * 60);
    expect(refused.calls).toEqual({});
    // A window of 15 minutes, not of one: far more than a minute is left of it.
    expect(retryAfterOf(refused)).toBeGreaterThan(60);
  });

  it('20 sign-up and log-in attempts per client address per minute', async () => {
    const url = await gatewayWith(DEFAULT_BUDGETS);
    for (let attempt = 0; attempt < 20; attempt++) expect(codes(await logIn(url, uniqueEmail(), WRONG))).toEqual(['UNAUTHENTICATED']);
    const refused = await logIn(url, uniqueEmail(), WRONG);
    expectRefused(refused, 'AUTH_ATTEMPTS_PER_IP', 60);
    expect(refused.calls).toEqual({});
  });

  it('10 sign-ups per client address per hour', async () => {
    const url = await gatewayWith(DEFAULT_BUDGETS);
    for (let signUps = 0; signUps < 10; signUps++) expect((await signUpAt(url, uniqueEmail())).calls).toEqual({ [CREATE]: 1, [SESSION]: 1 });
    const refused = await signUpAt(url, uniqueEmail());
    expectRefused(refused, 'SIGNUPS_PER_IP', 3600);
    expect(refused.calls).toEqual({});
    // A window of an hour: more than 15 minutes are left of it.
    expect(retryAfterOf(refused)).toBeGreaterThan(15 * 60);
  });

  it('600 requests per client address per minute', async () => {
    const url = await gatewayWith(DEFAULT_BUDGETS);
    let answered = 0;
    for (let batch = 0; batch < 6; batch++) {
      const answers = await Promise.all(Array.from({ length: 100 }, () => graphql(url, '{ __typename }')));
      answered += answers.filter((answer) => answer.status === 200).length;
    }
    expect(answered).toBe(600);
    const refused = await graphql(url, '{ __typename }');
    expectRefused(refused, 'REQUESTS_PER_IP', 60);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('600');
  });
});

describe('one authentication mutation per operation', () => {
  it('refuses 40 aliased logIns before any of them runs', async () => {
    const user = await signUp(stack);
    const fields = Array.from({ length: 40 }, (_, n) => `a${n}: logIn(input: $input) { token }`).join('\n');
    const response = await stack.request(`mutation($input: LogInInput!) { ${fields} }`, {
      variables: { input: { email: user.email, password: PASSWORD } },
    });
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions).toMatchObject({ reason: 'TOO_MANY_AUTH_MUTATIONS', count: 40, max: 1 });
    expect(response.calls).toEqual({});
  });

  it('counts signUp and logIn together, through fragments and inline fragments', async () => {
    const response = await stack.request(
      `mutation($in: LogInInput!, $up: SignUpInput!) { ...Both }
       fragment Both on Mutation { logIn(input: $in) { token } ... on Mutation { signUp(input: $up) { token } } }`,
      { variables: { in: { email: uniqueEmail(), password: PASSWORD }, up: { name: 'X', email: uniqueEmail(), password: PASSWORD } } },
    );
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_AUTH_MUTATIONS', count: 2 });
    expect(response.calls).toEqual({});
  });

  it('lets one logIn through even when a fragment repeats it (graphql runs it once)', async () => {
    const user = await signUp(stack);
    const response = await stack.request(
      `mutation($input: LogInInput!) { ...L ...L logIn(input: $input) { token } }
       fragment L on Mutation { logIn(input: $input) { token } }`,
      { variables: { input: { email: user.email, password: PASSWORD } } },
    );
    expect(response.errors).toBeUndefined();
    expect(response.calls).toEqual({ [AUTHENTICATE]: 1, [SESSION]: 1 });
  });
});

describe('password guessing', () => {
  it('refuses logIn for an e-mail after its budget of wrong passwords, before asking the account service', async () => {
    const url = await gatewayWith({ AUTH_FAILURES_PER_EMAIL: '3', AUTH_FAILURES_WINDOW_SECONDS: '900' });
    const victim = await signUp(stack);
    await expectWrongGuesses(url, victim.email, 3);
    // Even the right password: the budget is the e-mail's, whoever guesses.
    const refused = await logIn(url, victim.email, PASSWORD);
    expectRefused(refused, 'AUTH_FAILURES_PER_EMAIL', 900);
    expect(refused.calls).toEqual({});
    // Another spelling of the same address is the same budget.
    const respelled = await logIn(url, `  ${victim.email.toUpperCase()} `, `${WRONG} x`);
    expectRefused(respelled, 'AUTH_FAILURES_PER_EMAIL', 900);
    expect(respelled.calls).toEqual({});
    // Another account from the same client is not affected.
    const other = await signUp(stack);
    expect((await logIn(url, other.email, PASSWORD)).errors).toBeUndefined();
  });

  it('counts every spelling the account service takes for one address against one budget (ß and SS)', async () => {
    const url = await gatewayWith({ AUTH_FAILURES_PER_EMAIL: '3' });
    const local = `straße.${randomUUID()}`;
    const email = `${local}@example.de`;
    expect((await signUpAt(url, email)).errors).toBeUndefined();
    // Full case folding makes ß "ss": the account service takes STRASSE.… as the same account.
    const shouted = `${local.toUpperCase()}@EXAMPLE.DE`;
    expect(shouted.startsWith('STRASSE.')).toBe(true);
    expect((await logIn(url, shouted, PASSWORD)).errors).toBeUndefined();

    for (const spelling of [email, shouted, email]) {
      const wrong = await logIn(url, spelling, WRONG);
      expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);
      expect(wrong.calls).toEqual({ [AUTHENTICATE]: 1 });
    }
    for (const spelling of [shouted, email]) {
      const refused = await logIn(url, spelling, `${WRONG} again`);
      expectRefused(refused, 'AUTH_FAILURES_PER_EMAIL', 900);
      expect(refused.calls).toEqual({});
    }
  });

  it('does not count successful logIns against the e-mail', async () => {
    const url = await gatewayWith({ AUTH_FAILURES_PER_EMAIL: '2' });
    const user = await signUp(stack);
    for (let attempt = 0; attempt < 5; attempt++) expect((await logIn(url, user.email, PASSWORD)).errors).toBeUndefined();
    expect(codes(await logIn(url, user.email, WRONG))).toEqual(['UNAUTHENTICATED']);
  });

  it('lets no more concurrent wrong guesses through than the budget', async () => {
    const url = await gatewayWith({ AUTH_FAILURES_PER_EMAIL: '3' });
    const victim = await signUp(stack);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, n) => logIn(url, victim.email, `${WRONG} ${n}`)));
    const asked = answers.filter((answer) => answer.calls[AUTHENTICATE] === 1);
    expect(asked).toHaveLength(3);
    expect(asked.flatMap(codes)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);
    expect(answers.flatMap(codes).filter((code) => code === 'TOO_MANY_REQUESTS')).toHaveLength(9);
  });

  it('counts signUps of a taken e-mail against it', async () => {
    const url = await gatewayWith({ AUTH_FAILURES_PER_EMAIL: '2' });
    const user = await signUp(stack);
    expect(codes(await signUpAt(url, user.email))).toEqual(['CONFLICT']);
    expect(codes(await signUpAt(url, user.email))).toEqual(['CONFLICT']);
    const refused = await signUpAt(url, user.email);
    expectRefused(refused, 'AUTH_FAILURES_PER_EMAIL', 900);
    expect(refused.calls).toEqual({});
  });

  it('limits logIn and signUp attempts per client IP, whatever the e-mail', async () => {
    const url = await gatewayWith({ AUTH_ATTEMPTS_PER_IP: '4', AUTH_ATTEMPTS_WINDOW_SECONDS: '60' });
    expect(codes(await logIn(url, uniqueEmail(), WRONG))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await logIn(url, uniqueEmail(), WRONG))).toEqual(['UNAUTHENTICATED']);
    expect((await signUpAt(url, uniqueEmail())).errors).toBeUndefined();
    expect(codes(await logIn(url, uniqueEmail(), WRONG))).toEqual(['UNAUTHENTICATED']);
    const refused = await logIn(url, uniqueEmail(), WRONG);
    expectRefused(refused, 'AUTH_ATTEMPTS_PER_IP', 60);
    expect(refused.calls).toEqual({});
    expectRefused(await signUpAt(url, uniqueEmail()), 'AUTH_ATTEMPTS_PER_IP', 60);
  });

  it('limits sign-ups per client IP', async () => {
    const url = await gatewayWith({ SIGNUPS_PER_IP: '2', SIGNUPS_WINDOW_SECONDS: '3600' });
    expect((await signUpAt(url, uniqueEmail())).calls).toEqual({ [CREATE]: 1, [SESSION]: 1 });
    expect((await signUpAt(url, uniqueEmail())).calls).toEqual({ [CREATE]: 1, [SESSION]: 1 });
    const refused = await signUpAt(url, uniqueEmail());
    expectRefused(refused, 'SIGNUPS_PER_IP', 3600);
    expect(refused.calls).toEqual({});
    // Logging in is still possible from there.
    expect(codes(await logIn(url, uniqueEmail(), WRONG))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('request budget per client IP', () => {
  it('answers a spent budget with a GraphQL error, 429 and Retry-After; health endpoints are exempt', async () => {
    const url = await gatewayWith({ RATE_LIMIT_REQUESTS: '3', RATE_LIMIT_WINDOW_SECONDS: '60' });
    for (let n = 0; n < 2; n++) expect((await graphql(url, '{ __typename }')).data).toEqual({ __typename: 'Query' });
    // GET spends the same budget.
    expect((await fetch(`${url}/graphql?query=${encodeURIComponent('{ __typename }')}`)).status).toBe(200);
    const refused = await graphql(url, '{ __typename }');
    expectRefused(refused, 'REQUESTS_PER_IP', 60);
    expect(refused.calls).toEqual({});
    for (let n = 0; n < 5; n++) expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });
});

describe('client IP behind a proxy', () => {
  it('ignores X-Forwarded-For without TRUSTED_PROXIES', async () => {
    const url = await gatewayWith({ RATE_LIMIT_REQUESTS: '2' });
    const from = (ip: string) => graphql(url, '{ __typename }', { headers: { 'x-forwarded-for': ip } });
    expect((await from('203.0.113.1')).status).toBe(200);
    expect((await from('203.0.113.2')).status).toBe(200);
    expectRefused(await from('203.0.113.3'), 'REQUESTS_PER_IP', 60);
  });

  it('believes X-Forwarded-For only from a trusted proxy, and only up to the first untrusted hop', async () => {
    const url = await gatewayWith({ RATE_LIMIT_REQUESTS: '2', TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1' });
    const from = (forwarded: string) => graphql(url, '{ __typename }', { headers: { 'x-forwarded-for': forwarded } });
    expect((await from('203.0.113.1')).status).toBe(200);
    expect((await from('203.0.113.1')).status).toBe(200);
    expectRefused(await from('203.0.113.1'), 'REQUESTS_PER_IP', 60);
    // Another client behind the same proxy has its own budget.
    expect((await from('203.0.113.2')).status).toBe(200);
    // A client cannot pick its address by prepending one: the hop the proxy saw (203.0.113.1) counts.
    expectRefused(await from('198.51.100.7, 203.0.113.1'), 'REQUESTS_PER_IP', 60);
    // Through a chain of trusted proxies (10.1.2.3 is one), the first untrusted hop counts.
    expectRefused(await from('203.0.113.1, 10.1.2.3'), 'REQUESTS_PER_IP', 60);
    // The password-guessing budgets count the same client address.
    const guesses = await gatewayWith({ AUTH_ATTEMPTS_PER_IP: '1', TRUSTED_PROXIES: '127.0.0.1' });
    const guess = (ip: string) => logIn(guesses, uniqueEmail(), WRONG, { 'x-forwarded-for': ip });
    expect(codes(await guess('203.0.113.1'))).toEqual(['UNAUTHENTICATED']);
    expectRefused(await guess('203.0.113.1'), 'AUTH_ATTEMPTS_PER_IP', 60);
    expect(codes(await guess('203.0.113.2'))).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a TRUSTED_PROXIES entry that is not an address or a CIDR', async () => {
    await expect(stack.startGateway({ TRUSTED_PROXIES: '10.0.0.0/8, proxy.example.com' })).rejects.toThrow(/TRUSTED_PROXIES: .*proxy\.example\.com/);
    await expect(stack.startGateway({ TRUSTED_PROXIES: '10.0.0.0/33' })).rejects.toThrow(/TRUSTED_PROXIES/);
  });
});

describe('budgets in Redis', () => {
  /** A key prefix of this test's own: parallel tests on one Redis never share a counter. */
  const prefix = () => `emporium-test:${randomUUID()}:`;

  async function keysUnder(keyPrefix: string): Promise<string[]> {
    const redis = new Redis(REDIS_URL, { lazyConnect: true });
    try {
      await redis.connect();
      return await redis.keys(`${keyPrefix}*`);
    } finally {
      redis.disconnect();
    }
  }

  it('is one budget for every gateway on the same Redis, and keeps no e-mail address in a key', async () => {
    const keyPrefix = prefix();
    const env = { REDIS_URL, RATE_LIMIT_KEY_PREFIX: keyPrefix, AUTH_FAILURES_PER_EMAIL: '3' };
    const [first, second] = [await gatewayWith(env), await gatewayWith(env)];
    const victim = await signUp(stack);
    expect(codes(await logIn(first, victim.email, WRONG))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await logIn(second, victim.email, WRONG))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await logIn(first, victim.email, WRONG))).toEqual(['UNAUTHENTICATED']);
    expectRefused(await logIn(second, victim.email, WRONG), 'AUTH_FAILURES_PER_EMAIL', 900);
    expectRefused(await logIn(first, victim.email, PASSWORD), 'AUTH_FAILURES_PER_EMAIL', 900);

    const keys = await keysUnder(keyPrefix);
    expect(keys.some((key) => key.startsWith(`${keyPrefix}auth_failures_per_email`))).toBe(true);
    const local = victim.email.split('@')[0] ?? victim.email;
    for (const key of keys) expect(key.toLowerCase()).not.toContain(local.toLowerCase());
  });

  it('shares the request budget between gateways', async () => {
    const env = { REDIS_URL, RATE_LIMIT_KEY_PREFIX: prefix(), RATE_LIMIT_REQUESTS: '4' };
    const [first, second] = [await gatewayWith(env), await gatewayWith(env)];
    for (const url of [first, second, first, second]) expect((await graphql(url, '{ __typename }')).status).toBe(200);
    expectRefused(await graphql(first, '{ __typename }'), 'REQUESTS_PER_IP', 60);
    expectRefused(await graphql(second, '{ __typename }'), 'REQUESTS_PER_IP', 60);
  });

  it('when Redis goes away: requests are let through, password guessing is still counted (per gateway)', async () => {
    // A relay in front of the real Redis, closed mid-test to take Redis away from the gateway.
    const proxy = await tcpRelay(REDIS_URL, 6379);
    try {
      const url = await gatewayWith({
        REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
        RATE_LIMIT_KEY_PREFIX: prefix(),
        RATE_LIMIT_REQUESTS: '3',
        AUTH_FAILURES_PER_EMAIL: '2',
      });
      const victim = await signUp(stack);
      expect((await graphql(url, '{ __typename }')).status).toBe(200);
      await proxy.close();

      expect(codes(await logIn(url, victim.email, WRONG))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await logIn(url, victim.email, WRONG))).toEqual(['UNAUTHENTICATED']);
      const refused = await logIn(url, victim.email, WRONG);
      expectRefused(refused, 'AUTH_FAILURES_PER_EMAIL', 900);
      expect(refused.calls).toEqual({});
      // Seven requests past a budget of three: the request budget fails open.
      for (let n = 0; n < 3; n++) expect((await graphql(url, '{ __typename }')).status).toBe(200);
    } finally {
      await proxy.close();
    }
  });
});
