import { sql, type Kysely } from 'kysely';

/*
 * A product's version: 1 when it is created, one more with every change of its name, description,
 * price or stock (an update, a reservation, a release). Its events carry it, so that consumers
 * can tell an old event from a newer one whatever order they arrive in. A constant default adds
 * the column without rewriting the table; products that existed before start at 1.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table product add column version bigint not null default 1`.execute(db);
}
