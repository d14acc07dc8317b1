import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role, type Account } from '@emporium/contracts/emporium/account/v1/account.js';
import { parseConfig } from '@emporium/kit/config.js';
import { DomainError } from '@emporium/kit/errors.js';
import { checkHealth } from '@emporium/kit/grpc-health.js';
import { createLogger } from '@emporium/kit/logger.js';
import type { RunningService } from '@emporium/kit/start-service.js';
import { testEngines } from '@emporium/testkit/databases.js';
import { expectError } from '@emporium/testkit/errors.js';
import { expectStableWalk } from '@emporium/testkit/paging.js';
import { listServicesByReflection } from '@emporium/testkit/reflection.js';
import { uniqueEmail } from '@emporium/testkit/unique.js';
import { createAccountClient, type AccountClient } from '../src/client.js';
import { accountConfigSchema } from '../src/config.js';
import { startAccountService } from '../src/main.js';
import type { AccountDatabase } from '../src/tables.js';

const log = createLogger('account-test', 'silent');
/** The two database engines every account test runs on: a fresh database (or data directory) each. */
const engines = testEngines('account');
let sequence = 0;

describe.each(engines)('account service on $name', (engine) => {
  let service: RunningService<AccountDatabase>;
  let client: AccountClient;
  let cleanup: () => Promise<unknown>;

  beforeAll(async () => {
    const setup = await engine.setup();
    cleanup = setup.cleanup;
    // Hashing admission has its own tests (hashing.test.ts): here it lets every call wait its turn.
    const config = parseConfig(accountConfigSchema, {
      PORT: '0',
      SCRYPT_LOG_N: '12',
      HASH_QUEUE_MAX: '1000',
      HASH_MAX_WAIT_MS: '60000',
      ...setup.env,
    });
    service = await startAccountService(config, log);
    client = createAccountClient(service.address);
  });

  afterAll(async () => {
    client.close();
    await service.stop();
    await cleanup();
  });

  const create = (overrides: Partial<{ name: string; email: string; password: string; role: Role }> = {}) =>
    client.createAccount({
      name: 'Ada Lovelace',
      email: uniqueEmail(),
      password: 'correct horse battery',
      role: Role.ROLE_UNSPECIFIED,
      ...overrides,
    });

  it('reports SERVING on grpc.health.v1 and lists its service over reflection', async () => {
    expect(await checkHealth(service.address)).toBe('SERVING');
    expect(await checkHealth(service.address, 'emporium.account.v1.AccountService')).toBe('SERVING');
    const services = await listServicesByReflection(service.address);
    expect(services).toContain('emporium.account.v1.AccountService');
    expect(services).toContain('grpc.health.v1.Health');
    expect(services).not.toContain('emporium.catalog.v1.CatalogService');
  });

  describe('CreateAccount and GetAccount', () => {
    it('creates a customer with a UUIDv7 and reads it back, without any password material', async () => {
      const email = uniqueEmail('Ada');
      const { account } = await create({ name: '  Ada Lovelace ', email });
      expect(account).toMatchObject({ name: 'Ada Lovelace', email, role: Role.ROLE_CUSTOMER });
      expect(account?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(account?.createTime).toBeInstanceOf(Date);
      const { account: read } = await client.getAccount({ id: account?.id ?? '' });
      expect(read).toEqual(account);
      expect(JSON.stringify(read)).not.toMatch(/scrypt|password/i);
    });

    it('creates an admin when asked for one', async () => {
      const { account } = await create({ role: Role.ROLE_ADMIN });
      expect(account?.role).toBe(Role.ROLE_ADMIN);
    });

    it('accepts names in any script, counted in characters', async () => {
      for (const name of ['山田 太郎', 'Ωμέγα', 'محمد', '👩🏽‍💻'.repeat(20), 'x'.repeat(100)]) {
        const { account } = await create({ name });
        expect(account?.name).toBe(name);
      }
    });

    it.each([
      ['name', { name: '' }],
      ['name', { name: '   ' }],
      ['name', { name: 'x'.repeat(101) }],
      ['name', { name: 'tab\there' }],
      ['email', { email: '' }],
      ['email', { email: 'not-an-email' }],
      ['email', { email: 'two@@example.com' }],
      ['email', { email: 'spaces in@example.com' }],
      ['email', { email: `${'a'.repeat(250)}@example.com` }],
      ['password', { password: 'short' }],
      ['password', { password: '1234567' }],
      ['password', { password: 'p'.repeat(1025) }],
      ['role', { role: 7 as Role }],
    ])('rejects a bad %s with INVALID_ARGUMENT naming it, and writes nothing', async (field, overrides) => {
      const email = uniqueEmail('rejected');
      const before = (await client.listAccounts({ pageSize: 1, pageToken: '' })).totalSize;
      await expectError(create({ email, ...overrides }), 'INVALID_ARGUMENT', field);
      expect((await client.listAccounts({ pageSize: 1, pageToken: '' })).totalSize).toBe(before);
      // The email is still free: nothing was half-written.
      if (field !== 'email') expect((await create({ email })).account?.email).toBe(email);
    });

    it('refuses a second account with the same email in any case', async () => {
      const email = uniqueEmail('Case');
      await create({ email });
      await expectError(create({ email: email.toUpperCase() }), 'ALREADY_EXISTS', 'email');
    });

    it('lets exactly one of many concurrent sign-ups with one email win', async () => {
      const email = uniqueEmail('race');
      const results = await Promise.allSettled(Array.from({ length: 12 }, () => create({ email })));
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.map((r) => (r.reason as DomainError).kind)).toEqual(Array(11).fill('ALREADY_EXISTS'));
    });

    it('answers NOT_FOUND for an unknown id and INVALID_ARGUMENT for a malformed or missing one', async () => {
      await expectError(client.getAccount({ id: '0190a6d8-0000-7000-8000-000000000000' }), 'NOT_FOUND', 'id');
      await expectError(client.getAccount({ id: 'not-a-uuid' }), 'INVALID_ARGUMENT', 'id');
      await expectError(client.getAccount({ id: '' }), 'INVALID_ARGUMENT', 'id');
    });
  });

  describe('BatchGetAccounts', () => {
    it('answers in the order asked, repeats duplicates and lists unknown ids', async () => {
      const a = (await create()).account as Account;
      const b = (await create()).account as Account;
      const unknown = '0190a6d8-0000-7000-8000-0000000000ff';
      const { accounts, notFoundIds } = await client.batchGetAccounts({ ids: [b.id, unknown, a.id, b.id.toUpperCase()] });
      expect(accounts.map((x) => x.id)).toEqual([b.id, a.id, b.id]);
      expect(notFoundIds).toEqual([unknown]);
      expect(await client.batchGetAccounts({ ids: [] })).toEqual({ accounts: [], notFoundIds: [] });
    });

    it('refuses more than 100 ids and malformed ids, naming the entry', async () => {
      const ids = Array.from({ length: 101 }, () => '0190a6d8-0000-7000-8000-000000000000');
      await expectError(client.batchGetAccounts({ ids }), 'INVALID_ARGUMENT', 'ids');
      await expectError(
        client.batchGetAccounts({ ids: ['0190a6d8-0000-7000-8000-000000000000', 'nope'] }),
        'INVALID_ARGUMENT',
        'ids[1]',
      );
    });
  });

  describe('ListAccounts', () => {
    it('walks every page newest first with no duplicates or gaps while accounts are being created', async () => {
      for (let i = 0; i < 15; i++) await create();
      const page = async (pageSize: number, pageToken: string) => {
        const { accounts, nextPageToken } = await client.listAccounts({ pageSize, pageToken });
        return { ids: accounts.map((a) => a.id), nextPageToken };
      };
      const existing = new Set<string>();
      let token = '';
      do {
        const current = await page(100, token);
        current.ids.forEach((id) => existing.add(id));
        token = current.nextPageToken;
      } while (token !== '');
      await expectStableWalk(page, existing, create);
    });

    it('reports the total, defaults to 20, caps at 100', async () => {
      while ((await client.listAccounts({ pageSize: 1, pageToken: '' })).totalSize < 101) {
        await Promise.all(Array.from({ length: 10 }, () => create()));
      }
      const first = await client.listAccounts({ pageSize: 0, pageToken: '' });
      expect(first.accounts).toHaveLength(20);
      expect(first.totalSize).toBeGreaterThanOrEqual(101);
      expect((await client.listAccounts({ pageSize: 1000, pageToken: '' })).accounts).toHaveLength(100);
    });

    it('refuses a negative page size and malformed page tokens', async () => {
      await expectError(client.listAccounts({ pageSize: -1, pageToken: '' }), 'INVALID_ARGUMENT', 'page_size');
      for (const pageToken of ['garbage!', 'eyJ2IjoxfQ', Buffer.from('{"v":1,"q":"x","k":{"id":"1"}}').toString('base64url')]) {
        await expectError(client.listAccounts({ pageSize: 5, pageToken }), 'INVALID_ARGUMENT', 'page_token');
      }
    });
  });

  describe('AuthenticateAccount', () => {
    it('returns the account for the right password, with the email in any case', async () => {
      const email = uniqueEmail('Login');
      const { account } = await create({ email, password: 'open sesame 123' });
      const result = await client.authenticateAccount({ email: email.toUpperCase(), password: 'open sesame 123' });
      expect(result.account).toEqual(account);
    });

    // One case rule (Unicode full case folding, src/email-key.ts) for uniqueness, sign-up and
    // log-in, whatever the database's collation (SQL lower() made ΟΔΟΣ οδοσ where toLowerCase() made it οδος).
    it.each([
      ['Greek capitals, logged in as typed', 'ΟΔΟΣ', ['ΟΔΟΣ', 'οδος', 'οδοσ', 'ΟδΟς']],
      ['German ß', 'Straße', ['STRASSE', 'strasse', 'STRAẞE', 'straße']],
      ['Cyrillic and a decomposed accent', 'Ёлка-Café', ['ёлка-cafe\u0301', 'ЁЛКА-CAFÉ']],
    ])('signs up and logs in with %s, in any case', async (_label, local, variants) => {
      const suffix = `-${Date.now().toString(36)}.${sequence++}@example.com`;
      const email = `${local}${suffix}`;
      const { account } = await create({ email, password: 'open sesame 123' });
      expect(account?.email).toBe(email);
      for (const variant of variants) {
        const result = await client.authenticateAccount({ email: `${variant}${suffix}`, password: 'open sesame 123' });
        expect(result.account?.id).toBe(account?.id);
        await expectError(create({ email: `${variant}${suffix}` }), 'ALREADY_EXISTS', 'email');
      }
    });

    it('gives one and the same UNAUTHENTICATED for a wrong password and an unknown email', async () => {
      const email = uniqueEmail('login');
      await create({ email, password: 'open sesame 123' });
      const wrong = await expectError(client.authenticateAccount({ email, password: 'open sesame 124' }), 'UNAUTHENTICATED');
      const unknown = await expectError(
        client.authenticateAccount({ email: uniqueEmail('nobody'), password: 'open sesame 123' }),
        'UNAUTHENTICATED',
      );
      const empty = await expectError(client.authenticateAccount({ email: '', password: '' }), 'UNAUTHENTICATED');
      expect(unknown.message).toBe(wrong.message);
      expect(empty.message).toBe(wrong.message);
    });
  });
});
