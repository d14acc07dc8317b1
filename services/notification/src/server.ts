import { MailStatus as ProtoStatus, NotificationServiceService, type Mail as ProtoMail } from '@emporium/contracts/emporium/notification/v1/notification.js';
import { grpcService, type GrpcService } from '@emporium/kit/grpc-server.js';
import type { Mail, MailStatus } from './model.js';
import type { NotificationService } from './service.js';

const statusToProto: Record<MailStatus, ProtoStatus> = {
  PENDING: ProtoStatus.MAIL_STATUS_PENDING,
  SENT: ProtoStatus.MAIL_STATUS_SENT,
  FAILED: ProtoStatus.MAIL_STATUS_FAILED,
};

function toProto(mail: Mail): ProtoMail {
  return {
    id: mail.id,
    fact: mail.fact,
    accountId: mail.accountId,
    recipient: mail.recipient,
    subject: mail.subject,
    messageId: mail.messageId,
    status: statusToProto[mail.status],
    attempts: mail.attempts,
    lastError: mail.lastError ?? '',
    createTime: mail.createTime,
    nextAttemptTime: mail.nextAttemptTime,
    sentTime: mail.sentTime,
  };
}

/** The gRPC face of the notification service: proto in, domain call, proto out. */
export function notificationServer(service: NotificationService): GrpcService {
  return grpcService(NotificationServiceService, {
    getMail: async (request) => ({ mail: toProto(await service.getMail(request.id)) }),
    listMails: async (request) => {
      const page = await service.listMails(request.accountId, request.factPrefix, request.pageSize, request.pageToken);
      return { mails: page.mails.map(toProto), nextPageToken: page.nextPageToken };
    },
  });
}
