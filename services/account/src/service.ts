import { z } from 'zod';
import { invalidArgument, notFound, unauthenticated } from '@emporium/kit/errors.js';
import { batchGet } from '@emporium/kit/batch.js';
import { newId, parseId } from '@emporium/kit/ids.js';
import { decodePageToken, keysetPage, parsePageSize } from '@emporium/kit/pagination.js';
import { parseText } from '@emporium/kit/text.js';
import {
  MAX_EMAIL_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  type Account,
  type AccountPage,
  type NewAccountInput,
} from './model.js';
import type { AccountRepository } from './repository.js';
import type { PasswordHasher } from './password.js';

// local@domain.tld: no spaces or angle brackets, a dotted domain; any script.
const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@(?:[^\s@<>()[\]\\,;:".]+\.)+[^\s@<>()[\]\\,;:".]{2,}$/u;
const LIST_SCOPE = { list: 'accounts' };
const pageKey = z.object({ id: z.uuid() });

function parseEmail(value: string): string {
  const email = parseText(value, 'email', { min: 1, max: MAX_EMAIL_LENGTH });
  if (!EMAIL.test(email)) throw invalidArgument('email', 'is not a valid email address');
  return email;
}

function parsePassword(value: string): string {
  if (!value.isWellFormed()) throw invalidArgument('password', 'is not valid Unicode text');
  const length = [...value].length;
  if (length < MIN_PASSWORD_LENGTH) throw invalidArgument('password', `must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (length > MAX_PASSWORD_LENGTH) throw invalidArgument('password', `must have at most ${MAX_PASSWORD_LENGTH} characters`);
  return value;
}

export class AccountService {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly passwords: PasswordHasher,
  ) {}

  async createAccount(input: NewAccountInput): Promise<Account> {
    const name = parseText(input.name, 'name', { min: 1, max: MAX_NAME_LENGTH });
    const email = parseEmail(input.email);
    const password = parsePassword(input.password);
    // A burst is refused before it costs a lookup; a taken email is answered before hashing, the
    // costly part (a racing insert still meets the unique index). It tells the caller nothing
    // ALREADY_EXISTS would not.
    this.passwords.checkCapacity('signUp');
    await this.accounts.assertEmailFree(email);
    const passwordHash = await this.passwords.hash(password);
    return this.accounts.insert({ id: newId(), name, email, role: input.role, passwordHash });
  }

  async getAccount(id: string): Promise<Account> {
    const account = await this.accounts.findById(parseId(id, 'id'));
    if (!account) throw notFound(`no account has id ${id}`, 'id');
    return account;
  }

  /** The accounts in the order asked (duplicates repeated) and the ids that name none. */
  async batchGetAccounts(ids: readonly string[]): Promise<{ accounts: Account[]; notFoundIds: string[] }> {
    const { found, notFoundIds } = await batchGet(ids, (distinct) => this.accounts.findByIds(distinct));
    return { accounts: found, notFoundIds };
  }

  async listAccounts(pageSize: number, pageToken: string): Promise<AccountPage> {
    const size = parsePageSize(pageSize);
    const after = decodePageToken(pageToken, LIST_SCOPE, pageKey);
    const [rows, totalSize] = await Promise.all([
      this.accounts.listNewestFirst(size + 1, after?.id),
      this.accounts.count(),
    ]);
    const { items: accounts, nextPageToken } = keysetPage(rows, size, LIST_SCOPE, (last) => ({ id: last.id }));
    return { accounts, nextPageToken, totalSize };
  }

  /** The account if the password is right; one answer for unknown email and wrong password alike. */
  async authenticate(email: string, password: string): Promise<Account> {
    const rejected = unauthenticated('email or password is incorrect');
    if (email === '' || password === '' || !password.isWellFormed() || [...password].length > MAX_PASSWORD_LENGTH) {
      throw rejected;
    }
    this.passwords.checkCapacity('logIn');
    const credentials = await this.accounts.findCredentials(email.normalize('NFC').trim());
    const ok = credentials
      ? await this.passwords.verify(password, credentials.passwordHash)
      : await this.passwords.verifyDecoy(password);
    if (!ok || !credentials) throw rejected;
    return credentials.account;
  }
}
