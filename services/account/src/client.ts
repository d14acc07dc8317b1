import { AccountServiceService } from '@emporium/contracts/emporium/account/v1/account.js';
import { createGrpcClient, type ClientTuning, type PromiseClient } from '@emporium/kit/grpc-client.js';

/**
 * The key two e-mail addresses are one account by (Unicode full case folding): anyone who counts
 * or matches addresses the way this service does (the gateway's per-address login budget) uses it.
 */
export { emailKey } from './email-key.js';

export type AccountClient = PromiseClient<typeof AccountServiceService>;

/** Default deadline per call and retry tuning (see the kit's GrpcClientOptions). */
export type AccountClientOptions = ClientTuning;

/** The typed client other services and the gateway use. Reads and revocations are retried on UNAVAILABLE; creation and refresh are not. */
export function createAccountClient(address: string, options: AccountClientOptions = {}): AccountClient {
  return createGrpcClient(AccountServiceService, {
    address,
    // Never refreshSession: a retry of a refresh that was done would present a used token, which is reuse.
    idempotent: ['getAccount', 'batchGetAccounts', 'listAccounts', 'authenticateAccount', 'revokeSession'],
    ...options,
  });
}
