import { z } from 'zod';

/*
 * What an event is on the wire, shared by the outbox relay (outbox.ts), the consumers
 * (consumer.ts) and the connection to NATS (event-bus.ts): its type, subject and stream names,
 * its headers, and the configuration every process with events reads.
 *
 * The payload is the Protocol Buffers message; everything about the message travels in headers,
 * in the CloudEvents NATS binding's binary mode (`ce-` attributes), with the W3C trace context
 * beside them, so that a consumer routes, deduplicates and orders without decoding the payload.
 */

/** What ts-proto generates for each message: the codec an event type needs. */
export interface MessageCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

export interface EventType<T> {
  /** The proto full name, e.g. `emporium.order.v1.OrderPlaced`; also the subject (namespaced). */
  readonly typeName: string;
  /** The service that publishes it: `order`. */
  readonly source: string;
  encode(message: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

const TYPE_NAME = /^emporium\.([a-z][a-z0-9]*)\.v[1-9][0-9]*\.[A-Z][A-Za-z0-9]*$/;

export function defineEvent<T>(typeName: string, codec: MessageCodec<T>): EventType<T> {
  const match = TYPE_NAME.exec(typeName);
  if (!match?.[1]) throw new Error(`event type ${typeName} is not emporium.<service>.v<N>.<Event>`);
  return {
    typeName,
    source: match[1],
    encode: (message) => codec.encode(message).finish(),
    decode: (bytes) => codec.decode(bytes),
  };
}

/** The service an event type name belongs to, or undefined when it is not one of ours. */
export function sourceOf(typeName: string): string | undefined {
  return TYPE_NAME.exec(typeName)?.[1];
}

/** The subject an event type is published on. */
export function subjectOf(typeName: string, namespace: string | undefined): string {
  return namespace ? `${namespace}.${typeName}` : typeName;
}

/** The stream that keeps one service's events: `EMPORIUM_ORDER` over `emporium.order.>`. */
export function streamOf(source: string, namespace: string | undefined): { name: string; subjects: string[] } {
  const prefix = namespace ? `${namespace.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_` : '';
  return { name: `${prefix}EMPORIUM_${source.toUpperCase()}`, subjects: [subjectOf(`emporium.${source}.>`, namespace)] };
}

/** Message headers (CloudEvents NATS binding, binary mode; W3C trace context). */
export const HEADERS = {
  specVersion: 'ce-specversion',
  id: 'ce-id',
  type: 'ce-type',
  source: 'ce-source',
  time: 'ce-time',
  /** The aggregate the event is about (CloudEvents' `subject`). */
  aggregateId: 'ce-subject',
  /** The aggregate's version after the change (an extension attribute). */
  aggregateVersion: 'ce-aggregateversion',
  contentType: 'content-type',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

export const PROTOBUF_CONTENT_TYPE = 'application/protobuf';

const ms = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const DAY_MS = 86_400_000;

/** A NATS server list as the client takes it: nats://host:port, tls://…, or host:port, comma-separated. */
const natsServers = z
  .string()
  .transform((value) => value.split(',').map((server) => server.trim()).filter((server) => server !== ''))
  .refine(
    (servers) =>
      servers.length > 0 &&
      servers.every((server) => (/^(nats|tls|ws|wss):\/\//.test(server) ? URL.canParse(server) : /^[^\s/:]+:\d{1,5}$/.test(server))),
    'must be nats://host:port (or a comma-separated list of them)',
  );

/** The variables of every process that publishes or consumes events. */
export function eventsConfigShape() {
  return {
    /** The NATS servers; unset, events wait in the outbox (nothing is lost) and nothing is consumed. */
    NATS_URL: natsServers.optional(),
    /** Prefixes every subject and stream name: tests (and several platforms on one server) keep apart. */
    EVENTS_NAMESPACE: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, 'must be lower-case letters, digits, _ or - (at most 41)')
      .optional(),
    /** How long a stream keeps events (and an outbox its published rows, and a consumer its processed ids). */
    EVENTS_STREAM_MAX_AGE_MS: ms(60_000, 365 * DAY_MS).default(7 * DAY_MS),
    /** A re-publish of the same event id within this window is dropped by the stream. */
    EVENTS_DUPLICATE_WINDOW_MS: ms(10_000, DAY_MS).default(120_000),
    /** Copies of each stream in a JetStream cluster (3 in production). */
    EVENTS_STREAM_REPLICAS: ms(1, 5).default(1),
    /** The relay wakes on every commit that recorded an event; this is its fallback poll. */
    OUTBOX_POLL_INTERVAL_MS: ms(50, 600_000).default(1_000),
    /** Events the relay claims and publishes at a time. */
    OUTBOX_BATCH_SIZE: ms(1, 1_000).default(100),
    /** Deliveries of one event before a consumer parks it (dead letter) instead of trying again. */
    CONSUMER_MAX_DELIVER: ms(1, 100).default(8),
    /** The waits before each redelivery of an event whose handler failed; the last repeats. */
    CONSUMER_BACKOFF_MS: z
      .string()
      .transform((value) => value.split(',').map((part) => Number(part.trim())))
      .refine(
        (waits) => waits.length > 0 && waits.every((wait) => Number.isInteger(wait) && wait >= 0 && wait <= DAY_MS),
        'must be comma-separated milliseconds, e.g. 1000,5000,30000',
      )
      .default([1_000, 5_000, 30_000]),
  };
}

export interface EventsConfig {
  readonly NATS_URL?: readonly string[] | undefined;
  readonly EVENTS_NAMESPACE?: string | undefined;
  readonly EVENTS_STREAM_MAX_AGE_MS: number;
  readonly EVENTS_DUPLICATE_WINDOW_MS: number;
  readonly EVENTS_STREAM_REPLICAS: number;
  readonly OUTBOX_POLL_INTERVAL_MS: number;
  readonly OUTBOX_BATCH_SIZE: number;
  readonly CONSUMER_MAX_DELIVER: number;
  readonly CONSUMER_BACKOFF_MS: readonly number[];
}
