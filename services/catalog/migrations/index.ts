import type { Migration } from 'kysely';
import { outboxMigration } from '@emporium/kit/outbox.js';
import * as createProduct from './0001_create_product.js';
import * as createReservation from './0002_create_reservation.js';
import * as productVersion from './0003_product_version.js';

/** Every migration, by name; names sort in the order they apply. Forward-only: never edit one that shipped. */
export const migrations: Record<string, Migration> = {
  '0001_create_product': createProduct,
  '0002_create_reservation': createReservation,
  '0003_product_version': productVersion,
  '0004_outbox': outboxMigration,
};
