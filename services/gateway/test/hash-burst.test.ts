import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ADMIN, at, codes, type GraphQLResponse } from '@emporium/testkit/graphql.js';
import { useStack } from '@emporium/testkit/stack.js';
import { uniqueEmail } from '@emporium/testkit/unique.js';

/*
 * A burst of sign-ups against password-hashing admission control in the account service: one hash
 * at a time, two sign-ups waiting, and a hash costly enough (scrypt N = 2^16) that the whole burst
 * reaches the account service while the first hash runs. Before admission control, every sign-up
 * queued for a hash and the later ones outlived the gateway's deadline (UNAVAILABLE).
 */

const BURST = 30;
const stack = useStack({
  // The count alone bounds the queue here (no wait bound), so what is admitted does not depend on
  // how fast this machine hashes today.
  account: { SCRYPT_LOG_N: '16', HASH_CONCURRENCY: '1', HASH_QUEUE_MAX: '2', HASH_MAX_WAIT_MS: '60000' },
});

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`;
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { token } }`;

const signUp = () =>
  stack.request(SIGN_UP, { variables: { input: { name: 'Burst', email: uniqueEmail('burst'), password: 'correct horse battery' } } });

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(2);
}

describe('a burst of sign-ups', () => {
  it('answers each one a success or TOO_MANY_REQUESTS with Retry-After, never UNAVAILABLE or INTERNAL; a log-in during it succeeds', async () => {
    const before = stack.account.hashing();
    const burst = Promise.all(Array.from({ length: BURST }, signUp));
    // Log in while the burst is being refused: log-ins have their own place ahead of sign-ups.
    await until(() => stack.account.hashing().refused > before.refused);
    const logIn = await stack.request(LOG_IN, { variables: { input: ADMIN } });
    const answers = await burst;

    expect(logIn.errors).toBeUndefined();
    expect(at(logIn.data, 'logIn', 'token')).toEqual(expect.any(String));

    const succeeded = answers.filter((a) => a.errors === undefined);
    const refused = answers.filter((a) => a.errors !== undefined);
    for (const answer of succeeded) expect(at(answer.data, 'signUp', 'token')).toEqual(expect.any(String));
    for (const answer of refused) expectRefusal(answer);
    expect(succeeded.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeGreaterThanOrEqual(1);

    // Refusals cost no hash: one hash per sign-up that succeeded, and the log-in's.
    const after = stack.account.hashing();
    expect(after.started - before.started).toBe(succeeded.length + 1);
    expect(after.refused - before.refused).toBe(refused.length);
    expect(after).toMatchObject({ running: 0, queued: 0 });
  });
});

function expectRefusal(answer: GraphQLResponse): void {
  expect(codes(answer)).toEqual(['TOO_MANY_REQUESTS']);
  expect(answer.status).toBe(429);
  const retryAfter = answer.errors?.[0]?.extensions.retryAfter;
  expect(retryAfter).toEqual(expect.any(Number));
  expect(Number(answer.headers.get('retry-after'))).toBe(retryAfter);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
}
