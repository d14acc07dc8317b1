import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { at, codes, graphql, signUp, type GraphQLResponse } from '@emporium/testkit/graphql.js';
import { useStack } from '@emporium/testkit/stack.js';
import { tcpRelay } from '@emporium/testkit/tcp-relay.js';
import { uniqueEmail } from '@emporium/testkit/unique.js';

/*
 * Access tokens that expire, refresh tokens that rotate, and log out that holds on every replica,
 * through HTTP against the real services on PostgreSQL and a real Redis.
 */

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const JWT_SECRET = randomBytes(32).toString('base64url');
const KEY = new TextEncoder().encode(JWT_SECRET);
const VIEWER = '{ viewer { id } }';
const PAYLOAD = 'token expiresAt refreshToken refreshTokenExpiresAt account { id }';
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { ${PAYLOAD} } }`;
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { ${PAYLOAD} } }`;
const REFRESH = `mutation($input: RefreshTokenInput!) { refreshToken(input: $input) { ${PAYLOAD} } }`;
const LOG_OUT = `mutation($input: LogOutInput!) { logOut(input: $input) { revoked } }`;

const stack = useStack({ gateway: { JWT_SECRET, REDIS_URL } });

interface Login {
  readonly id: string;
  readonly token: string;
  readonly refreshToken: string;
  readonly expiresAt: number;
  readonly refreshTokenExpiresAt: number;
  readonly cookie: string | null;
}

function loginOf(response: GraphQLResponse, field: string): Login {
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return {
    id: String(at(response.data, field, 'account', 'id')),
    token: String(at(response.data, field, 'token')),
    refreshToken: String(at(response.data, field, 'refreshToken')),
    expiresAt: Date.parse(String(at(response.data, field, 'expiresAt'))),
    refreshTokenExpiresAt: Date.parse(String(at(response.data, field, 'refreshTokenExpiresAt'))),
    cookie: response.headers.get('set-cookie'),
  };
}

async function newLogin(url = stack.url): Promise<Login> {
  const input = { name: 'Ada', email: uniqueEmail('tokens'), password: 'correct horse battery' };
  return loginOf(await graphql(url, SIGN_UP, { variables: { input } }), 'signUp');
}

const refresh = (refreshToken: string, url = stack.url) => graphql(url, REFRESH, { variables: { input: { refreshToken } } });

/** The sid claim of a token the gateway issued. */
function sessionOf(token: string): string {
  const payload: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  return z.object({ sid: z.uuid() }).parse(payload).sid;
}

/** A token signed with the gateway's own key, with exactly the claims given. */
async function forge(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(KEY);
}

describe('access tokens', () => {
  it('are accepted only with exp, iat, sub and sid, a lifetime within the configured one, and an iat not in the future', async () => {
    const user = await newLogin();
    const now = Math.floor(Date.now() / 1000);
    const sid = sessionOf(user.token);
    const base = { iss: 'emporium-gateway', aud: 'emporium', sub: user.id, sid, role: 'CUSTOMER' };
    // The gateway's own token shape, forged with its key, is accepted: the cases below differ only as named.
    expect(at((await stack.request(VIEWER, { token: await forge({ ...base, iat: now, exp: now + 600 }) })).data, 'viewer', 'id')).toBe(user.id);
    const refused: Record<string, Record<string, unknown>> = {
      'no exp': { ...base, iat: now },
      'exp 100 years ahead': { ...base, iat: now, exp: now + 100 * 365 * 24 * 3600 },
      'a lifetime longer than ACCESS_TOKEN_TTL_SECONDS': { ...base, iat: now - 60, exp: now + 900 },
      'iat in the future': { ...base, iat: now + 3600, exp: now + 3600 + 600 },
      'no iat': { ...base, exp: now + 600 },
      'no sid': { ...base, sid: undefined, iat: now, exp: now + 600 },
      'no sub': { ...base, sub: undefined, iat: now, exp: now + 600 },
    };
    for (const [name, claims] of Object.entries(refused)) {
      const response = await stack.request(VIEWER, { token: await forge(claims) });
      expect({ name, status: response.status, codes: codes(response) }).toEqual({ name, status: 401, codes: ['UNAUTHENTICATED'] });
    }
  });

  it('tolerates a small clock skew between replicas in iat', async () => {
    const user = await newLogin();
    const now = Math.floor(Date.now() / 1000);
    const sid = sessionOf(user.token);
    const token = await forge({ iss: 'emporium-gateway', aud: 'emporium', sub: user.id, sid, role: 'CUSTOMER', iat: now + 10, exp: now + 10 + 600 });
    expect(at((await stack.request(VIEWER, { token })).data, 'viewer', 'id')).toBe(user.id);
  });
});

