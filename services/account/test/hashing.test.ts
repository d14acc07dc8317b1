import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Metadata, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccountServiceService, Role } from '@emporium/contracts/emporium/account/v1/account.js';
import { parseConfig } from '@emporium/kit/config.js';
import { createLogger } from '@emporium/kit/logger.js';
import { exposition } from '@emporium/kit/metrics.js';
import { createTestDatabase, type TestDatabase } from '@emporium/testkit/databases.js';
import { createAccountClient, type AccountClient } from '../src/client.js';
import { accountConfigSchema } from '../src/config.js';
import { startAccountService, type RunningAccountService } from '../src/main.js';
import { failure } from '@emporium/testkit/errors.js';
import { parseExposition } from '@emporium/testkit/metrics.js';

// Admission control for password hashing, through real gRPC calls: one hash at a time, and a hash
// costly enough (scrypt N = 2^18: hundreds of milliseconds at the very least) that it is still
// running while the test makes a few quick calls behind it. Progress is read from the service's
// counters, never from the clock.

const log = createLogger('account-test', 'silent');
let sequence = 0;
const newAccount = (tag: string) => ({
  name: 'Grace',
  email: `${tag}.${Date.now().toString(36)}.${sequence++}@example.com`,
  password: 'hopper-1906',
  role: Role.ROLE_UNSPECIFIED,
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(2);
}

describe('password hashing admission (account service over gRPC)', () => {
  let database: TestDatabase;
  let service: RunningAccountService | undefined;
  let client: AccountClient | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    client?.close();
    await service?.stop();
  });
  afterAll(async () => {
    await database.drop();
  });

  /** A fresh service (no hash measured yet, so only the count bounds its queue) and a client. */
  async function start(env: Record<string, string> = {}) {
    const config = parseConfig(accountConfigSchema, {
      PORT: '0',
      DATABASE_URL: database.url,
      SCRYPT_LOG_N: '18',
      HASH_CONCURRENCY: '1',
      HASH_QUEUE_MAX: '1',
      ...env,
    });
    const started = await startAccountService(config, log);
    service = started;
    const connected = createAccountClient(started.address, { deadlineMs: 150_000 });
    client = connected;
    return { service: started, client: connected };
  }

  it('never hashes for a call whose deadline passes while it waits', async () => {
    const { service, client } = await start();
    const blocker = client.createAccount(newAccount('blocker'));
    await until(() => service.hashing().started === 1);
    const late = await failure(client.createAccount(newAccount('late'), { deadlineMs: 150 }));
    expect(late.kind).toBe('DEADLINE_EXCEEDED');
    await until(() => service.hashing().dropped === 1);
    await blocker;
    expect(service.hashing()).toMatchObject({ started: 1, dropped: 1, running: 0, queued: 0 });
  });

  it('does not create the account when the deadline passes while its password is hashed', async () => {
    const { service, client } = await start();
    const account = newAccount('outlived');
    // Nothing measured and nothing running: admitted at once (the lookup before it takes a few ms),
    // and the hash (N = 2^18: half a second and more) outlasts the 250 ms.
    const late = await failure(client.createAccount(account, { deadlineMs: 250 }));
    expect(late.kind).toBe('DEADLINE_EXCEEDED');
    expect(service.hashing().started).toBe(1);
    await until(() => service.hashing().running === 0);
    // The caller was told it failed, so trying again must create the account, not meet ALREADY_EXISTS.
    const { account: created } = await client.createAccount(account);
    expect(created?.email).toBe(account.email);
    expect(service.hashing()).toMatchObject({ started: 2, dropped: 0 });
  });

  it('never hashes for a call its caller cancels while it waits', async () => {
    const { service, client } = await start();
    const blocker = client.createAccount(newAccount('blocker'));
    await until(() => service.hashing().started === 1);

    const raw = new Client(service.address, credentials.createInsecure());
    const method = AccountServiceService.createAccount;
    const answer = new Promise<ServiceError | null>((resolve) => {
      const call = raw.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        method.requestDeserialize(method.requestSerialize(newAccount('cancelled'))),
        new Metadata(),
        (error) => {
          resolve(error);
        },
      );
      void until(() => service.hashing().queued === 1).then(() => {
        call.cancel();
      });
    });
    expect((await answer)?.code).toBe(status.CANCELLED);
    await until(() => service.hashing().dropped === 1);
    await blocker;
    raw.close();
    expect(service.hashing()).toMatchObject({ started: 1, dropped: 1, running: 0, queued: 0 });
  });

  it('refuses at once with RESOURCE_EXHAUSTED and a retry delay when full, hashing nothing for it', async () => {
    const { service, client } = await start();
    const blocker = client.createAccount(newAccount('blocker'));
    await until(() => service.hashing().started === 1);
    const waiting = client.createAccount(newAccount('waiting'));
    await until(() => service.hashing().queued === 1);
    const refused = await failure(client.createAccount(newAccount('refused')));
    expect({ kind: refused.kind, reason: refused.reason }).toEqual({ kind: 'RESOURCE_EXHAUSTED', reason: 'HASHING_BUSY' });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    // Answered while the first hash still ran and the second still waited.
    expect(service.hashing()).toMatchObject({ started: 1, running: 1, queued: 1, refused: 1 });
    // The same, as Prometheus scrapes it.
    const scraped = parseExposition((await exposition()).body);
    expect(scraped.get('emporium_password_hash_running')).toBe(1);
    expect(scraped.get('emporium_password_hash_queue_depth')).toBe(1);
    expect(scraped.get('emporium_password_hash_queue_capacity')).toBe(2);
    expect(scraped.get('emporium_password_hash_refusals_total')).toBe(1);
    expect(scraped.get('emporium_password_hash_started_total')).toBe(1);
    await Promise.all([blocker, waiting]);
    expect(service.hashing()).toMatchObject({ started: 2, refused: 1 });
  });

  // The blocker's hash must outlast the few calls the test makes behind it, whatever else the
  // machine is doing: at N = 2^18 a fully loaded test run once let it finish before the log-ins
  // had reached the queue. N = 2^20 (1 GiB, one hash at a time) gives them seconds.
  it('lets a log-in (and an unknown email\'s decoy hash) ahead of waiting sign-ups', { timeout: 180_000 }, async () => {
    const { service, client } = await start({ SCRYPT_LOG_N: '20', HASH_QUEUE_MAX: '2', HASH_MAX_WAIT_MS: '60000' });
    const existing = newAccount('existing');
    await client.createAccount(existing);
    const blocker = client.createAccount(newAccount('blocker'));
    await until(() => service.hashing().started === 2);
    const finished: string[] = [];
    const signUps = [newAccount('s1'), newAccount('s2')].map((account) =>
      client.createAccount(account).then(() => finished.push('signUp')),
    );
    await until(() => service.hashing().queued === 2);
    // The sign-up queue is full; log-ins have their own.
    const logIn = client.authenticateAccount({ email: existing.email, password: existing.password }).then(() => finished.push('logIn'));
    const unknown = failure(client.authenticateAccount({ email: 'nobody.hashing@example.com', password: existing.password })).then(
      (error) => finished.push(`unknown ${error.kind}`),
    );
    await Promise.all([blocker, ...signUps, logIn, unknown]);
    // Both log-in hashes before either waiting sign-up; between the two log-ins, whichever looked
    // up its account first queued first (a Node 24 run once had the unknown e-mail's ahead).
    expect(finished.slice(0, 2).sort()).toEqual(['logIn', 'unknown UNAUTHENTICATED']);
    expect(finished.slice(2)).toEqual(['signUp', 'signUp']);
    expect(service.hashing()).toMatchObject({ started: 6, refused: 0, dropped: 0 });
  });
});
