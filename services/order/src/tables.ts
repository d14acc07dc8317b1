import type { ColumnType, sql } from 'kysely';
import type { OrderStatus, Rejection } from './model.js';

// The order database's tables as Kysely sees them: the repository's business, not the domain's.

export interface OrdersTable {
  id: string;
  account_id: string;
  status: OrderStatus;
  idempotency_key: string | null;
  request_fingerprint: string;
  currency_code: string | null;
  total_minor: bigint | null;
  rejection: ColumnType<Rejection | null, string | null, string | null>;
  release_pending: ColumnType<boolean, boolean | undefined, boolean>;
  create_time: ColumnType<Date, Date | undefined, never>;
  update_time: ColumnType<Date, Date | undefined, Date | ReturnType<typeof sql>>;
  /** 1 when written (the default), set to version + 1 by every status change. */
  version: ColumnType<bigint, never, ReturnType<typeof sql>>;
}

export interface OrderLineTable {
  order_id: string;
  line_no: number;
  product_id: string;
  quantity: number;
  name: string | null;
  unit_price_minor: bigint | null;
}

export interface OrderDatabase {
  orders: OrdersTable;
  order_line: OrderLineTable;
}
