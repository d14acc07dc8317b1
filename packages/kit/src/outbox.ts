import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { sql, type Kysely, type Migration, type Transaction } from 'kysely';
import type { Database } from './database.js';
import type { EventBus } from './event-bus.js';
import { HEADERS, PROTOBUF_CONTENT_TYPE, sourceOf, subjectOf, type EventType } from './events.js';
import { newId } from './ids.js';
import type { Logger } from './logger.js';
import { outboxPublished, outboxSources } from './event-metrics.js';

/*
 * The transactional outbox. A state change and the event that reports it are written by one
 * transaction (recordEvent takes nothing else), so either both are there or neither is. The relay
 * publishes what was committed: it claims unpublished rows with FOR UPDATE SKIP LOCKED (any number
 * of replicas share the work and never hold the same row), publishes each with its id as the
 * message id (the stream drops a second publish of it within its duplicate window: a crash between
 * publishing and marking repeats the publish, not the event), then marks them published.
 *
 * There is no "highest id seen": every unpublished row is claimable, so a transaction that took an
 * id first and committed last is still relayed. The claim is a lease, not a held transaction: the
 * relay never keeps a connection (the embedded database has one) while it waits on NATS.
 */

/** The channel a commit that recorded an event notifies. */
export const OUTBOX_CHANNEL = 'outbox_event';

