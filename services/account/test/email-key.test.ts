import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { Role } from '@emporium/contracts/emporium/account/v1/account.js';
import { parseConfig } from '@emporium/kit/config.js';
import { migrateToLatest, openDatabase } from '@emporium/kit/database.js';
import { DomainError } from '@emporium/kit/errors.js';
import { newId } from '@emporium/kit/ids.js';
import { createLogger } from '@emporium/kit/logger.js';
import { testEngines } from '@emporium/testkit/databases.js';
import * as createAccount from '../migrations/0001_create_account.js';
import { createAccountClient } from '../src/client.js';
import { accountConfigSchema } from '../src/config.js';
import { emailKey, foldCase } from '../src/email-key.js';
import { startAccountService } from '../src/main.js';
import { PasswordHasher } from '../src/password.js';
import type { AccountDatabase } from '../src/tables.js';

const log = createLogger('account-test', 'silent');
const engines = testEngines('account');

describe('emailKey', () => {
  it('folds case fully and the same for every spelling of one address', () => {
    const same = (emails: string[]) => new Set(emails.map(emailKey)).size;
    expect(same(['ΟΔΟΣ-x@example.com', 'οδος-x@example.com', 'οδοσ-x@EXAMPLE.com', ' ΟΔΟΣ-X@example.com '])).toBe(1);
    expect(same(['Straße@example.de', 'STRASSE@example.de', 'STRAẞE@example.de', 'strasse@example.de'])).toBe(1);
    expect(same(['café@example.com', 'cafe\u0301@example.com', 'CAFÉ@example.com', 'CAFE\u0301@EXAMPLE.COM'])).toBe(1);
    expect(emailKey('ΟΔΟΣ-x@Example.com')).toBe('οδοσ-x@example.com');
    // Different letters stay different.
    expect(emailKey('ılker@example.com')).not.toBe(emailKey('ilker@example.com'));
    expect(emailKey('ana@example.com')).not.toBe(emailKey('anä@example.com'));
  });

  it('follows Unicode full case folding, not the runtime’s lower-casing', () => {
    expect(foldCase('ß')).toBe('ss');
    expect(foldCase('ς')).toBe('σ');
    expect(foldCase('ﬃ')).toBe('ffi');
    expect(foldCase('İ')).toBe('i\u0307');
    // Cherokee folds to its capitals, which toLowerCase() would not give.
    expect(foldCase('ꭰ')).toBe('Ꭰ');
  });
});

describe.each(engines)('migration 0002_email_key on $name', (engine) => {
  it('backfills every existing account’s key, oldest first, so old accounts log in by the new rule', async () => {
    const setup = await engine.setup();
    try {
      const config = parseConfig(accountConfigSchema, { PORT: '0', SCRYPT_LOG_N: '10', ...setup.env });
      // A database as it was before: only the first migration, with accounts written then.
      const before = await openDatabase<AccountDatabase>({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, log });
      const hasher = new PasswordHasher(10);
      const [password, otherPassword] = await Promise.all([hasher.hash('open sesame 123'), hasher.hash('another secret 9')]);
      const older = newId();
      const filler = Array.from({ length: 1_100 }, (_, i) => ({ id: newId(), email: `Filler.${i}@Example.com` }));
      const straße = newId();
      const newer = newId();
      const rows = [
        { id: older, email: 'ΟΔΟΣ-m@example.com', hash: password },
        ...filler.map((row) => ({ ...row, hash: password })),
        { id: straße, email: 'Straße@example.de', hash: password },
        // The same address as the first under the new rule, 1,100 rows (three batches) later.
        { id: newer, email: 'οδος-m@example.com', hash: otherPassword },
      ];
      try {
        await migrateToLatest(before.db, { '0001_create_account': createAccount }, log);
        for (let i = 0; i < rows.length; i += 200) {
          const values = sql.join(
            rows.slice(i, i + 200).map((row) => sql`(${row.id}::uuid, 'Old', ${row.email}, 'CUSTOMER', ${row.hash})`),
          );
          await sql`insert into account (id, name, email, role, password_hash) values ${values}`.execute(before.db);
        }
      } finally {
        await before.close();
      }

      const service = await startAccountService(config, log);
      const client = createAccountClient(service.address);
      try {
        const keys = await service.database.db.selectFrom('account').select(['id', 'email_key']).execute();
        const keyOf = new Map(keys.map((row) => [row.id, row.email_key]));
        expect(keyOf.get(older)).toBe('οδοσ-m@example.com');
        expect(keyOf.get(straße)).toBe('strasse@example.de');
        expect(keyOf.get(newer)).toBeNull();
        expect(filler.every((row, i) => keyOf.get(row.id) === `filler.${i}@example.com`)).toBe(true);

        const logIn = (email: string, secret = 'open sesame 123') => client.authenticateAccount({ email, password: secret });
        expect((await logIn('ΟΔΟΣ-M@EXAMPLE.COM')).account?.id).toBe(older);
        expect((await logIn('STRASSE@example.de')).account?.id).toBe(straße);
        expect((await logIn('FILLER.7@example.com')).account?.id).toBe(filler[7]?.id);
        // The newer twin has no key: its email now names the older account, which its password does not open.
        await expect(logIn('οδος-m@example.com', 'another secret 9')).rejects.toMatchObject({ kind: 'UNAUTHENTICATED' });
        const taken = await client
          .createAccount({ name: 'New', email: 'οδοσ-M@example.com', password: 'open sesame 123', role: Role.ROLE_UNSPECIFIED })
          .catch((error: unknown) => error);
        expect(taken).toBeInstanceOf(DomainError);
        expect(taken).toMatchObject({ kind: 'ALREADY_EXISTS', field: 'email' });
      } finally {
        client.close();
        await service.stop();
      }
    } finally {
      await setup.cleanup();
    }
  });
});
