import { DomainError } from '@emporium/kit/errors.js';
import type { Money } from '@emporium/kit/money.js';

// The notification service's domain: the business facts it mails about (as the events report
// them), a mail and its delivery states, and what it needs from others: the Account service (who
// an order's customer is), a mail store, and an SMTP server (the ports). Everything else in src/
// imports from here; this imports nothing of the service's own.

/** Someone a mail is for. */
export interface Recipient {
  readonly name: string;
  readonly email: string;
}

/** An account was created (AccountCreated): the welcome mail. */
export interface CreatedAccount {
  readonly accountId: string;
  readonly name: string;
  readonly email: string;
}

/** One line of a placed order, as the reservation priced it. */
export interface OrderLine {
  readonly productId: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPrice: Money;
}

/** An order was placed (OrderPlaced): the confirmation, from the event's snapshot alone. */
export interface PlacedOrder {
  readonly orderId: string;
  readonly accountId: string;
  readonly lines: readonly OrderLine[];
  readonly total: Money;
}

/** A placed order was cancelled (OrderCancelled): the cancellation notice. */
export interface CancelledOrder {
  readonly orderId: string;
  readonly accountId: string;
}

/** What a mail is about; with the subject's id it makes the mail's fact, its identity. */
export type MailKind = 'welcome' | 'order-confirmed' | 'order-cancelled';

/** The business fact a mail reports, e.g. "order-confirmed:<order id>": at most one mail each. */
export function factOf(kind: MailKind, subjectId: string): string {
  return `${kind}:${subjectId}`;
}

/**
 * The Message-ID of a fact's mail: the same every time it is rendered, so a receiver can recognise
 * a second delivery of it (a replica that died between the SMTP server's answer and recording it).
 */
export function messageIdOf(kind: MailKind, subjectId: string, host: string): string {
  return `<${kind}.${subjectId}@${host}>`;
}

/** What a mail says: subject, plain text and HTML. */
export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** A mail to queue. */
export interface NewMail extends RenderedMail {
  readonly id: string;
  readonly fact: string;
  readonly accountId: string;
  readonly recipient: Recipient;
  readonly messageId: string;
  /** The event the mail was queued for, kept for tracing a mail back. */
  readonly eventId: string | undefined;
}

export type MailStatus = 'PENDING' | 'SENT' | 'FAILED';

/** A mail as operators see it: what it is and what became of it (not its bodies). */
export interface Mail {
  readonly id: string;
  readonly fact: string;
  readonly accountId: string;
  readonly recipient: string;
  readonly subject: string;
  readonly messageId: string;
  readonly status: MailStatus;
  readonly attempts: number;
  readonly lastError: string | undefined;
  readonly createTime: Date;
  readonly nextAttemptTime: Date | undefined;
  readonly sentTime: Date | undefined;
}

/** A mail the sender claimed, with everything delivering it takes. */
export interface OutgoingMail extends RenderedMail {
  readonly id: string;
  readonly fact: string;
  readonly recipient: Recipient;
  readonly messageId: string;
  /** This attempt's number: 1 for the first. */
  readonly attempt: number;
}

/** What one delivery attempt came to. */
export type DeliveryResult =
  | { readonly kind: 'sent'; readonly response: string }
  /** Worth another attempt later: an SMTP 4xx, no connection, a timeout. */
  | { readonly kind: 'temporary'; readonly error: string }
  /** Never worth another attempt: an SMTP 5xx answer. */
  | { readonly kind: 'permanent'; readonly error: string };

/** What the service needs of an SMTP server. */
export interface MailTransport {
  deliver(mail: OutgoingMail): Promise<DeliveryResult>;
  close(): void;
}

/** What the service needs from the Account service. */
export interface RecipientDirectory {
  /** undefined when no account has this id; throws when it cannot tell (Account unreachable). */
  recipientOf(accountId: string): Promise<Recipient | undefined>;
}

/** Where a mail is queued: one consumer transaction's view of the mail table. */
export interface MailQueue {
  /** Queues the mail unless its fact has one already; true when it was queued. */
  insert(mail: NewMail): Promise<boolean>;
}

/** The shop as mails name and link it. */
export interface Shop {
  readonly name: string;
  /** Without a trailing slash. */
  readonly url: string;
  /** The host of Message-IDs. */
  readonly host: string;
}

/**
 * An order's account is unknown to the Account service: asking again will not change that, so the
 * event that needs it is parked rather than redelivered.
 */
export class UnknownRecipientError extends DomainError {
  constructor(readonly accountId: string) {
    super('NOT_FOUND', `no account has id ${accountId}`, { reason: 'ACCOUNT_NOT_FOUND' });
  }
}

/** Longest last_error kept: an SMTP answer, cut. */
export const MAX_ERROR_LENGTH = 1_000;
