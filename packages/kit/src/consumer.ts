import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { sql, type Kysely, type Migration, type Transaction } from 'kysely';
import type { EventBus } from './event-bus.js';
import { eventHandled, consumerSources, type HandledOutcome } from './event-metrics.js';
import { HEADERS, streamOf, subjectOf, type EventType } from './events.js';
import type { Logger } from './logger.js';

/*
 * A durable JetStream pull consumer whose handlers are idempotent by construction: the handler's
 * writes and a processed_event (consumer, event id) row commit in one transaction, and the message
 * is acknowledged only after that commit. A redelivery (a lost ack, a crash before it) finds the
 * row and does nothing; an event older than one this consumer already handled for the same
 * aggregate is skipped (delivery order is not trusted). A handler that throws is redelivered after
 * a backoff; after the last allowed delivery the event is parked — kept in parked_event, counted,
 * alerted on — and the stream moves on.
 */

export const consumerMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table processed_event (
        consumer text not null,
        event_id uuid not null,
        processed_time timestamptz not null default now(),
        primary key (consumer, event_id)
      )`.execute(db);
    await sql`create index processed_event_time on processed_event (processed_time)`.execute(db);
    // The newest version of each aggregate a consumer has handled: older events are stale.
    await sql`
      create table consumer_aggregate (
        consumer text not null,
        aggregate_id text not null,
        version bigint not null,
        primary key (consumer, aggregate_id)
      )`.execute(db);
    await sql`
      create table parked_event (
        consumer text not null,
        event_id text not null,
        type text not null,
        subject text not null,
        aggregate_id text,
        payload bytea not null,
        headers jsonb not null,
        deliveries integer not null,
        error text not null,
        park_time timestamptz not null default now(),
        primary key (consumer, event_id)
      )`.execute(db);
  },
};

export interface ReceivedEvent<T> {
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly time: Date;
  readonly aggregateId: string;
  readonly aggregateVersion: bigint;
  readonly payload: T;
  /** 1 on the first delivery. */
  readonly deliveryCount: number;
}

export type EventHandler<DB, T> = (event: ReceivedEvent<T>, trx: Transaction<DB>) => Promise<void>;

/** A delivery before its payload is decoded. */
export type RawEvent = Omit<ReceivedEvent<never>, 'payload'> & { readonly data: Uint8Array };

export interface Subscription<DB> {
  readonly typeName: string;
  readonly source: string;
  readonly handle: (event: RawEvent, trx: Transaction<DB>) => Promise<void>;
}

/** Handles events of one type (typed by it). A payload that does not decode is parked at once. */
export function on<DB, T>(type: EventType<T>, handler: EventHandler<DB, T>): Subscription<DB> {
  return {
    typeName: type.typeName,
    source: type.source,
    handle: async ({ data, ...event }, trx) => {
      let payload: T;
      try {
        payload = type.decode(data);
      } catch (error) {
        throw permanent(error);
      }
      await handler({ ...event, payload }, trx);
    },
  };
}

/** An error that no redelivery can cure: the event is parked at once. */
export class PermanentFailure extends Error {
  override readonly name = 'PermanentFailure';
}

export function permanent(error: unknown): PermanentFailure {
  const message = error instanceof Error ? error.message : String(error);
  return new PermanentFailure(message, { cause: error });
}

export interface ConsumerOptions<DB> {
  /** The durable consumer's name, unique per consuming service and stream: `notification-order`. */
  readonly name: string;
  readonly db: Kysely<DB>;
  readonly bus: EventBus;
  readonly log: Logger;
  /** Handlers, all for events of one source service (one stream). */
  readonly subscriptions: readonly Subscription<DB>[];
  readonly maxDeliver: number;
  readonly backoffMs: readonly number[];
  /** How long processed ids are kept (the stream's retention: no redelivery comes after it). */
  readonly retentionMs: number;
  /** How long one delivery may take before the server delivers it again. */
  readonly ackWaitMs?: number;
}

export interface RunningConsumer {
  stop(): Promise<void>;
}

const nanos = (ms: number) => ms * 1_000_000;
const RETRY_MS = 1_000;
const PRUNE_EVERY_MS = 60_000;
const tracer = trace.getTracer('@emporium/kit');

/** What the headers say about an event. */
type Envelope = Omit<ReceivedEvent<never>, 'payload' | 'deliveryCount'>;

/** The event's attributes from its headers, or why they are unusable. */
function envelopeOf(message: JsMsg): Envelope | string {
  const header = (name: string) => message.headers?.get(name) ?? '';
  const id = header(HEADERS.id);
  const type = header(HEADERS.type);
  const version = header(HEADERS.aggregateVersion);
  const time = new Date(header(HEADERS.time));
  if (!/^[0-9a-f-]{36}$/i.test(id)) return `${HEADERS.id} is missing or not a UUID`;
  if (type === '') return `${HEADERS.type} is missing`;
  if (!/^\d{1,19}$/.test(version)) return `${HEADERS.aggregateVersion} is missing or not a version`;
  if (Number.isNaN(time.getTime())) return `${HEADERS.time} is missing or not a time`;
  return { id, type, source: header(HEADERS.source), time, aggregateId: header(HEADERS.aggregateId), aggregateVersion: BigInt(version) };
}

/** Starts consuming in the background (waiting for NATS as long as it takes); stop() lets the delivery in hand finish. */
export function startConsumer<DB>(options: ConsumerOptions<DB>): RunningConsumer {
  const { bus, log, name } = options;
  const { db } = options;
  const sources = new Set(options.subscriptions.map((subscription) => subscription.source));
  const [source] = sources;
  if (source === undefined || sources.size > 1) throw new Error(`consumer ${name} must handle the events of exactly one service`);
  const handlers = new Map(options.subscriptions.map((subscription) => [subscription.typeName, subscription.handle]));
  const stream = streamOf(source, bus.namespace).name;
  let stopped = false;
  let messages: ConsumerMessages | undefined;
  let wakeRetry: (() => void) | undefined;
  let lastPrune = 0;
  /** The message being handled, which stop() lets finish. */
  let handling: Promise<void> | undefined;

  const park = async (message: JsMsg, envelope: Envelope | undefined, error: string) => {
    const headers: Record<string, string[]> = {};
    for (const [key, values] of message.headers ?? []) headers[key] = values;
    await sql`
      insert into parked_event (consumer, event_id, type, subject, aggregate_id, payload, headers, deliveries, error)
      values (${name}, ${envelope?.id ?? `seq-${message.seq}`}, ${envelope?.type ?? ''}, ${message.subject},
              ${envelope?.aggregateId ?? null}, ${message.data}, ${JSON.stringify(headers)}::jsonb,
              ${message.info.deliveryCount}, ${error.slice(0, 2_000)})
      on conflict (consumer, event_id) do update
        set deliveries = excluded.deliveries, error = excluded.error, park_time = now()`.execute(db);
    log.error({ consumer: name, event: envelope?.id, type: envelope?.type, deliveries: message.info.deliveryCount, error }, 'event parked');
  };

  /** Runs the handler and records the event as processed, in one transaction. */
  const processOnce = (envelope: Envelope, handle: Subscription<DB>['handle'], message: JsMsg) =>
    options.db.transaction().execute(async (trx): Promise<HandledOutcome> => {
      const first = await sql`
        insert into processed_event (consumer, event_id) values (${name}, ${envelope.id})
        on conflict do nothing returning event_id`.execute(trx);
      if (first.rows.length === 0) return 'duplicate';
      if (envelope.aggregateId !== '') {
        const newer = await sql`
          insert into consumer_aggregate (consumer, aggregate_id, version)
          values (${name}, ${envelope.aggregateId}, ${envelope.aggregateVersion})
          on conflict (consumer, aggregate_id) do update set version = excluded.version
            where consumer_aggregate.version < excluded.version
          returning version`.execute(trx);
        if (newer.rows.length === 0) return 'stale';
      }
      await handle({ ...envelope, data: message.data, deliveryCount: message.info.deliveryCount }, trx);
      return 'handled';
    });

  const handleMessage = async (message: JsMsg) => {
    const envelope = envelopeOf(message);
    const deliveries = message.info.deliveryCount;
    if (typeof envelope === 'string') {
      await park(message, undefined, envelope);
      message.ack();
      eventHandled(name, 'unknown', 'parked', deliveries);
      return;
    }
    const handle = handlers.get(envelope.type);
    if (!handle) {
      message.ack();
      eventHandled(name, envelope.type, 'ignored', deliveries);
      return;
    }
    const parent = propagation.extract(context.active(), {
      traceparent: message.headers?.get(HEADERS.traceparent) ?? '',
      tracestate: message.headers?.get(HEADERS.tracestate) ?? '',
    });
    const span = tracer.startSpan(`${envelope.type} process`, {
      kind: SpanKind.CONSUMER,
      attributes: { 'messaging.system': 'nats', 'messaging.consumer.group.name': name, 'messaging.message.id': envelope.id },
    }, parent);
    try {
      // Past the last allowed delivery (the handler crashed the process each time, say): park unrun.
      if (deliveries > options.maxDeliver) throw permanent(new Error(`delivered ${deliveries} times`));
      const outcome = await context.with(trace.setSpan(parent, span), () => processOnce(envelope, handle, message));
      message.ack();
      eventHandled(name, envelope.type, outcome, deliveries);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof PermanentFailure || deliveries >= options.maxDeliver) {
        await park(message, envelope, reason);
        message.ack();
        eventHandled(name, envelope.type, 'parked', deliveries);
      } else {
        const wait = options.backoffMs[Math.min(deliveries - 1, options.backoffMs.length - 1)] ?? RETRY_MS;
        log.warn({ consumer: name, event: envelope.id, type: envelope.type, deliveries, retryInMs: wait, err: error }, 'event handler failed; redelivering');
        message.nak(wait);
        eventHandled(name, envelope.type, 'failed', deliveries);
      }
    } finally {
      span.end();
    }
  };

  const ensureConsumer = async () => {
    const { manager } = await bus.ready();
    await bus.ensureStream(source);
    const config = {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: subjectOf(`emporium.${source}.>`, bus.namespace),
      ack_wait: nanos(options.ackWaitMs ?? 30_000),
      // This consumer counts deliveries and parks; the server never stops delivering by itself.
      max_deliver: -1,
      max_ack_pending: 1_000,
    };
    const existing = await manager.consumers.info(stream, name).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound) return undefined;
      throw error;
    });
    if (existing) {
      await manager.consumers.update(stream, name, { ack_wait: config.ack_wait, max_deliver: -1, max_ack_pending: config.max_ack_pending });
    } else {
      await manager.consumers.add(stream, config);
    }
  };

  const prune = async () => {
    if (Date.now() - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = Date.now();
    await sql`delete from processed_event
              where consumer = ${name} and processed_time < now() - make_interval(secs => ${options.retentionMs / 1000})`.execute(db);
  };

  const unwatch = consumerSources.add({
    consumer: name,
    pending: async () => {
      if (!bus.connected) return Number.NaN;
      const { manager } = await bus.ready();
      const info = await manager.consumers.info(stream, name);
      return info.num_pending + info.num_ack_pending;
    },
    parked: async () => {
      const { rows } = await sql<{ count: string }>`select count(*)::text as count from parked_event where consumer = ${name}`.execute(db);
      return Number(rows[0]?.count ?? 0);
    },
  });

  void (async () => {
    while (!stopped) {
      try {
        await ensureConsumer();
        const { jetstream } = await bus.ready();
        const consumer = await jetstream.consumers.get(stream, name);
        messages = await consumer.consume({ max_messages: 64 });
        if (stopped) break;
        for await (const message of messages) {
          handling = handleMessage(message);
          await handling;
          handling = undefined;
          await prune().catch((error: unknown) => log.warn({ err: error }, 'could not prune processed events'));
        }
      } catch (error) {
        if (stopped) break;
        log.warn({ err: error, consumer: name }, 'event consumer interrupted; starting again');
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, RETRY_MS);
        wakeRetry = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      wakeRetry?.();
      messages?.stop();
      // The loop may be waiting for NATS (it ends when the bus closes); only a delivery in hand is waited for.
      await handling?.catch(() => undefined);
      unwatch();
    },
  };
}
