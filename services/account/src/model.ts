// The account service's domain: what an account and a session are, what the rules allow, and what
// the service asks of its repositories. Everything else in src/ imports from here; this imports
// nothing of the service's own.

export type Role = 'CUSTOMER' | 'ADMIN';

export interface Account {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly role: Role;
  readonly createTime: Date;
}

export interface NewAccountInput {
  readonly name: string;
  readonly email: string;
  readonly password: string;
  readonly role: Role;
}

export interface AccountPage {
  readonly accounts: Account[];
  readonly nextPageToken: string;
  readonly totalSize: number;
}

/** What the repository stores for a new account: validated, the password already hashed. */
export interface NewAccount {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly role: Role;
  readonly passwordHash: string;
}

export interface Session {
  readonly id: string;
  readonly accountId: string;
  readonly createTime: Date;
  /** When the current refresh token stops being accepted (each rotation moves it on). */
  readonly expireTime: Date;
  readonly revokeTime: Date | undefined;
}

export type Refreshed =
  | { readonly reused: false; readonly session: Session; readonly account: Account; readonly refreshToken: string }
  | { readonly reused: true; readonly session: Session };

/** What presenting a refresh token came to (see SessionRepository.rotate). */
export type Rotation =
  | { readonly kind: 'rotated'; readonly session: Session }
  | { readonly kind: 'reused'; readonly session: Session }
  | { readonly kind: 'refused' };

/** Account names are 1 to this many characters (of any script). */
export const MAX_NAME_LENGTH = 100;
export const MAX_EMAIL_LENGTH = 254;
export const MIN_PASSWORD_LENGTH = 8;
// Long enough for any passphrase, short enough that hashing it cannot be used to burn CPU.
export const MAX_PASSWORD_LENGTH = 1024;

/** A refresh token's lifetime, in seconds: 0 asks for the default. */
export const MIN_TTL_SECONDS = 60;
export const MAX_TTL_SECONDS = 366 * 24 * 3600;
export const DEFAULT_TTL_SECONDS = 30 * 24 * 3600;
