import type { ColumnType } from 'kysely';
import type { MailStatus } from './model.js';

// The notification database's tables as Kysely sees them: the repository's business, not the domain's.

export interface MailTable {
  id: string;
  fact: string;
  account_id: string;
  recipient_email: string;
  recipient_name: string;
  subject: string;
  body_text: string;
  body_html: string;
  message_id: string;
  event_id: string | null;
  status: ColumnType<MailStatus, MailStatus | undefined, MailStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  next_attempt_time: ColumnType<Date, Date | undefined, Date>;
  create_time: ColumnType<Date, Date | undefined, never>;
  sent_time: Date | null;
}

export interface NotificationDatabase {
  mail: MailTable;
}
