import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { alreadyExists } from '@emporium/kit/errors.js';
import { isUniqueViolation } from '@emporium/kit/database.js';
import { recordEvent } from '@emporium/kit/outbox.js';
import { emailKey } from './email-key.js';
import { accountCreatedEvent } from './events.js';
import type { Account, NewAccount } from './model.js';
import type { AccountDatabase, AccountTable } from './tables.js';

const emailTaken = () => alreadyExists('an account with this email already exists', 'email');

type AccountRow = Selectable<AccountTable>;

const ACCOUNT_COLUMNS = ['id', 'name', 'email', 'role', 'create_time'] as const;

function toAccount(row: Pick<AccountRow, (typeof ACCOUNT_COLUMNS)[number]>): Account {
  return { id: row.id, name: row.name, email: row.email, role: row.role, createTime: row.create_time };
}

/** The account whose email is this one in any case (emailKey): the unique index is on email_key. */
const sameEmail = (email: string) => (eb: ExpressionBuilder<AccountDatabase, 'account'>) => eb('email_key', '=', emailKey(email));

export class AccountRepository {
  constructor(private readonly db: Kysely<AccountDatabase>) {}

  /** Inserts an account and its AccountCreated event, in one transaction; ALREADY_EXISTS when another holds the email (in any case). */
  async insert(account: NewAccount): Promise<Account> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('account')
          .values({
            id: account.id,
            name: account.name,
            email: account.email,
            email_key: emailKey(account.email),
            role: account.role,
            password_hash: account.passwordHash,
          })
          .returning(ACCOUNT_COLUMNS)
          .executeTakeFirstOrThrow();
        const created = toAccount(row);
        await recordEvent(trx, accountCreatedEvent(created));
        return created;
      });
    } catch (error) {
      if (isUniqueViolation(error, 'account_email_key')) throw emailTaken();
      throw error;
    }
  }

  async findById(id: string): Promise<Account | undefined> {
    const row = await this.db.selectFrom('account').select(ACCOUNT_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row && toAccount(row);
  }

  /** The accounts among ids, in no particular order. */
  async findByIds(ids: readonly string[]): Promise<Account[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('account').select(ACCOUNT_COLUMNS).where('id', 'in', ids).execute();
    return rows.map(toAccount);
  }

  /** Throws ALREADY_EXISTS when an account has this email (in any case: emailKey, as the unique index compares). */
  async assertEmailFree(email: string): Promise<void> {
    const row = await this.db.selectFrom('account').select('id').where(sameEmail(email)).executeTakeFirst();
    if (row) throw emailTaken();
  }

  /** The account with this email (any case) and its password hash, for authentication only. */
  async findCredentials(email: string): Promise<{ account: Account; passwordHash: string } | undefined> {
    const row = await this.db
      .selectFrom('account')
      .select([...ACCOUNT_COLUMNS, 'password_hash'])
      .where(sameEmail(email))
      .executeTakeFirst();
    return row && { account: toAccount(row), passwordHash: row.password_hash };
  }

  /** Newest first: up to limit accounts with ids below `before` (all when undefined). */
  async listNewestFirst(limit: number, before: string | undefined): Promise<Account[]> {
    let query = this.db.selectFrom('account').select(ACCOUNT_COLUMNS).orderBy('id', 'desc').limit(limit);
    if (before !== undefined) query = query.where('id', '<', before);
    return (await query.execute()).map(toAccount);
  }

  async count(): Promise<number> {
    const { count } = await this.db
      .selectFrom('account')
      .select((eb) => eb.fn.countAll<bigint>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(count);
  }
}
