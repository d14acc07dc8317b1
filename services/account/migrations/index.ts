import type { Migration } from 'kysely';
import { outboxMigration } from '@emporium/kit/outbox.js';
import * as createAccount from './0001_create_account.js';
import * as emailKey from './0002_email_key.js';
import * as session from './0003_session.js';

/** Every migration, by name; names sort in the order they apply. Forward-only: never edit one that shipped. */
export const migrations: Record<string, Migration> = {
  '0001_create_account': createAccount,
  '0002_email_key': emailKey,
  '0003_session': session,
  '0004_outbox': outboxMigration,
};
