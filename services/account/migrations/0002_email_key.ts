import { sql, type Kysely } from 'kysely';
import { emailKey } from '../src/email-key.js';

const BATCH = 500;

/**
 * Emails are unique by a key computed in TypeScript (src/email-key.ts: NFD, Unicode full case
 * folding, NFC) instead of SQL lower(), which depends on the database's collation and did not
 * agree with the lookups' toLowerCase() (final sigma). Existing rows get their key, oldest first;
 * a row whose email is the same as an older account's under the new rule (two accounts the old
 * comparison kept apart) keeps a null key: it can no longer log in by email until an operator
 * changes one of the two emails.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table account add column email_key text`.execute(db);
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await sql<{ id: string; email: string }>`
      select id::text as id, email from account where id > ${after}::uuid order by id limit ${BATCH}`.execute(db);
    const last = rows.at(-1);
    if (last === undefined) break;
    // The oldest account of each key in this batch; older batches already hold theirs.
    const firsts = new Map<string, string>();
    for (const row of rows) {
      const key = emailKey(row.email);
      if (!firsts.has(key)) firsts.set(key, row.id);
    }
    const values = sql.join([...firsts].map(([key, id]) => sql`(${id}::uuid, ${key})`));
    await sql`
      update account set email_key = v.key from (values ${values}) as v (id, key)
      where account.id = v.id and not exists (select 1 from account older where older.email_key = v.key)`.execute(db);
    after = last.id;
  }
  await sql`drop index account_email_key`.execute(db);
  await sql`create unique index account_email_key on account (email_key)`.execute(db);
}
