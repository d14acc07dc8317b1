import type { Migration } from 'kysely';
import * as createOrders from './0001_create_orders.js';

/** Every migration, by name; names sort in the order they apply. Forward-only: never edit one that shipped. */
export const migrations: Record<string, Migration> = {
  '0001_create_orders': createOrders,
};
