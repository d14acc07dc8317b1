import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, at, codes, graphql, logInAdmin, signUp } from '@emporium/testkit/graphql.js';
import { useStack } from '@emporium/testkit/stack.js';
import { uniqueEmail } from '@emporium/testkit/unique.js';

/*
 * Accounts, tokens and the rules about who may see which account, through HTTP against the real
 * services on PostgreSQL.
 */

const stack = useStack();
let admin: string;

beforeAll(async () => {
  admin = await logInAdmin(stack);
});

const SIGN_UP = `mutation($input: SignUpInput!) {
  signUp(input: $input) { token expiresAt account { id name email role createdAt } }
}`;
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { token account { id role } } }`;
const ACCOUNT = `query($id: ID!) { account(id: $id) { id name email role } }`;

describe('signUp and logIn', () => {
  it('signs up a CUSTOMER and returns a token that expires after ACCESS_TOKEN_TTL_SECONDS', async () => {
    const email = uniqueEmail('Grace');
    const before = Date.now();
    const response = await stack.request(SIGN_UP, { variables: { input: { name: ' Grace Hopper ', email, password: 'correct horse battery' } } });
    expect(response.errors).toBeUndefined();
    expect(at(response.data, 'signUp', 'account')).toMatchObject({ name: 'Grace Hopper', email, role: 'CUSTOMER' });
    expect(at(response.data, 'signUp', 'account', 'createdAt')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const expiresAt = Date.parse(String(at(response.data, 'signUp', 'expiresAt')));
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 900_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 900_000);
    expect(String(at(response.data, 'signUp', 'token')).split('.')).toHaveLength(3);
    expect(response.calls).toEqual({ 'AccountService.CreateAccount': 1, 'AccountService.CreateSession': 1 });
  });

  it('cannot sign up an administrator: SignUpInput has no role', async () => {
    const response = await stack.request(SIGN_UP, {
      variables: { input: { name: 'Mallory', email: uniqueEmail(), password: 'correct horse battery', role: 'ADMIN' } },
    });
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.message).toContain('role');
  });

  it.each([
    ['input.email', { email: 'not an email' }, 'email'],
    ['input.password', { password: 'short' }, 'at least 8'],
    ['input.name', { name: '   ' }, 'required'],
  ])('answers BAD_USER_INPUT naming %s', async (field, override, text) => {
    const input = { name: 'Ada', email: uniqueEmail(), password: 'correct horse battery', ...override };
    const response = await stack.request(SIGN_UP, { variables: { input } });
    expect(response.data).toBeNull();
    expect(response.errors).toEqual([
      expect.objectContaining({ path: ['signUp'], extensions: { code: 'BAD_USER_INPUT', field } }),
    ]);
    expect(response.errors?.[0]?.message).toMatch(new RegExp(`^${field.replace('.', '\\.')}: .*${text}`));
  });

  it('answers CONFLICT for an email that is taken, in any case', async () => {
    const email = uniqueEmail('Taken');
    await stack.request(SIGN_UP, { variables: { input: { name: 'First', email, password: 'correct horse battery' } } });
    const response = await stack.request(SIGN_UP, {
      variables: { input: { name: 'Second', email: email.toUpperCase(), password: 'correct horse battery' } },
    });
    expect(codes(response)).toEqual(['CONFLICT']);
  });

  it('logs in with the right password; a wrong password and an unknown email are the same UNAUTHENTICATED', async () => {
    const user = await signUp(stack);
    const ok = await stack.request(LOG_IN, { variables: { input: { email: user.email, password: 'correct horse battery' } } });
    expect(at(ok.data, 'logIn', 'account')).toEqual({ id: user.id, role: 'CUSTOMER' });
    const wrong = await stack.request(LOG_IN, { variables: { input: { email: user.email, password: 'wrong horse battery' } } });
    const unknown = await stack.request(LOG_IN, { variables: { input: { email: uniqueEmail(), password: 'wrong horse battery' } } });
    expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(codes(unknown)).toEqual(['UNAUTHENTICATED']);
    expect(wrong.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
  });
});

describe('tokens', () => {
  const VIEWER = '{ viewer { id role } }';

  it('viewer is null without a token and the account with one', async () => {
    const anonymous = await stack.request(VIEWER);
    expect(anonymous).toMatchObject({ status: 200, data: { viewer: null }, errors: undefined, calls: {} });
    const user = await signUp(stack);
    const signedIn = await stack.request(VIEWER, { token: user.token });
    expect(signedIn.data).toEqual({ viewer: { id: user.id, role: 'CUSTOMER' } });
  });

  async function secret(): Promise<Uint8Array> {
    return new TextEncoder().encode((await readFile(join(stack.dataDir, 'jwt-secret'), 'utf8')).trim());
  }

  async function forge(claims: Record<string, unknown>, key: Uint8Array, expiresAt: number) {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('emporium-gateway')
      .setAudience('emporium')
      .setIssuedAt(expiresAt - 600)
      .setExpirationTime(expiresAt)
      .sign(key);
  }

  it('refuses a bad token with HTTP 401, UNAUTHENTICATED and WWW-Authenticate, whatever the query', async () => {
    const user = await signUp(stack);
    const now = Math.floor(Date.now() / 1000);
    const key = await secret();
    const tampered = user.token.replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ sub: user.id, role: 'ADMIN' })).toString('base64url')}.`);
    const cases: Record<string, Record<string, string>> = {
      'not Bearer': { authorization: `Token ${user.token}` },
      garbage: { authorization: 'Bearer not-a-token' },
      tampered: { authorization: `Bearer ${tampered}` },
      'another key': { authorization: `Bearer ${await forge({ sub: user.id, role: 'ADMIN' }, new Uint8Array(32).fill(7), now + 600)}` },
      expired: { authorization: `Bearer ${await forge({ sub: user.id, sid: user.id, role: 'CUSTOMER' }, key, now - 60)}` },
      'no role': { authorization: `Bearer ${await forge({ sub: user.id }, key, now + 600)}` },
    };
    for (const [name, headers] of Object.entries(cases)) {
      const response = await graphql(stack.url, '{ products { totalCount } }', { headers });
      expect({ name, status: response.status, codes: codes(response) }).toEqual({ name, status: 401, codes: ['UNAUTHENTICATED'] });
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect(response.calls).toEqual({});
    }
    const expired = await graphql(stack.url, VIEWER, { headers: cases.expired ?? {} });
    expect(expired.errors?.[0]?.message).toContain('expired');
  });

  it('keeps the generated secret in the data directory, readable by its owner only, across restarts', async () => {
    const file = join(stack.dataDir, 'jwt-secret');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const user = await signUp(stack);
    const second = await stack.startGateway();
    try {
      const response = await graphql(second.url, VIEWER, { token: user.token });
      expect(at(response.data, 'viewer', 'id')).toBe(user.id);
    } finally {
      await second.stop();
    }
  });

  it('uses JWT_SECRET when it is set, and then refuses tokens signed with the generated one', async () => {
    const user = await signUp(stack);
    const other = await stack.startGateway({ JWT_SECRET: randomBytes(32).toString('base64url') });
    try {
      expect((await graphql(other.url, VIEWER, { token: user.token })).status).toBe(401);
    } finally {
      await other.stop();
    }
  });
});

