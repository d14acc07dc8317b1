import { setTimeout as sleep } from 'node:timers/promises';
import type { AccountClient } from '@emporium/account/client.js';
import { Role } from '@emporium/contracts/emporium/account/v1/account.js';
import { isDomainError } from '@emporium/kit/errors.js';
import type { Logger } from '@emporium/kit/logger.js';

export interface AdminSpec {
  readonly email: string;
  readonly password: string;
  readonly name: string;
}

/**
 * Makes sure the configured administrator exists: creates it if missing. The account service
 * keeps emails unique, so a second start (or a second replica starting at the same moment) finds
 * ALREADY_EXISTS and creates nothing. An existing account is never changed: if its password or
 * role differ from the configuration, that is logged for the operator, not "fixed".
 * Asks first whether the administrator can log in — the usual case on every start after the first,
 * and one password hash instead of two. Waits for the account service while it is unavailable,
 * up to waitMs.
 */
export async function bootstrapAdmin(accounts: AccountClient, admin: AdminSpec, log: Logger, waitMs = 120_000): Promise<void> {
  const giveUpAt = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      if (await isAdministrator(accounts, admin)) {
        log.info({ email: admin.email }, 'administrator already exists');
        return;
      }
      await accounts.createAccount({ name: admin.name, email: admin.email, password: admin.password, role: Role.ROLE_ADMIN });
      log.info({ email: admin.email }, 'administrator created');
      return;
    } catch (error) {
      if (isDomainError(error, 'ALREADY_EXISTS')) return checkExisting(accounts, admin, log);
      if (!isDomainError(error, 'UNAVAILABLE') || Date.now() > giveUpAt) throw error;
      log.warn({ attempt }, 'account service unavailable; retrying the administrator bootstrap');
      // Short steps: on `npm start` the account service is typically a second or two behind us.
      await sleep(Math.min(500, 50 * 2 ** attempt));
    }
  }
}

/** True when the configured credentials log in as an administrator; false when they do not log in. */
async function isAdministrator(accounts: AccountClient, admin: AdminSpec): Promise<boolean> {
  try {
    const { account } = await accounts.authenticateAccount({ email: admin.email, password: admin.password });
    return account?.role === Role.ROLE_ADMIN;
  } catch (error) {
    if (isDomainError(error, 'UNAUTHENTICATED')) return false;
    throw error;
  }
}

async function checkExisting(accounts: AccountClient, admin: AdminSpec, log: Logger): Promise<void> {
  try {
    const { account } = await accounts.authenticateAccount({ email: admin.email, password: admin.password });
    if (account?.role === Role.ROLE_ADMIN) log.info({ email: admin.email }, 'administrator already exists');
    else log.error({ email: admin.email }, 'ADMIN_EMAIL belongs to a customer account; no administrator was created');
  } catch (error) {
    if (!isDomainError(error, 'UNAUTHENTICATED')) throw error;
    log.warn({ email: admin.email }, 'an account with ADMIN_EMAIL exists but ADMIN_PASSWORD does not match it; left unchanged');
  }
}
