import { setTimeout as sleep } from 'node:timers/promises';
import type { AccountClient } from '@emporium/account/client.js';
import { Role } from '@emporium/contracts/emporium/account/v1/account.js';
import { retryWhileBusy } from '@emporium/kit/busy.js';
import { isDomainError } from '@emporium/kit/errors.js';
import type { Logger } from '@emporium/kit/logger.js';

const QUIET_WAIT_MS = 10_000;

/**
 * Each bootstrap call costs one password hash, which on a loaded machine or a small container can
 * take far longer than a request's backend deadline (BACKEND_DEADLINE_MS): these calls get their own.
 */
const CALL_DEADLINE_MS = 30_000;

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
 * Creating comes first: the account service answers ALREADY_EXISTS before hashing, so each start
 * costs one password hash — the new administrator's on the first, the login check's after that.
 * Waits for the account service while it is unavailable, too busy to hash, or too slow to answer
 * within a call's deadline (trying again is safe: a creation that went through is found as
 * ALREADY_EXISTS), up to waitMs.
 */
export async function bootstrapAdmin(accounts: AccountClient, admin: AdminSpec, log: Logger, waitMs = 120_000): Promise<void> {
  const startedAt = Date.now();
  const giveUpAt = startedAt + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      // A gateway starting during a sign-up burst waits its turn for the password check.
      await retryWhileBusy(() => createOrCheck(accounts, admin, log), giveUpAt);
      return;
    } catch (error) {
      const retryable = isDomainError(error, 'UNAVAILABLE') || isDomainError(error, 'DEADLINE_EXCEEDED');
      if (!retryable || Date.now() > giveUpAt) throw error;
      // Services starting side by side (npm start, a new deployment) wait a little for each other
      // as a matter of course: only a long wait is worth a warning.
      const level = Date.now() - startedAt > QUIET_WAIT_MS ? 'warn' : 'debug';
      log[level]({ attempt, code: error.kind }, 'account service unavailable or slow; retrying the administrator bootstrap');
      // Short steps while services are expected to be starting side by side (a failed attempt costs
      // next to nothing, and each step is time the shop is not up), then slower.
      await sleep(level === 'debug' ? 100 : 500);
    }
  }
}

async function createOrCheck(accounts: AccountClient, admin: AdminSpec, log: Logger): Promise<void> {
  try {
    await accounts.createAccount(
      { name: admin.name, email: admin.email, password: admin.password, role: Role.ROLE_ADMIN },
      { deadlineMs: CALL_DEADLINE_MS },
    );
    log.info({ email: admin.email }, 'administrator created');
  } catch (error) {
    if (!isDomainError(error, 'ALREADY_EXISTS')) throw error;
    await checkExisting(accounts, admin, log);
  }
}

async function checkExisting(accounts: AccountClient, admin: AdminSpec, log: Logger): Promise<void> {
  try {
    const { account } = await accounts.authenticateAccount(
      { email: admin.email, password: admin.password },
      { deadlineMs: CALL_DEADLINE_MS },
    );
    if (account?.role === Role.ROLE_ADMIN) log.info({ email: admin.email }, 'administrator already exists');
    else log.error({ email: admin.email }, 'ADMIN_EMAIL belongs to a customer account; no administrator was created');
  } catch (error) {
    if (!isDomainError(error, 'UNAUTHENTICATED')) throw error;
    log.warn({ email: admin.email }, 'an account with ADMIN_EMAIL exists but ADMIN_PASSWORD does not match it; left unchanged');
  }
}