describe('the administrator bootstrap', () => {
  const ADMINS = '{ accounts(first: 100) { nodes { email role } } }';

  it('creates ADMIN_EMAIL as an ADMIN, once, however many gateways start', async () => {
    const again = await stack.startGateway();
    const wrongPassword = await stack.startGateway({ ADMIN_PASSWORD: 'another long passphrase' });
    await Promise.all([again.stop(), wrongPassword.stop()]);
    const response = await stack.request(ADMINS, { token: admin });
    const nodes = at(response.data, 'accounts', 'nodes');
    expect(Array.isArray(nodes) && nodes.filter((n) => at(n, 'email') === ADMIN.email)).toEqual([{ email: ADMIN.email, role: 'ADMIN' }]);
  });

  it('never makes an existing customer an administrator, whether the password matches or not', async () => {
    const carol = await signUp(stack, 'Carol');
    const samePassword = await stack.startGateway({ ADMIN_EMAIL: carol.email, ADMIN_PASSWORD: 'correct horse battery' });
    const otherPassword = await stack.startGateway({ ADMIN_EMAIL: carol.email, ADMIN_PASSWORD: 'another long passphrase' });
    await Promise.all([samePassword.stop(), otherPassword.stop()]);
    const response = await stack.request(ACCOUNT, { token: admin, variables: { id: carol.id } });
    expect(at(response.data, 'account', 'role')).toBe('CUSTOMER');
  });
});

