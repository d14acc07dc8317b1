import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '@emporium/contracts/emporium/account/v1/account.js';
import { parseConfig } from '@emporium/kit/config.js';
import { DomainError } from '@emporium/kit/errors.js';
import { newId } from '@emporium/kit/ids.js';
import { createLogger } from '@emporium/kit/logger.js';
import type { RunningService } from '@emporium/kit/start-service.js';
import { testEngines } from '@emporium/testkit/databases.js';
import { uniqueEmail } from '@emporium/testkit/unique.js';
import { createAccountClient, type AccountClient } from '../src/client.js';
import { accountConfigSchema } from '../src/config.js';
import { accountCreated } from '../src/events.js';
import { startAccountService } from '../src/main.js';
import { AccountRepository } from '../src/repository.js';
import type { AccountDatabase } from '../src/tables.js';

// The account service's events, read back from its outbox with SQL: written in the transaction of
// the change they report, and never without it.

const log = createLogger('account-events-test', 'silent');

interface OutboxRow {
  readonly type: string;
  readonly aggregate_id: string;
  readonly aggregate_version: bigint;
  readonly payload: Uint8Array;
}

async function outboxOf(db: Kysely<AccountDatabase>, aggregateId: string): Promise<OutboxRow[]> {
  const { rows } = await sql<OutboxRow>`
    select type, aggregate_id::text as aggregate_id, aggregate_version, payload
    from outbox_event where aggregate_id::text = ${aggregateId} order by aggregate_version`.execute(db);
  return rows;
}

async function outboxSize(db: Kysely<AccountDatabase>): Promise<bigint> {
  const { rows } = await sql<{ count: bigint }>`select count(*) as count from outbox_event`.execute(db);
  return rows[0]?.count ?? -1n;
}

describe.each(testEngines('account-events'))('account events on $name', (engine) => {
  let service: RunningService<AccountDatabase>;
  let client: AccountClient;
  let cleanup: () => Promise<unknown>;

  beforeAll(async () => {
    const setup = await engine.setup();
    cleanup = setup.cleanup;
    const config = parseConfig(accountConfigSchema, { PORT: '0', SCRYPT_LOG_N: '12', ...setup.env });
    service = await startAccountService(config, log);
    client = createAccountClient(service.address);
  });

  afterAll(async () => {
    client.close();
    await service.stop();
    await cleanup();
  });

  it('records AccountCreated with the new account at version 1', async () => {
    const email = uniqueEmail('Grace');
    const { account } = await client.createAccount({ name: 'Grace Hopper', email, password: 'correct horse battery', role: Role.ROLE_ADMIN });
    if (!account) throw new Error('no account');

    const rows = await outboxOf(service.database.db, account.id);
    expect(rows.map((row) => [row.type, row.aggregate_id, row.aggregate_version])).toEqual([
      ['emporium.account.v1.AccountCreated', account.id, 1n],
    ]);
    expect(accountCreated.decode(rows[0]?.payload ?? new Uint8Array())).toEqual({
      accountId: account.id,
      name: 'Grace Hopper',
      email,
      role: Role.ROLE_ADMIN,
      version: '1',
      createTime: account.createTime,
    });
  });

  it('a customer sign-up carries ROLE_CUSTOMER', async () => {
    const { account } = await client.createAccount({ name: 'Ada', email: uniqueEmail(), password: 'correct horse battery', role: Role.ROLE_UNSPECIFIED });
    const [row] = await outboxOf(service.database.db, account?.id ?? '');
    expect(accountCreated.decode(row?.payload ?? new Uint8Array()).role).toBe(Role.ROLE_CUSTOMER);
  });

  it('an insert refused for a taken email (in another case) rolls its event back with it', async () => {
    const email = uniqueEmail('taken');
    await client.createAccount({ name: 'First', email, password: 'correct horse battery', role: Role.ROLE_CUSTOMER });
    const before = await outboxSize(service.database.db);

    // The repository itself, past the service's early check: the unique index refuses the insert
    // inside the transaction that also wrote the event.
    const id = newId();
    const refused = new AccountRepository(service.database.db).insert({
      id,
      name: 'Second',
      email: email.toUpperCase(),
      role: 'CUSTOMER',
      passwordHash: 'not a real hash',
    });
    await expect(refused).rejects.toMatchObject({ kind: 'ALREADY_EXISTS', field: 'email' });
    await expect(refused).rejects.toBeInstanceOf(DomainError);

    expect(await outboxOf(service.database.db, id)).toEqual([]);
    expect(await outboxSize(service.database.db)).toBe(before);
  });
});
