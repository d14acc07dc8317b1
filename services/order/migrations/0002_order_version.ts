import { sql, type Kysely } from 'kysely';

/*
 * An order's version: 1 when it is written PENDING, one more with every status change (PLACED or
 * REJECTED: 2, CANCELLED: 3). Its events carry it, so that consumers can tell an old event from a
 * newer one whatever order they arrive in. Orders that existed before get the version their
 * status implies, so the events of their later changes carry the same versions as new orders'.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table orders add column version bigint not null default 1`.execute(db);
  await sql`update orders set version = case status when 'CANCELLED' then 3 else 2 end where status <> 'PENDING'`.execute(db);
}
