import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '@emporium/contracts/emporium/account/v1/account.js';
import { parseConfig } from '@emporium/kit/config.js';
import type { ErrorKind } from '@emporium/kit/errors.js';
import { createLogger } from '@emporium/kit/logger.js';
import { testEngines } from '@emporium/testkit/databases.js';
import { failure } from '@emporium/testkit/errors.js';
import { createAccountClient, type AccountClient } from '../src/client.js';
import { accountConfigSchema } from '../src/config.js';
import { startAccountService } from '../src/main.js';

/*
 * Sessions and rotating refresh tokens (CreateSession, RefreshSession, RevokeSession) through the
 * real gRPC server, on PostgreSQL and on embedded PGlite.
 */

const log = createLogger('account-sessions-test', 'silent');
let sequence = 0;

const kindOf = async (promise: Promise<unknown>): Promise<ErrorKind> => (await failure(promise)).kind;

describe.each(testEngines('sessions'))('sessions on $name', (engine) => {
  let service: Awaited<ReturnType<typeof startAccountService>>;
  let client: AccountClient;
  let cleanup: () => Promise<unknown>;
  const TTL = 3600;

  beforeAll(async () => {
    const setup = await engine.setup();
    cleanup = setup.cleanup;
    service = await startAccountService(parseConfig(accountConfigSchema, { PORT: '0', SCRYPT_LOG_N: '10', ...setup.env }), log);
    client = createAccountClient(service.address);
  });

  afterAll(async () => {
    client.close();
    await service.stop();
    await cleanup();
  });

  async function login() {
    const { account } = await client.createAccount({
      name: 'Ada',
      email: `session.${Date.now().toString(36)}.${sequence++}@example.com`,
      password: 'correct horse battery',
      role: Role.ROLE_CUSTOMER,
    });
    if (account === undefined) throw new Error('no account');
    const created = await client.createSession({ accountId: account.id, refreshTokenTtlSeconds: TTL });
    return { account, session: created.session, refreshToken: created.refreshToken };
  }

  it('stores only a hash of each refresh token', async () => {
    const { session, refreshToken } = await login();
    expect(refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await service.database.db.selectFrom('refresh_token').selectAll().where('session_id', '=', session?.id ?? '').execute();
    expect(rows.map((row) => row.token_hash)).toEqual([createHash('sha256').update(refreshToken).digest('hex')]);
    expect(JSON.stringify(rows)).not.toContain(refreshToken);
  });

  it('rotates: each refresh returns the next token of the same session and uses up the one presented', async () => {
    const { account, session, refreshToken } = await login();
    const first = await client.refreshSession({ refreshToken, refreshTokenTtlSeconds: TTL });
    expect(first).toMatchObject({ reused: false, session: { id: session?.id, accountId: account.id }, account: { id: account.id } });
    expect(first.refreshToken).not.toBe(refreshToken);
    const second = await client.refreshSession({ refreshToken: first.refreshToken, refreshTokenTtlSeconds: TTL });
    expect(second.reused).toBe(false);
    expect(second.session?.id).toBe(session?.id);
  });

  it('revokes the whole family when a used token is presented again', async () => {
    const { session, refreshToken } = await login();
    const next = await client.refreshSession({ refreshToken, refreshTokenTtlSeconds: TTL });
    const reuse = await client.refreshSession({ refreshToken, refreshTokenTtlSeconds: TTL });
    expect(reuse).toMatchObject({ reused: true, refreshToken: '', session: { id: session?.id } });
    expect(reuse.session?.revokeTime).toBeInstanceOf(Date);
    // The descendant that was valid until the reuse is refused now.
    expect(await kindOf(client.refreshSession({ refreshToken: next.refreshToken, refreshTokenTtlSeconds: TTL }))).toBe('UNAUTHENTICATED');
  });

  it('lets exactly one of two concurrent refreshes with one token win', async () => {
    const { refreshToken } = await login();
    const results = await Promise.allSettled([
      client.refreshSession({ refreshToken, refreshTokenTtlSeconds: TTL }),
      client.refreshSession({ refreshToken, refreshTokenTtlSeconds: TTL }),
    ]);
    const winners = results.filter((result) => result.status === 'fulfilled' && !result.value.reused);
    expect(winners).toHaveLength(1);
  });

  it('refuses unknown, malformed and revoked tokens with UNAUTHENTICATED; revoking is idempotent', async () => {
    expect(await kindOf(client.refreshSession({ refreshToken: 'A'.repeat(43), refreshTokenTtlSeconds: TTL }))).toBe('UNAUTHENTICATED');
    expect(await kindOf(client.refreshSession({ refreshToken: 'not a token', refreshTokenTtlSeconds: TTL }))).toBe('UNAUTHENTICATED');
    const byId = await login();
    const revoked = await client.revokeSession({ sessionId: byId.session?.id ?? '', refreshToken: '' });
    expect(revoked.session?.revokeTime).toBeInstanceOf(Date);
    expect(await kindOf(client.refreshSession({ refreshToken: byId.refreshToken, refreshTokenTtlSeconds: TTL }))).toBe('UNAUTHENTICATED');
    expect((await client.revokeSession({ sessionId: byId.session?.id ?? '', refreshToken: '' })).session?.revokeTime).toEqual(revoked.session?.revokeTime);

    const byToken = await login();
    expect((await client.revokeSession({ sessionId: '', refreshToken: byToken.refreshToken })).session?.id).toBe(byToken.session?.id);
    expect(await kindOf(client.refreshSession({ refreshToken: byToken.refreshToken, refreshTokenTtlSeconds: TTL }))).toBe('UNAUTHENTICATED');
    expect((await client.revokeSession({ sessionId: '', refreshToken: 'B'.repeat(43) })).session).toBeUndefined();
  });

  it("removes an account's sessions that ended more than a day ago when it logs in again, keeping the live ones", async () => {
    const ended = await login();
    const live = await client.createSession({ accountId: ended.account.id, refreshTokenTtlSeconds: TTL });
    await client.revokeSession({ sessionId: ended.session?.id ?? '', refreshToken: '' });
    const db = service.database.db;
    await db.updateTable('session').set({ revoke_time: new Date(Date.now() - 2 * 24 * 3600_000) }).where('id', '=', ended.session?.id ?? '').execute();
    await client.createSession({ accountId: ended.account.id, refreshTokenTtlSeconds: TTL });
    const sessions = await db.selectFrom('session').select('id').where('account_id', '=', ended.account.id).execute();
    expect(sessions.map((row) => row.id)).not.toContain(ended.session?.id);
    expect(sessions.map((row) => row.id)).toContain(live.session?.id);
    expect(sessions).toHaveLength(2);
    expect(await db.selectFrom('refresh_token').select('token_hash').where('session_id', '=', ended.session?.id ?? '').execute()).toEqual([]);
  });

  it('answers typed client errors for bad input', async () => {
    const { account } = await login();
    expect(await kindOf(client.createSession({ accountId: 'nope', refreshTokenTtlSeconds: TTL }))).toBe('INVALID_ARGUMENT');
    expect(await kindOf(client.createSession({ accountId: '01a20d59-0000-7000-8000-000000000000', refreshTokenTtlSeconds: TTL }))).toBe('NOT_FOUND');
    expect(await kindOf(client.createSession({ accountId: account.id, refreshTokenTtlSeconds: 5 }))).toBe('INVALID_ARGUMENT');
    expect(await kindOf(client.revokeSession({ sessionId: '', refreshToken: '' }))).toBe('INVALID_ARGUMENT');
  });
});
