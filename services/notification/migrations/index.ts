import type { Migration } from 'kysely';
import * as createMail from './0001_create_mail.js';

/** Every migration, by name; names sort in the order they apply. Forward-only: never edit one that shipped. */
export const migrations: Record<string, Migration> = {
  '0001_create_mail': createMail,
};
