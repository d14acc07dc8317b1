import type { Migration } from 'kysely';
import { consumerMigration } from '@emporium/kit/consumer.js';
import * as createMail from './0001_create_mail.js';

/** Every migration, by name; names sort in the order they apply. Forward-only: never edit one that shipped. */
export const migrations: Record<string, Migration> = {
  '0001_create_mail': createMail,
  // The kit's consumer tables: processed_event, consumer_aggregate, parked_event.
  '0002_consumer': consumerMigration,
};
