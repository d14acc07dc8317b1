import type { ColumnType } from 'kysely';
import type { Role } from './model.js';

// The account database's tables as Kysely sees them: the repositories' business, not the domain's.

export interface AccountTable {
  id: string;
  name: string;
  email: string;
  /** emailKey(email); null only for an account whose email an older one already had under that rule (migration 0002). */
  email_key: ColumnType<string | null, string, string>;
  role: Role;
  password_hash: string;
  create_time: ColumnType<Date, Date | undefined, never>;
}

export interface AccountDatabase {
  account: AccountTable;
}

export interface SessionTable {
  id: string;
  account_id: string;
  create_time: ColumnType<Date, Date | undefined, never>;
  expire_time: Date;
  revoke_time: Date | null;
}

export interface RefreshTokenTable {
  token_hash: string;
  session_id: string;
  create_time: ColumnType<Date, Date | undefined, never>;
  expire_time: Date;
  used_time: Date | null;
}

export interface SessionDatabase {
  session: SessionTable;
  refresh_token: RefreshTokenTable;
}
