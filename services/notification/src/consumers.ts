import type { Transaction } from 'kysely';
import { parseId } from '@emporium/kit/ids.js';
import { moneyFromProto } from '@emporium/kit/money.js';
import { invalidArgument } from '@emporium/kit/errors.js';
import type { Money as ProtoMoney } from '@emporium/contracts/emporium/type/v1/money.js';
import type { CancelledOrder, CreatedAccount, PlacedOrder } from './model.js';
import { MailRepository } from './repository.js';
import type { NotificationService } from './service.js';
import type { NotificationDatabase } from './tables.js';

// The events this service consumes, at the edge: each payload (the producers' proto messages) is
// validated and turned into the domain's fact once, then queued in the consumer's transaction.

/** What this service reads of emporium.account.v1.AccountCreated. */
export interface AccountCreatedPayload {
  readonly accountId: string;
  readonly name: string;
  readonly email: string;
}

/** What this service reads of emporium.order.v1.OrderPlaced. */
export interface OrderPlacedPayload {
  readonly orderId: string;
  readonly accountId: string;
  readonly lines: ReadonlyArray<{
    readonly productId: string;
    readonly name: string;
    readonly quantity: number;
    readonly unitPrice?: ProtoMoney | undefined;
  }>;
  readonly total?: ProtoMoney | undefined;
}

/** What this service reads of emporium.order.v1.OrderCancelled. */
export interface OrderCancelledPayload {
  readonly orderId: string;
  readonly accountId: string;
}

export function createdAccountOf(payload: AccountCreatedPayload): CreatedAccount {
  if (payload.email === '') throw invalidArgument('email', 'is required');
  return { accountId: parseId(payload.accountId, 'account_id'), name: payload.name, email: payload.email };
}

export function placedOrderOf(payload: OrderPlacedPayload): PlacedOrder {
  if (payload.lines.length === 0) throw invalidArgument('lines', 'must not be empty');
  const lines = payload.lines.map((line, index) => {
    if (!Number.isInteger(line.quantity) || line.quantity < 1) throw invalidArgument(`lines[${index}].quantity`, 'must be positive');
    return {
      productId: parseId(line.productId, `lines[${index}].product_id`),
      name: line.name,
      quantity: line.quantity,
      unitPrice: moneyFromProto(line.unitPrice, `lines[${index}].unit_price`),
    };
  });
  return {
    orderId: parseId(payload.orderId, 'order_id'),
    accountId: parseId(payload.accountId, 'account_id'),
    lines,
    total: moneyFromProto(payload.total, 'total'),
  };
}

export function cancelledOrderOf(payload: OrderCancelledPayload): CancelledOrder {
  return { orderId: parseId(payload.orderId, 'order_id'), accountId: parseId(payload.accountId, 'account_id') };
}

/** One handler per event: its payload, the consumer's transaction and the event's id; true when a mail was queued. */
export interface MailHandlers {
  accountCreated(payload: AccountCreatedPayload, trx: Transaction<NotificationDatabase>, eventId?: string): Promise<boolean>;
  orderPlaced(payload: OrderPlacedPayload, trx: Transaction<NotificationDatabase>, eventId?: string): Promise<boolean>;
  orderCancelled(payload: OrderCancelledPayload, trx: Transaction<NotificationDatabase>, eventId?: string): Promise<boolean>;
}

/**
 * The handlers the kit's consumer calls. A malformed payload (INVALID_ARGUMENT) or an unknown
 * account (UnknownRecipientError) can never be handled: the consumer parks those events; an
 * unreachable Account service is an ordinary error, redelivered with backoff.
 */
export function mailHandlers(service: NotificationService): MailHandlers {
  return {
    accountCreated: (payload, trx, eventId) => service.accountCreated(new MailRepository(trx), createdAccountOf(payload), eventId),
    orderPlaced: (payload, trx, eventId) => service.orderPlaced(new MailRepository(trx), placedOrderOf(payload), eventId),
    orderCancelled: (payload, trx, eventId) => service.orderCancelled(new MailRepository(trx), cancelledOrderOf(payload), eventId),
  };
}
