import { sql, type Kysely, type Selectable } from 'kysely';
import type { Mail, MailQueue, NewMail, OutgoingMail } from './model.js';
import type { MailTable, NotificationDatabase } from './tables.js';

type MailRow = Pick<
  Selectable<MailTable>,
  | 'id'
  | 'fact'
  | 'account_id'
  | 'recipient_email'
  | 'subject'
  | 'message_id'
  | 'status'
  | 'attempts'
  | 'last_error'
  | 'create_time'
  | 'next_attempt_time'
  | 'sent_time'
>;

const MAIL_COLUMNS = [
  'id',
  'fact',
  'account_id',
  'recipient_email',
  'subject',
  'message_id',
  'status',
  'attempts',
  'last_error',
  'create_time',
  'next_attempt_time',
  'sent_time',
] as const;

function toMail(row: MailRow): Mail {
  return {
    id: row.id,
    fact: row.fact,
    accountId: row.account_id,
    recipient: row.recipient_email,
    subject: row.subject,
    messageId: row.message_id,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error ?? undefined,
    createTime: row.create_time,
    nextAttemptTime: row.status === 'PENDING' ? row.next_attempt_time : undefined,
    sentTime: row.sent_time ?? undefined,
  };
}

/** The channel a committed mail notifies (LISTEN): the senders' wake-up. */
export const MAIL_CHANNEL = 'mail_queued';

const milliseconds = (ms: number) => sql<Date>`now() + ${ms} * interval '1 millisecond'`;

export interface MailFilter {
  readonly accountId?: string | undefined;
  readonly factPrefix?: string | undefined;
}

/**
 * The mail table. Built on the database for the sender and the API, or on a consumer's transaction
 * (a Kysely Transaction is a Kysely) for queuing, so a mail commits with the event's processed row.
 */
export class MailRepository implements MailQueue {
  constructor(private readonly db: Kysely<NotificationDatabase>) {}

  /**
   * Inserts the mail unless its fact has one. A concurrent transaction queuing the same fact makes
   * this wait for its commit (the unique index), then insert nothing. A mail inserted notifies
   * MAIL_CHANNEL in the same statement: every replica's sender hears of it when it commits.
   */
  async insert(mail: NewMail): Promise<boolean> {
    const inserted = await this.db
      .with('queued', (db) =>
        db
          .insertInto('mail')
          .values({
            id: mail.id,
            fact: mail.fact,
            account_id: mail.accountId,
            recipient_email: mail.recipient.email,
            recipient_name: mail.recipient.name,
            subject: mail.subject,
            body_text: mail.text,
            body_html: mail.html,
            message_id: mail.messageId,
            event_id: mail.eventId ?? null,
            last_error: null,
            sent_time: null,
          })
          .onConflict((conflict) => conflict.column('fact').doNothing())
          .returning('id'),
      )
      .selectFrom('queued')
      .select(['queued.id', sql<string>`pg_notify(${MAIL_CHANNEL}, '')`.as('notified')])
      .executeTakeFirst();
    return inserted !== undefined;
  }

  /**
   * Claims up to `limit` due mails for `leaseMs`: each gets its next attempt counted and its due
   * time moved past the lease, in one statement. Rows another replica is claiming are skipped,
   * not waited for, and a claimed row is not due again until its lease ran out.
   */
  async claimDue(limit: number, leaseMs: number): Promise<OutgoingMail[]> {
    const rows = await this.db
      .updateTable('mail')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_time: milliseconds(leaseMs) }))
      .where(
        'id',
        'in',
        this.db
          .selectFrom('mail')
          .select('id')
          .where('status', '=', 'PENDING')
          .where('next_attempt_time', '<=', sql<Date>`now()`)
          .orderBy('next_attempt_time')
          .limit(limit)
          .forUpdate()
          .skipLocked(),
      )
      .returning(['id', 'fact', 'recipient_email', 'recipient_name', 'subject', 'body_text', 'body_html', 'message_id', 'attempts'])
      .execute();
    return rows.map((row) => ({
      id: row.id,
      fact: row.fact,
      recipient: { email: row.recipient_email, name: row.recipient_name },
      subject: row.subject,
      text: row.body_text,
      html: row.body_html,
      messageId: row.message_id,
      attempt: row.attempts,
    }));
  }

  /*
   * The outcome of an attempt is recorded only while the mail is still that attempt's: should a
   * lease have run out and another replica claimed the mail again, the later attempt's word stands.
   */

  async markSent(id: string, attempt: number): Promise<void> {
    await this.db
      .updateTable('mail')
      .set({ status: 'SENT', sent_time: sql<Date>`now()` })
      .where('id', '=', id)
      .where('status', '=', 'PENDING')
      .where('attempts', '=', attempt)
      .execute();
  }

  async markRetry(id: string, attempt: number, error: string, delayMs: number): Promise<void> {
    await this.db
      .updateTable('mail')
      .set({ last_error: error, next_attempt_time: milliseconds(delayMs) })
      .where('id', '=', id)
      .where('status', '=', 'PENDING')
      .where('attempts', '=', attempt)
      .execute();
  }

  async markFailed(id: string, attempt: number, error: string): Promise<void> {
    await this.db
      .updateTable('mail')
      .set({ status: 'FAILED', last_error: error })
      .where('id', '=', id)
      .where('status', '=', 'PENDING')
      .where('attempts', '=', attempt)
      .execute();
  }

  async findById(id: string): Promise<Mail | undefined> {
    const row = await this.db.selectFrom('mail').select(MAIL_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row && toMail(row);
  }

  /** Mails matching the filter, newest first, with ids below `before`. */
  async listNewestFirst(filter: MailFilter, limit: number, before: string | undefined): Promise<Mail[]> {
    let query = this.db.selectFrom('mail').select(MAIL_COLUMNS).orderBy('id', 'desc').limit(limit);
    if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
    if (filter.factPrefix !== undefined) query = query.where(sql<boolean>`starts_with(fact, ${filter.factPrefix})`);
    if (before !== undefined) query = query.where('id', '<', before);
    return (await query.execute()).map(toMail);
  }

  /** PENDING mails and the age in seconds of the oldest (0 when none), from the partial index mail_due. */
  async pendingStats(): Promise<{ pending: number; oldestAgeSeconds: number }> {
    const row = await this.db
      .selectFrom('mail')
      .select([
        (eb) => eb.fn.countAll<bigint>().as('pending'),
        sql<string | null>`extract(epoch from now() - min(create_time))::text`.as('age'),
      ])
      .where('status', '=', 'PENDING')
      .executeTakeFirstOrThrow();
    return { pending: Number(row.pending), oldestAgeSeconds: row.age == null ? 0 : Math.max(0, Number(row.age)) };
  }
}
