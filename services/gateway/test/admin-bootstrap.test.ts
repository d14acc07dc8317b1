import { describe, expect, it } from 'vitest';
import { at } from '@emporium/testkit/graphql.js';
import { useStack } from '@emporium/testkit/stack.js';
import { uniqueEmail } from '@emporium/testkit/unique.js';

/*
 * The administrator bootstrap on a slow account service: each password hash here takes far longer
 * than a gateway's per-call backend deadline, as on a loaded machine or a small container. The
 * gateway must still create (or check) its administrator and start, not crash-loop on
 * DEADLINE_EXCEEDED.
 */

// 2^16 makes one hash take on the order of 100 ms, against a backend deadline of 20 ms below.
const stack = useStack({ account: { SCRYPT_LOG_N: '16' } });

const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { account { role } } }`;

describe('the administrator bootstrap on a slow account service', () => {
  it('creates the administrator, then checks it on the next start, although each hash outlasts BACKEND_DEADLINE_MS', async () => {
    const admin = { ADMIN_EMAIL: uniqueEmail('boss'), ADMIN_PASSWORD: 'a patient administrator', BACKEND_DEADLINE_MS: '20' };
    const first = await stack.startGateway(admin);
    await first.stop();
    // The second start finds the account and checks its password (another slow hash).
    const second = await stack.startGateway(admin);
    await second.stop();
    const response = await stack.request(LOG_IN, { variables: { input: { email: admin.ADMIN_EMAIL, password: admin.ADMIN_PASSWORD } } });
    expect(response.errors).toBeUndefined();
    expect(at(response.data, 'logIn', 'account', 'role')).toBe('ADMIN');
  });
});