describe('signUp, logIn and refreshToken', () => {
  it('return a 15-minute access token and a 30-day refresh token, in the payload and as an httpOnly cookie', async () => {
    const before = Date.now();
    const user = await newLogin();
    expect(user.expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 900_000);
    expect(user.expiresAt).toBeLessThanOrEqual(Date.now() + 900_000);
    expect(user.refreshTokenExpiresAt).toBeGreaterThanOrEqual(before + 30 * 24 * 3600_000 - 1000);
    expect(user.cookie).toMatch(new RegExp(`^emporium_refresh=${user.refreshToken}; Path=/graphql; HttpOnly; SameSite=Strict; Max-Age=\\d+; Expires=`));
    // Over plain HTTP, and REFRESH_COOKIE_SECURE=auto: not Secure (the browser would drop it).
    expect(user.cookie).not.toContain('Secure');

    const login = await graphql(stack.url, LOG_IN, { variables: { input: { email: (await signUp(stack)).email, password: 'correct horse battery' } } });
    expect(loginOf(login, 'logIn').cookie).toContain('emporium_refresh=');
  });

  it('marks the cookie Secure when REFRESH_COOKIE_SECURE=true', async () => {
    const gateway = await stack.startGateway({ REFRESH_COOKIE_SECURE: 'true' });
    try {
      expect((await newLogin(gateway.url)).cookie).toMatch(/; Secure/);
    } finally {
      await gateway.stop();
    }
  });

  it('rotate: a refresh returns a new access token and a new refresh token, and uses up the one presented', async () => {
    const user = await newLogin();
    const next = loginOf(await refresh(user.refreshToken), 'refreshToken');
    expect(next.id).toBe(user.id);
    expect(next.refreshToken).not.toBe(user.refreshToken);
    expect(next.cookie).toContain(`emporium_refresh=${next.refreshToken};`);
    expect(at((await stack.request(VIEWER, { token: next.token })).data, 'viewer', 'id')).toBe(user.id);
    const again = loginOf(await refresh(next.refreshToken), 'refreshToken');
    expect(again.id).toBe(user.id);
  });

  it('takes the refresh token from the cookie when the input has none', async () => {
    const user = await newLogin();
    const response = await graphql(stack.url, REFRESH, { variables: { input: {} }, headers: { cookie: `theme=dark; emporium_refresh=${user.refreshToken}` } });
    expect(loginOf(response, 'refreshToken').id).toBe(user.id);
    const none = await graphql(stack.url, REFRESH, { variables: { input: {} } });
    expect(codes(none)).toEqual(['UNAUTHENTICATED']);
  });

  it('reuse of a used refresh token ends the whole session: its newer refresh token and access tokens are refused', async () => {
    const user = await newLogin();
    const next = loginOf(await refresh(user.refreshToken), 'refreshToken');
    const reuse = await refresh(user.refreshToken);
    expect(codes(reuse)).toEqual(['UNAUTHENTICATED']);
    expect(reuse.errors?.[0]?.message).toContain('already used');
    expect(reuse.headers.get('set-cookie')).toMatch(/^emporium_refresh=; .*Max-Age=0/);
    expect(codes(await refresh(next.refreshToken))).toEqual(['UNAUTHENTICATED']);
    expect((await stack.request(VIEWER, { token: next.token })).status).toBe(401);
    expect((await stack.request(VIEWER, { token: user.token })).status).toBe(401);
  });

  it('of two concurrent refreshes with one token, exactly one gets new tokens', async () => {
    const user = await newLogin();
    const answers = await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);
    expect(answers.filter((answer) => answer.errors === undefined)).toHaveLength(1);
  });

  it('refuses garbage refresh tokens as UNAUTHENTICATED, never INTERNAL', async () => {
    for (const token of ['', 'x', 'A'.repeat(43), 'é'.repeat(43), 'a'.repeat(5000)]) {
      expect({ token: token.slice(0, 10), codes: codes(await refresh(token)) }).toEqual({ token: token.slice(0, 10), codes: ['UNAUTHENTICATED'] });
    }
  });
});

