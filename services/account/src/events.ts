import { AccountCreated } from '@emporium/contracts/emporium/account/v1/events.js';
import { Role as ProtoRole } from '@emporium/contracts/emporium/account/v1/account.js';
import { defineEvent } from '@emporium/kit/events.js';
import type { Account } from './model.js';

// The events the account service publishes (subject emporium.account.v1.<Event>), and how a change
// of the model becomes one. The repository records them in the transaction of the change.

export const accountCreated = defineEvent<AccountCreated>('emporium.account.v1.AccountCreated', AccountCreated);

/** An account has one version until something can change it: the one it was created with. */
const CREATED_VERSION = 1;

/** The AccountCreated event of a new account, for recordEvent. */
export function accountCreatedEvent(account: Account) {
  return {
    type: accountCreated,
    aggregateId: account.id,
    aggregateVersion: CREATED_VERSION,
    payload: {
      accountId: account.id,
      name: account.name,
      email: account.email,
      role: account.role === 'ADMIN' ? ProtoRole.ROLE_ADMIN : ProtoRole.ROLE_CUSTOMER,
      version: String(CREATED_VERSION),
      createTime: account.createTime,
    },
  };
}
