import type { Migration } from 'kysely';
import { outboxMigration } from '@emporium/kit/outbox.js';
import * as createOrders from './0001_create_orders.js';
import * as orderVersion from './0002_order_version.js';

/** Every migration, by name; names sort in the order they apply. Forward-only: never edit one that shipped. */
export const migrations: Record<string, Migration> = {
  '0001_create_orders': createOrders,
  '0002_order_version': orderVersion,
  '0003_outbox': outboxMigration,
};
