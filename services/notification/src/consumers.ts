import type { Kysely, Transaction } from 'kysely';
import { on, permanent, startConsumer, type ConsumerOptions, type RunningConsumer } from '@emporium/kit/consumer.js';
import type { EventType, EventsConfig } from '@emporium/kit/events.js';
import { parseId } from '@emporium/kit/ids.js';
import type { Logger } from '@emporium/kit/logger.js';
import { moneyFromProto } from '@emporium/kit/money.js';
import { invalidArgument, isDomainError } from '@emporium/kit/errors.js';
import type { Money as ProtoMoney } from '@emporium/contracts/emporium/type/v1/money.js';
import { UnknownRecipientError, type CancelledOrder, type CreatedAccount, type PlacedOrder } from './model.js';
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
  // async: a payload refused while converting it rejects the handler's promise like any failure.
  return {
    accountCreated: async (payload, trx, eventId) => service.accountCreated(new MailRepository(trx), createdAccountOf(payload), eventId),
    orderPlaced: async (payload, trx, eventId) => service.orderPlaced(new MailRepository(trx), placedOrderOf(payload), eventId),
    orderCancelled: async (payload, trx, eventId) => service.orderCancelled(new MailRepository(trx), cancelledOrderOf(payload), eventId),
  };
}

/**
 * The event types this service consumes: the producers' own (`@emporium/account/events.js`,
 * `@emporium/order/events.js`), or a test's stand-ins with the same names.
 */
export interface MailEvents {
  readonly accountCreated: EventType<AccountCreatedPayload>;
  readonly orderPlaced: EventType<OrderPlacedPayload>;
  readonly orderCancelled: EventType<OrderCancelledPayload>;
}

/** A handler's failure as the consumer should treat it: what no redelivery can cure is parked at once. */
async function asConsumed(handled: Promise<boolean>): Promise<void> {
  try {
    await handled;
  } catch (error) {
    if (error instanceof UnknownRecipientError || isDomainError(error, 'INVALID_ARGUMENT')) throw permanent(error);
    throw error;
  }
}

/** The two durable consumers, one per stream: the account service's events and the order service's. */
export function startMailConsumers(
  handlers: MailHandlers,
  events: MailEvents,
  db: Kysely<NotificationDatabase>,
  bus: ConsumerOptions<NotificationDatabase>['bus'],
  config: EventsConfig,
  log: Logger,
): RunningConsumer[] {
  const settings = {
    db,
    bus,
    log,
    maxDeliver: config.CONSUMER_MAX_DELIVER,
    backoffMs: config.CONSUMER_BACKOFF_MS,
    retentionMs: config.EVENTS_STREAM_MAX_AGE_MS,
  };
  return [
    startConsumer<NotificationDatabase>({
      ...settings,
      name: 'notification-account',
      subscriptions: [on(events.accountCreated, (event, trx) => asConsumed(handlers.accountCreated(event.payload, trx, event.id)))],
    }),
    startConsumer<NotificationDatabase>({
      ...settings,
      name: 'notification-order',
      subscriptions: [
        on(events.orderPlaced, (event, trx) => asConsumed(handlers.orderPlaced(event.payload, trx, event.id))),
        on(events.orderCancelled, (event, trx) => asConsumed(handlers.orderCancelled(event.payload, trx, event.id))),
      ],
    }),
  ];
}
