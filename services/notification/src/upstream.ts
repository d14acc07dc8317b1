import { isDomainError, unavailable } from '@emporium/kit/errors.js';
import type { AccountClient } from '@emporium/account/client.js';
import type { RecipientDirectory } from './model.js';

// The Account service's client behind the port the notification domain needs: proto in, domain out.

export function recipientDirectory(client: AccountClient): RecipientDirectory {
  return {
    recipientOf: async (accountId) => {
      const response = await client.getAccount({ id: accountId }).catch((error: unknown) => {
        if (isDomainError(error, 'NOT_FOUND')) return undefined;
        // Anything else says nothing about the account: the event is redelivered later.
        throw unavailable('the account service is unavailable; the mail is queued once it answers');
      });
      if (response === undefined) return undefined;
      const { account } = response;
      if (!account || account.email === '') throw new Error(`the account service answered GetAccount(${accountId}) without an address`);
      return { name: account.name, email: account.email };
    },
  };
}