describe('logOut', () => {
  it('ends the session on every replica: the access token and the refresh token are refused on another gateway', async () => {
    const other = await stack.startGateway();
    try {
      const user = await newLogin();
      expect(at((await graphql(other.url, VIEWER, { token: user.token })).data, 'viewer', 'id')).toBe(user.id);
      const out = await stack.request(LOG_OUT, { token: user.token, variables: { input: {} } });
      expect(out.data).toEqual({ logOut: { revoked: true } });
      expect(out.headers.get('set-cookie')).toMatch(/^emporium_refresh=; Path=\/graphql; HttpOnly; SameSite=Strict; Max-Age=0/);

      const onOther = await graphql(other.url, VIEWER, { token: user.token });
      expect({ status: onOther.status, codes: codes(onOther) }).toEqual({ status: 401, codes: ['UNAUTHENTICATED'] });
      expect(onOther.errors?.[0]?.message).toContain('revoked');
      expect(codes(await refresh(user.refreshToken, other.url))).toEqual(['UNAUTHENTICATED']);
      // Logging in again starts a new session, unaffected.
      expect(at((await graphql(other.url, VIEWER, { token: (await refreshOf(await newLogin(other.url))).token })).data, 'viewer', 'id')).toBeTypeOf('string');
    } finally {
      await other.stop();
    }
  });

  it('with only the refresh token (input or cookie) ends its session and its access tokens', async () => {
    const user = await newLogin();
    expect((await graphql(stack.url, LOG_OUT, { variables: { input: {} }, headers: { cookie: `emporium_refresh=${user.refreshToken}` } })).data).toEqual({ logOut: { revoked: true } });
    expect((await stack.request(VIEWER, { token: user.token })).status).toBe(401);
    const second = await newLogin();
    expect((await stack.request(LOG_OUT, { variables: { input: { refreshToken: second.refreshToken } } })).data).toEqual({ logOut: { revoked: true } });
    expect(codes(await refresh(second.refreshToken))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await stack.request(LOG_OUT, { variables: { input: {} } }))).toEqual(['UNAUTHENTICATED']);
  });

  it('holds without Redis on the one gateway (revocations kept in memory)', async () => {
    const alone = await stack.startGateway({ REDIS_URL: '' });
    try {
      const user = await newLogin(alone.url);
      expect((await graphql(alone.url, LOG_OUT, { token: user.token, variables: { input: {} } })).data).toEqual({ logOut: { revoked: true } });
      expect((await graphql(alone.url, VIEWER, { token: user.token })).status).toBe(401);
      expect(codes(await refresh(user.refreshToken, alone.url))).toEqual(['UNAUTHENTICATED']);
    } finally {
      await alone.stop();
    }
  });
});

/** Refreshes a login once and returns the new one. */
async function refreshOf(login: Login): Promise<Login> {
  return loginOf(await refresh(login.refreshToken), 'refreshToken');
}

describe('when Redis is away', () => {
  it('fails requests with a token closed (UNAVAILABLE, 503), serves anonymous ones, and recovers', async () => {
    // A TCP relay to the real Redis that the test can cut.
    const relay = await tcpRelay(REDIS_URL, 6379);
    const gateway = await stack.startGateway({ REDIS_URL: `redis://127.0.0.1:${relay.port}` });
    try {
      const user = await newLogin(gateway.url);
      expect(at((await graphql(gateway.url, VIEWER, { token: user.token })).data, 'viewer', 'id')).toBe(user.id);
      relay.cut();
      const refused = await graphql(gateway.url, VIEWER, { token: user.token });
      expect({ status: refused.status, codes: codes(refused) }).toEqual({ status: 503, codes: ['UNAVAILABLE'] });
      expect((await graphql(gateway.url, '{ products(first: 1) { totalCount } }')).status).toBe(200);
      relay.restore();
      await expect.poll(async () => (await graphql(gateway.url, VIEWER, { token: user.token })).status, { timeout: 10_000 }).toBe(200);
    } finally {
      await gateway.stop();
      await relay.close();
    }
  });
});