describe('who may read which account', () => {
  it('a customer reads their own account; another one is NOT_FOUND, exactly like an id that does not exist', async () => {
    const [alice, bob] = await Promise.all([signUp(stack, 'Alice'), signUp(stack, 'Bob')]);
    const own = await stack.request(ACCOUNT, { token: alice.token, variables: { id: alice.id } });
    expect(own.data).toEqual({ account: { id: alice.id, name: 'Alice', email: alice.email, role: 'CUSTOMER' } });

    const missing = '01a20d59-0000-7000-8000-000000000000';
    const others = await stack.request(ACCOUNT, { token: alice.token, variables: { id: bob.id } });
    const nobody = await stack.request(ACCOUNT, { token: alice.token, variables: { id: missing } });
    expect(others.data).toEqual({ account: null });
    expect(others.errors).toEqual([expect.objectContaining({ path: ['account'], extensions: { code: 'NOT_FOUND', field: 'id' } })]);
    expect(others.errors?.[0]?.message).toBe(`id: no account has id ${bob.id}`);
    expect(nobody.errors?.[0]?.message).toBe(`id: no account has id ${missing}`);
    // Nothing about Bob was even fetched.
    expect(others.calls).toEqual({});

    const asAdmin = await stack.request(ACCOUNT, { token: admin, variables: { id: missing } });
    expect(codes(asAdmin)).toEqual(['NOT_FOUND']);
    expect(asAdmin.errors?.[0]?.message).toBe(nobody.errors?.[0]?.message);
  });

  it('an administrator reads any account', async () => {
    const bob = await signUp(stack, 'Bob');
    const response = await stack.request(ACCOUNT, { token: admin, variables: { id: bob.id } });
    expect(at(response.data, 'account', 'name')).toBe('Bob');
  });

  it('without a token, account(id) is UNAUTHENTICATED; a malformed id is BAD_USER_INPUT for everyone', async () => {
    const bob = await signUp(stack, 'Bob');
    expect(codes(await stack.request(ACCOUNT, { variables: { id: bob.id } }))).toEqual(['UNAUTHENTICATED']);
    for (const token of [bob.token, admin]) {
      const response = await stack.request(ACCOUNT, { token, variables: { id: 'nope' } });
      expect(response.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'id' } })]);
    }
  });

  it('accounts is for administrators: FORBIDDEN for a customer, UNAUTHENTICATED for nobody', async () => {
    const user = await signUp(stack);
    const customer = await stack.request('{ accounts { totalCount } }', { token: user.token });
    expect(customer.errors).toEqual([expect.objectContaining({ extensions: { code: 'FORBIDDEN' } })]);
    expect(customer.calls).toEqual({});
    expect(codes(await stack.request('{ accounts { totalCount } }'))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('the accounts connection', () => {
  const PAGE = `query($first: Int, $after: String) {
    accounts(first: $first, after: $after) {
      totalCount
      edges { cursor node { id } }
      nodes { id }
      pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
    }
  }`;

  const node = z.object({ id: z.string() });
  const pageShape = z.object({
    totalCount: z.number(),
    edges: z.array(z.object({ cursor: z.string(), node })),
    nodes: z.array(node),
    pageInfo: z.object({
      hasNextPage: z.boolean(),
      endCursor: z.string().nullable(),
      hasPreviousPage: z.boolean(),
      startCursor: z.string().nullable(),
    }),
  });

  async function page(variables: Record<string, unknown>): Promise<z.infer<typeof pageShape>> {
    const response = await stack.request(PAGE, { token: admin, variables });
    expect(response.errors).toBeUndefined();
    return pageShape.parse(at(response.data, 'accounts'));
  }

  it('pages with first/after, newest first, through every account exactly once', async () => {
    for (let i = 0; i < 5; i++) await signUp(stack, `Pager ${i}`);
    const all = await page({ first: 100 });
    expect(all.totalCount).toBe(all.nodes.length);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const current = await page({ first: 2, after });
      expect(current.edges.map((e) => e.node)).toEqual(current.nodes);
      expect(current.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(current.pageInfo.startCursor).toBe(current.edges[0]?.cursor ?? null);
      expect(current.pageInfo.endCursor).toBe(current.edges.at(-1)?.cursor ?? null);
      seen.push(...current.nodes.map((n) => n.id));
      if (!current.pageInfo.hasNextPage) break;
      after = current.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.nodes.map((n) => n.id));
  });

  it('resumes after any edge, not only the last', async () => {
    const all = await page({ first: 10 });
    const third = all.edges[2];
    expect(third).toBeDefined();
    const rest = await page({ first: 3, after: third?.cursor });
    expect(rest.nodes).toEqual(all.nodes.slice(3, 6));
    // A page that with the skipped edges exceeds one service page still comes out right.
    const wide = await page({ first: 99, after: third?.cursor });
    expect(wide.nodes.slice(0, 3)).toEqual(all.nodes.slice(3, 6));
  });

  it('first: 0 answers only the count', async () => {
    const counted = await page({ first: 0 });
    expect(counted.nodes).toEqual([]);
    expect(counted.totalCount).toBeGreaterThan(0);
    expect(counted.pageInfo).toMatchObject({ hasNextPage: true, endCursor: null });
  });

  it.each([
    ['first', { first: 101 }, 'first: must be between 0 and 100'],
    ['first', { first: -1 }, 'first: must be between 0 and 100'],
    ['after', { after: 'garbage!' }, 'after: is not a valid cursor'],
    ['after', { after: Buffer.from('{"v":1,"c":"accounts","p":"","s":1e9}').toString('base64url') }, 'after: is not a valid cursor'],
  ])('refuses a bad %s with BAD_USER_INPUT', async (field, variables, message) => {
    const response = await stack.request(PAGE, { token: admin, variables });
    expect(response.errors).toEqual([expect.objectContaining({ message, extensions: { code: 'BAD_USER_INPUT', field } })]);
  });

  it('refuses a cursor of another connection', async () => {
    const products = await stack.request('{ products(first: 1) { pageInfo { endCursor } } }');
    const cursor = at(products.data, 'products', 'pageInfo', 'endCursor');
    const foreign = typeof cursor === 'string' ? cursor : Buffer.from('{"v":1,"c":"products:x","p":"","s":1}').toString('base64url');
    const response = await stack.request(PAGE, { token: admin, variables: { after: foreign } });
    expect(response.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'after' } })]);
  });
});

describe('health', () => {
  it('/healthz is alive and /readyz reports every service SERVING', async () => {
    const health = await fetch(`${stack.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${stack.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', services: { account: 'SERVING', catalog: 'SERVING', order: 'SERVING' } });
  });
});