export const outboxMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table outbox_event (
        id uuid primary key,
        type text not null,
        aggregate_id text not null,
        aggregate_version bigint not null,
        payload bytea not null,
        -- the W3C trace context of the transaction that recorded it
        headers jsonb not null default '{}',
        create_time timestamptz not null default now(),
        -- a relay's lease: until then no other relay claims the row
        claimed_until timestamptz,
        published_time timestamptz
      )`.execute(db);
    // What the relay scans: only the few unpublished rows, in id order.
    await sql`create index outbox_event_unpublished on outbox_event (id) where published_time is null`.execute(db);
    // What pruning scans.
    await sql`create index outbox_event_published on outbox_event (published_time) where published_time is not null`.execute(db);
  },
};

export interface NewEvent<T> {
  readonly type: EventType<T>;
  readonly aggregateId: string;
  readonly aggregateVersion: number | bigint;
  readonly payload: T;
}

/**
 * Records an event in the transaction that makes the change it reports. Only a transaction is
 * accepted (a plain Kysely is a type error, and refused at run time): an event cannot be written
 * without its change, nor committed without it. Returns the event's id.
 */
export async function recordEvent<DB, T>(trx: Transaction<DB>, event: NewEvent<T>): Promise<string> {
  const [id = ''] = await recordEvents(trx, [event]);
  return id;
}

/** recordEvent for several events of one type and one change, in one statement. Returns their ids, in order. */
export async function recordEvents<DB, T>(trx: Transaction<DB>, events: ReadonlyArray<NewEvent<T>>): Promise<string[]> {
  if (!trx.isTransaction) throw new TypeError('recordEvent takes the transaction that makes the change');
  if (events.length === 0) return [];
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const headers = JSON.stringify(carrier);
  const ids = events.map(() => newId());
  const rows = events.map(
    (event, index) =>
      sql`(${ids[index]}::uuid, ${event.type.typeName}, ${event.aggregateId}, ${BigInt(event.aggregateVersion)},
           ${event.type.encode(event.payload)}::bytea, ${headers}::jsonb)`,
  );
  // One statement: the rows, and the notification that wakes the relays when this commits.
  await sql`
    with recorded as (
      insert into outbox_event (id, type, aggregate_id, aggregate_version, payload, headers)
      values ${sql.join(rows)}
      returning id)
    select pg_notify(${OUTBOX_CHANNEL}, '') from recorded limit 1`.execute(trx);
  return ids;
}

interface OutboxRow {
  id: string;
  type: string;
  aggregate_id: string;
  aggregate_version: bigint | string;
  payload: Uint8Array;
  headers: Record<string, string> | string;
  create_time: Date;
}

export interface OutboxRelayOptions {
  readonly database: Database<unknown>;
  readonly bus: EventBus;
  /** The service whose outbox this is (metrics, logs). */
  readonly service: string;
  readonly log: Logger;
  readonly pollIntervalMs: number;
  readonly batchSize: number;
  /** Published rows older than this are deleted (the stream's retention). */
  readonly retentionMs: number;
  /** How often to look for such rows (a minute by default). */
  readonly pruneEveryMs?: number;
  /** How long a claim holds on the embedded database; shorter than the stream's duplicate window. */
  readonly leaseMs: number;
  /** Called after a batch was published and before it is marked (tests kill the process here). */
  readonly afterPublish?: () => void;
}

export interface OutboxRelay {
  /** Looks for events now (a commit notified). */
  wake(): void;
  /** Finishes the batch in flight and stops. */
  stop(): Promise<void>;
}

const PUBLISH_TIMEOUT_MS = 5_000;
const PRUNE_EVERY_MS = 60_000;
const tracer = trace.getTracer('@emporium/kit');

export async function startOutboxRelay(options: OutboxRelayOptions): Promise<OutboxRelay> {
  const { database, bus, log } = options;
  const db = database.db;
  let stopped = false;
  let wakeUp: (() => void) | undefined;
  let woken = false;
  const wake = () => {
    woken = true;
    wakeUp?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || stopped) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });

  const unlisten = await database.listen(OUTBOX_CHANNEL, wake);
  // What was recorded while NATS was away goes out as soon as it is back.
  const unsubscribe = bus.onUp(wake);
  const unwatch = outboxSources.add({ service: options.service, oldestAgeSeconds: () => oldestUnpublishedAge(db) });

  const claim = async (): Promise<OutboxRow[]> => {
    const { rows } = await sql<OutboxRow>`
      update outbox_event set claimed_until = now() + make_interval(secs => ${options.leaseMs / 1000})
      where id in (
        select id from outbox_event
        where published_time is null and (claimed_until is null or claimed_until < now())
        order by id
        limit ${options.batchSize}
        for update skip locked)
      returning id, type, aggregate_id, aggregate_version, payload, headers, create_time`.execute(db);
    // UPDATE … RETURNING comes back in no particular order; publish in the order they were recorded.
    return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  };

  const publish = async (row: OutboxRow): Promise<void> => {
    const { jetstream } = await bus.ready();
    const source = sourceOf(row.type) ?? options.service;
    const recorded = typeof row.headers === 'string' ? (JSON.parse(row.headers) as Record<string, string>) : row.headers;
    const parent = propagation.extract(context.active(), recorded);
    const span = tracer.startSpan(`${row.type} publish`, {
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.system': 'nats', 'messaging.destination.name': row.type, 'messaging.message.id': row.id },
    }, parent);
    try {
      const headers = natsHeaders();
      headers.set(HEADERS.specVersion, '1.0');
      headers.set(HEADERS.id, row.id);
      headers.set(HEADERS.type, row.type);
      headers.set(HEADERS.source, `/emporium/${source}`);
      headers.set(HEADERS.time, row.create_time.toISOString());
      headers.set(HEADERS.aggregateId, row.aggregate_id);
      headers.set(HEADERS.aggregateVersion, String(row.aggregate_version));
      headers.set(HEADERS.contentType, PROTOBUF_CONTENT_TYPE);
      // The consumer's span continues the recording request's trace through this publish.
      const carrier: Record<string, string> = {};
      propagation.inject(trace.setSpan(parent, span), carrier);
      for (const [name, value] of Object.entries(carrier)) headers.set(name, value);
      await bus.ensureStream(source);
      await jetstream.publish(subjectOf(row.type, bus.namespace), row.payload, {
        msgID: row.id,
        headers,
        timeout: PUBLISH_TIMEOUT_MS,
      });
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  };

  let lastPrune = 0;
  const prune = async () => {
    if (Date.now() - lastPrune < (options.pruneEveryMs ?? PRUNE_EVERY_MS)) return;
    lastPrune = Date.now();
    await sql`delete from outbox_event
              where published_time < now() - make_interval(secs => ${options.retentionMs / 1000})`.execute(db);
  };

  /** Publishes rows in order; which went out and which did not. */
  const publishAll = async (rows: readonly OutboxRow[]): Promise<{ published: string[]; failed: string[]; reason: unknown }> => {
    if (rows.length === 0) return { published: [], failed: [], reason: undefined };
    const outcomes = await Promise.allSettled(rows.map(publish));
    options.afterPublish?.();
    const published = rows.filter((_, index) => outcomes[index]?.status === 'fulfilled').map((row) => row.id);
    const failed = rows.filter((_, index) => outcomes[index]?.status === 'rejected').map((row) => row.id);
    const rejected = outcomes.find((outcome) => outcome.status === 'rejected');
    const reason: unknown = rejected?.status === 'rejected' ? rejected.reason : undefined;
    return { published, failed, reason };
  };

  const markPublished = async (executor: Kysely<unknown>, ids: readonly string[]) => {
    if (ids.length === 0) return;
    await sql`update outbox_event set published_time = now(), claimed_until = null where id = any(${ids}::uuid[])`.execute(executor);
    outboxPublished(options.service, ids.length);
  };

  /**
   * PostgreSQL: the batch stays locked by the transaction that publishes and marks it — one UPDATE
   * per event. A relay that dies meanwhile unlocks its rows with its connection, and the next
   * relay publishes them again (the stream drops the copies). Another relay skips locked rows.
   */
  const relayLocked = () =>
    db.transaction().execute(async (trx) => {
      const { rows } = await sql<OutboxRow>`
        select id, type, aggregate_id, aggregate_version, payload, headers, create_time from outbox_event
        where published_time is null
        order by id
        limit ${options.batchSize}
        for update skip locked`.execute(trx);
      const outcome = await publishAll(rows);
      await markPublished(trx, outcome.published);
      return { ...outcome, claimed: rows.length };
    });

  /**
   * The embedded database has one connection for the whole process: a transaction held while
   * NATS answers would stop every other query. The claim is a lease instead, in a statement of its
   * own (two UPDATEs per event; a relay that dies leaves its claim to run out).
   */
  const relayLeased = async () => {
    const rows = await claim();
    const outcome = await publishAll(rows);
    await markPublished(db, outcome.published);
    // Free the claim of what did not go out: the next round tries them again.
    if (outcome.failed.length > 0) await sql`update outbox_event set claimed_until = null where id = any(${outcome.failed}::uuid[])`.execute(db);
    return { ...outcome, claimed: rows.length };
  };

  /** One round: claim a batch, publish it, mark what went out. Returns how many it claimed. */
  const relayBatch = async (): Promise<number> => {
    const { claimed, failed, reason } = await (database.engine === 'postgres' ? relayLocked() : relayLeased());
    if (failed.length > 0) {
      log.warn({ failed: failed.length, err: reason }, 'events not published; trying again');
      throw new Error('some events were not published');
    }
    return claimed;
  };

  const loop = (async () => {
    let backoff = 0;
    while (!stopped) {
      woken = false;
      if (!bus.connected) {
        await sleep(options.pollIntervalMs);
        continue;
      }
      try {
        const claimed = await relayBatch();
        backoff = 0;
        // A full batch: there may be more. Otherwise what commits from now on notifies (woken).
        if (claimed === options.batchSize) continue;
        await prune();
      } catch (error) {
        if (!stopped && !(error instanceof Error && error.message === 'some events were not published')) {
          log.warn({ err: error }, 'outbox relay round failed; trying again');
        }
        backoff = Math.min(backoff === 0 ? 250 : backoff * 2, options.pollIntervalMs * 10);
        await sleep(backoff);
        continue;
      }
      await sleep(options.pollIntervalMs);
    }
  })();

  return {
    wake,
    stop: async () => {
      stopped = true;
      wakeUp?.();
      await loop;
      unsubscribe();
      unwatch();
      await unlisten();
    },
  };
}

/** Seconds since the oldest unpublished event was recorded; 0 when every event is out. */
async function oldestUnpublishedAge(db: Kysely<unknown>): Promise<number> {
  const { rows } = await sql<{ age: string | null }>`
    select extract(epoch from now() - min(create_time))::text as age
    from outbox_event where published_time is null`.execute(db);
  const age = rows[0]?.age;
  return age == null ? 0 : Math.max(0, Number(age));
}
