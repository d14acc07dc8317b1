import { sql, type Kysely } from 'kysely';

/*
 * Sessions: one per login, the family of refresh tokens descended from it. A refresh token is
 * stored only as its SHA-256; a used token stays (used_time set) so that presenting it again is
 * recognised as reuse and revokes its session.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('session')
    .addColumn('id', 'uuid', (column) => column.primaryKey())
    .addColumn('account_id', 'uuid', (column) => column.notNull().references('account.id').onDelete('cascade'))
    .addColumn('create_time', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('expire_time', 'timestamptz', (column) => column.notNull())
    .addColumn('revoke_time', 'timestamptz')
    .execute();
  await db.schema.createIndex('session_account_id_idx').on('session').column('account_id').execute();
  await db.schema
    .createTable('refresh_token')
    // Hex SHA-256 of the token: tokens carry 256 random bits, so a plain hash cannot be reversed.
    .addColumn('token_hash', 'text', (column) => column.primaryKey())
    .addColumn('session_id', 'uuid', (column) => column.notNull().references('session.id').onDelete('cascade'))
    .addColumn('create_time', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('expire_time', 'timestamptz', (column) => column.notNull())
    .addColumn('used_time', 'timestamptz')
    .execute();
  await db.schema.createIndex('refresh_token_session_id_idx').on('refresh_token').column('session_id').execute();
}
