import { z } from 'zod';
import { invalidArgument, notFound } from '@emporium/kit/errors.js';
import { newId, parseId } from '@emporium/kit/ids.js';
import { decodePageToken, keysetPage, parsePageSize } from '@emporium/kit/pagination.js';
import { mailQueued } from './metrics.js';
import {
  UnknownRecipientError,
  factOf,
  messageIdOf,
  type CancelledOrder,
  type CreatedAccount,
  type Mail,
  type MailKind,
  type MailQueue,
  type PlacedOrder,
  type Recipient,
  type RecipientDirectory,
  type RenderedMail,
  type Shop,
} from './model.js';
import type { MailRepository } from './repository.js';
import { renderCancellation, renderOrderConfirmation, renderWelcome } from './templates.js';

// What the shop mails about and to whom: each business fact becomes at most one queued mail,
// rendered at once from what the event said. Delivering queued mails is the sender's (sender.ts),
// which the queuing transaction's commit wakes (repository.ts, MAIL_CHANNEL).

const pageKey = z.object({ id: z.uuid() });
const MAX_FACT_PREFIX_LENGTH = 200;

export interface MailPage {
  readonly mails: Mail[];
  readonly nextPageToken: string;
}

export class NotificationService {
  constructor(
    private readonly mails: MailRepository,
    private readonly recipients: RecipientDirectory,
    private readonly shop: Shop,
  ) {}

  /** The welcome mail of a new account; the event carries its address. */
  accountCreated(queue: MailQueue, account: CreatedAccount, eventId?: string): Promise<boolean> {
    const recipient = { name: account.name, email: account.email };
    return this.queue(queue, 'welcome', account.accountId, account.accountId, recipient, renderWelcome(this.shop, account), eventId);
  }

  /** The order confirmation, priced from the event's snapshot: the Catalog is never asked. */
  async orderPlaced(queue: MailQueue, order: PlacedOrder, eventId?: string): Promise<boolean> {
    const recipient = await this.recipientOf(order.accountId);
    const rendered = renderOrderConfirmation(this.shop, recipient, order);
    return this.queue(queue, 'order-confirmed', order.orderId, order.accountId, recipient, rendered, eventId);
  }

  async orderCancelled(queue: MailQueue, order: CancelledOrder, eventId?: string): Promise<boolean> {
    const recipient = await this.recipientOf(order.accountId);
    const rendered = renderCancellation(this.shop, recipient, order);
    return this.queue(queue, 'order-cancelled', order.orderId, order.accountId, recipient, rendered, eventId);
  }

  /** An unknown account is final (UnknownRecipientError); an unreachable Account service throws as it is. */
  private async recipientOf(accountId: string): Promise<Recipient> {
    const recipient = await this.recipients.recipientOf(accountId);
    if (recipient === undefined) throw new UnknownRecipientError(accountId);
    return recipient;
  }

  private async queue(
    queue: MailQueue,
    kind: MailKind,
    subjectId: string,
    accountId: string,
    recipient: Recipient,
    rendered: RenderedMail,
    eventId: string | undefined,
  ): Promise<boolean> {
    const queued = await queue.insert({
      id: newId(),
      fact: factOf(kind, subjectId),
      accountId,
      recipient,
      messageId: messageIdOf(kind, subjectId, this.shop.host),
      eventId,
      ...rendered,
    });
    if (queued) mailQueued(kind);
    return queued;
  }

  async getMail(id: string): Promise<Mail> {
    const mail = await this.mails.findById(parseId(id, 'id'));
    if (!mail) throw notFound(`no mail has id ${id}`, 'id');
    return mail;
  }

  /** Mails newest first, of one account and/or with facts starting with a prefix (empty: any). */
  async listMails(accountId: string, factPrefix: string, pageSize: number, pageToken: string): Promise<MailPage> {
    const filter = {
      accountId: accountId === '' ? undefined : parseId(accountId, 'account_id'),
      factPrefix: factPrefix === '' ? undefined : factPrefix,
    };
    if (factPrefix.length > MAX_FACT_PREFIX_LENGTH) {
      throw invalidArgument('fact_prefix', `must be at most ${MAX_FACT_PREFIX_LENGTH} characters`);
    }
    const size = parsePageSize(pageSize);
    const scope = { mails: filter };
    const after = decodePageToken(pageToken, scope, pageKey);
    const rows = await this.mails.listNewestFirst(filter, size + 1, after?.id);
    const { items: mails, nextPageToken } = keysetPage(rows, size, scope, (last) => ({ id: last.id }));
    return { mails, nextPageToken };
  }
}
