import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mail')
    .addColumn('id', 'uuid', (column) => column.primaryKey())
    // The business fact the mail reports ("order-confirmed:<order id>"): one mail per fact, however
    // many events report it.
    .addColumn('fact', 'text', (column) => column.notNull().unique())
    .addColumn('account_id', 'uuid', (column) => column.notNull())
    .addColumn('recipient_email', 'text', (column) => column.notNull())
    .addColumn('recipient_name', 'text', (column) => column.notNull())
    // Rendered when queued, so what is sent is what the event said, however late it is sent.
    .addColumn('subject', 'text', (column) => column.notNull())
    .addColumn('body_text', 'text', (column) => column.notNull())
    .addColumn('body_html', 'text', (column) => column.notNull())
    .addColumn('message_id', 'text', (column) => column.notNull().unique())
    .addColumn('event_id', 'uuid')
    .addColumn('status', 'text', (column) =>
      column.notNull().defaultTo('PENDING').check(sql`status in ('PENDING', 'SENT', 'FAILED')`),
    )
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    // When a PENDING mail is due; a claim moves it on by the lease, so no other replica takes it meanwhile.
    .addColumn('next_attempt_time', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('create_time', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('sent_time', 'timestamptz')
    .execute();
  // The sender's look-up reads only the few PENDING rows.
  await db.schema
    .createIndex('mail_due')
    .on('mail')
    .column('next_attempt_time')
    .where(sql.ref('status'), '=', 'PENDING')
    .execute();
  await db.schema.createIndex('mail_account_newest').on('mail').columns(['account_id', 'id desc']).execute();
}
