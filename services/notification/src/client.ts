import { NotificationServiceService } from '@emporium/contracts/emporium/notification/v1/notification.js';
import { createGrpcClient, type ClientTuning, type PromiseClient } from '@emporium/kit/grpc-client.js';

export type NotificationClient = PromiseClient<typeof NotificationServiceService>;

/** Default deadline per call and retry tuning (see the kit's GrpcClientOptions). */
export type NotificationClientOptions = ClientTuning;

/** The typed client operators' tools and tests use; every call only reads, so all are retried on UNAVAILABLE. */
export function createNotificationClient(address: string, options: NotificationClientOptions = {}): NotificationClient {
  return createGrpcClient(NotificationServiceService, {
    address,
    idempotent: ['getMail', 'listMails'],
    ...options,
  });
}
