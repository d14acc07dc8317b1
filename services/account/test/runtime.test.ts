import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '@emporium/contracts/emporium/account/v1/account.js';
import { parseConfig } from '@emporium/kit/config.js';
import { DomainError } from '@emporium/kit/errors.js';
import { checkHealth } from '@emporium/kit/grpc-health.js';
import { createLogger } from '@emporium/kit/logger.js';
import { createTestDatabase, type TestDatabase } from '@emporium/testkit/databases.js';
import { freePort } from '@emporium/testkit/ports.js';
import { startServiceProcess } from '@emporium/testkit/service-process.js';
import { sql } from 'kysely';
import { createAccountClient } from '../src/client.js';
import { accountConfigSchema } from '../src/config.js';
import { startAccountService } from '../src/main.js';

// What every service gets from the kit, shown through the account service: migration locking,
// client retries and deadlines, and the process life cycle (config errors, SIGTERM draining).

const log = createLogger('account-test', 'silent');
const mainScript = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const startChild = (env: Record<string, string>) => startServiceProcess(mainScript, { SCRYPT_LOG_N: '12', ...env });
const newAccount = (email: string) => ({ name: 'Grace', email, password: 'hopper-1906', role: Role.ROLE_UNSPECIFIED });

describe('service runtime (through the account service)', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('lets two replicas start at once on a fresh database: both serve, migrations ran once', async () => {
    const config = parseConfig(accountConfigSchema, { PORT: '0', SCRYPT_LOG_N: '12', DATABASE_URL: database.url });
    const [a, b] = await Promise.all([startAccountService(config, log), startAccountService(config, log)]);
    try {
      expect(await checkHealth(a.address)).toBe('SERVING');
      expect(await checkHealth(b.address)).toBe('SERVING');
      const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(a.database.db);
      expect(applied.rows.map((r) => r.name)).toEqual(['0001_create_account', '0002_email_key', '0003_session', '0004_outbox']);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('retries an idempotent call until the server comes up, within the deadline', async () => {
    const port = await freePort();
    // Enough attempts to outlast a slow start on a loaded machine; the deadline still bounds them.
    const client = createAccountClient(`127.0.0.1:${port}`, { deadlineMs: 20_000, maxAttempts: 30, maxBackoffMs: 500 });
    const config = parseConfig(accountConfigSchema, { PORT: String(port), SCRYPT_LOG_N: '12', DATABASE_URL: database.url });
    try {
      // Nothing listens yet: a creation (not idempotent) fails at once with UNAVAILABLE...
      await expect(client.createAccount(newAccount('early@example.com'))).rejects.toMatchObject({ kind: 'UNAVAILABLE' });
      // ...while a read keeps trying and succeeds once the server is there.
      const listing = client.listAccounts({ pageSize: 1, pageToken: '' });
      listing.catch(() => undefined); // observed below; keeps the rejection from counting as unhandled meanwhile
      await new Promise((resolve) => setTimeout(resolve, 100));
      const service = await startAccountService(config, log);
      try {
        await expect(listing).resolves.toMatchObject({ totalSize: expect.any(Number) as number });
      } finally {
        await service.stop();
      }
    } finally {
      client.close();
    }
  });

  it('gives up with UNAVAILABLE when a service stays down, and DEADLINE_EXCEEDED when a call is too slow', async () => {
    const down = createAccountClient(`127.0.0.1:${await freePort()}`, { deadlineMs: 1_000 });
    const failure = await down.getAccount({ id: '0190a6d8-0000-7000-8000-000000000000' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DomainError);
    expect((failure as DomainError).kind).toBe('UNAVAILABLE');
    down.close();

    const config = parseConfig(accountConfigSchema, { PORT: '0', SCRYPT_LOG_N: '16', DATABASE_URL: database.url });
    const service = await startAccountService(config, log);
    const client = createAccountClient(service.address);
    try {
      await expect(client.createAccount(newAccount('slow@example.com'), { deadlineMs: 5 })).rejects.toMatchObject({
        kind: 'DEADLINE_EXCEEDED',
      });
    } finally {
      client.close();
      await service.stop();
    }
  });

  it('exits 1 naming the variable when the configuration is invalid', async () => {
    const child = startChild({ PORT: 'eighty', DATABASE_URL: 'mysql://nope' });
    expect(await child.exited).toBe(1);
    const message = child.stderr.join('\n');
    expect(message).toContain('PORT');
    expect(message).toContain('DATABASE_URL');
  });

  it('refuses to open an embedded data directory another process is using', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emporium-lock-'));
    const first = startChild({ PORT: '0', DATA_DIR: dir });
    try {
      await first.listening();
      const second = startChild({ PORT: '0', DATA_DIR: dir });
      expect(await second.exited).toBe(1);
      const fatal = second.lines.find((line) => line.level === 60);
      expect(String(fatal?.msg)).toMatch(/in use by process/);
    } finally {
      first.process.kill('SIGTERM');
      await first.exited;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on SIGTERM finishes the call in flight, then exits 0', async () => {
    // A costly hash keeps the call in flight long enough to be caught by the signal.
    const child = startChild({ PORT: '0', DATABASE_URL: database.url, LOG_LEVEL: 'debug', SCRYPT_LOG_N: '17' });
    try {
      const client = createAccountClient(await child.listening(), { deadlineMs: 30_000 });
      const email = `drain.${Date.now()}@example.com`;
      const creation = client.createAccount(newAccount(email));
      await child.waitFor((line) => line.msg === 'call started' && String(line.method).endsWith('/CreateAccount'));
      child.process.kill('SIGTERM');
      const { account } = await creation;
      expect(account?.email).toBe(email);
      expect(await child.exited).toBe(0);
      expect(child.lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['stopping', 'stopped']));
      client.close();
    } finally {
      child.process.kill('SIGKILL');
    }
  });

  /**
   * A child with calls in flight for a while: eight costly hashes, one or two at a time. Its hashing
   * queue takes them all however long they wait (admission has its own tests), and its drain waits
   * for them all, so every one must be answered, not refused or cancelled.
   */
  async function busyChild() {
    const child = startChild({
      PORT: '0',
      DATABASE_URL: database.url,
      LOG_LEVEL: 'debug',
      SCRYPT_LOG_N: '18',
      HASH_QUEUE_MAX: '100',
      HASH_MAX_WAIT_MS: '60000',
      SHUTDOWN_TIMEOUT_MS: '60000',
    });
    const client = createAccountClient(await child.listening(), { deadlineMs: 60_000 });
    const creations = Array.from({ length: 8 }, (_, i) => client.createAccount(newAccount(`busy.${i}.${Date.now()}@example.com`)));
    await child.waitFor((line) => line.msg === 'call started' && String(line.method).endsWith('/CreateAccount'));
    return { child, client, settled: Promise.allSettled(creations) };
  }

  it("takes a signal repeated at once (Ctrl-C through a process runner) as the same request: drains and exits 0", async () => {
    const { child, client, settled } = await busyChild();
    try {
      child.process.kill('SIGINT');
      child.process.kill('SIGTERM');
      expect(await child.exited).toBe(0);
      expect((await settled).map((result) => result.status)).toEqual(Array(8).fill('fulfilled'));
      expect(child.lines.map((line) => line.msg)).not.toContain('second signal while stopping; exiting now');
    } finally {
      client.close();
      child.process.kill('SIGKILL');
    }
  });

  it('exits at once on a second signal that comes later, while still draining', async () => {
    const { child, client } = await busyChild();
    try {
      child.process.kill('SIGTERM');
      await child.waitFor((line) => line.msg === 'stopping');
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      child.process.kill('SIGINT');
      expect(await child.exited).toBe(1);
      expect(child.lines.map((line) => line.msg)).toContain('second signal while stopping; exiting now');
    } finally {
      client.close();
      child.process.kill('SIGKILL');
    }
  });
});
