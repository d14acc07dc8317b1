import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { createTestDatabase, type TestDatabase } from '@emporium/testkit/databases.js';
import { eventually } from '@emporium/testkit/eventually.js';
import { SHARED_NATS_URL, startNatsServer, uniqueNamespace, type TestNatsServer } from '@emporium/testkit/nats.js';
import { migrateToLatest, openDatabase, type Database } from '../src/database.js';
import { createEventBus, type EventBus } from '../src/event-bus.js';
import { defineEvent, eventsConfigShape, streamOf, type EventsConfig } from '../src/events.js';
import { createLogger } from '../src/logger.js';
import { outboxMigration, recordEvent, startOutboxRelay, type OutboxRelay } from '../src/outbox.js';
import { consumerMigration, on, permanent, startConsumer, type RunningConsumer } from '../src/consumer.js';
import { parseConfig } from '../src/config.js';
import { z } from 'zod';

// The backbone against the real thing: PostgreSQL (and the embedded PGlite) for the outbox and the
// consumers' tables, nats-server with JetStream for the streams. A test event, encoded as JSON
// (the kit does not care what encodes a payload; the services use Protocol Buffers).

interface ThingHappened {
  thing: string;
  /** How often the handler must fail for this thing before it succeeds (-1: always; -2: permanently at once). */
  failures: number;
}
const ThingHappened = defineEvent<ThingHappened>('emporium.kittest.v1.ThingHappened', {
  encode: (message) => ({ finish: () => new TextEncoder().encode(JSON.stringify(message)) }),
  decode: (bytes) => z.object({ thing: z.string(), failures: z.number() }).parse(JSON.parse(new TextDecoder().decode(bytes))),
});

interface TestTables {
  effect: { consumer: string; thing: string; event_id: string };
}

const log = createLogger('kittest', (process.env.KITTEST_LOG ?? 'silent') as 'silent');
const migrations = {
  '0001_outbox': outboxMigration,
  '0002_consumer': consumerMigration,
  '0003_effects': {
    async up(db: Kysely<unknown>) {
      await sql`create table effect (consumer text not null, thing text not null, event_id uuid not null)`.execute(db);
    },
  },
};

function settings(namespace: string, overrides: Record<string, string> = {}): EventsConfig {
  return parseConfig(z.object(eventsConfigShape()), {
    EVENTS_NAMESPACE: namespace,
    OUTBOX_POLL_INTERVAL_MS: '600000', // only a commit's NOTIFY wakes the relay in these tests
    CONSUMER_MAX_DELIVER: '3',
    CONSUMER_BACKOFF_MS: '100',
    ...overrides,
  });
}

/** Records one event per thing, each in its own transaction. */
async function recordThings(db: Kysely<TestTables>, things: ReadonlyArray<Partial<ThingHappened> & { thing: string }>, version = 1) {
  for (const thing of things) {
    await db.transaction().execute((trx) =>
      recordEvent(trx, { type: ThingHappened, aggregateId: thing.thing, aggregateVersion: version, payload: { failures: 0, ...thing } }),
    );
  }
}

const effects = async (db: Kysely<TestTables>, consumer: string) =>
  (await db.selectFrom('effect').select(['thing']).where('consumer', '=', consumer).orderBy('thing').execute()).map((row) => row.thing);

/** A consumer whose handler writes an effect row, failing as often as each event asks (attempts counted per thing). */
function recordingConsumer(
  db: Kysely<TestTables>,
  bus: EventBus,
  name: string,
  config: EventsConfig,
  attempts = new Map<string, number>(),
): RunningConsumer {
  return startConsumer<TestTables>({
    name,
    db,
    bus,
    log,
    maxDeliver: config.CONSUMER_MAX_DELIVER,
    backoffMs: config.CONSUMER_BACKOFF_MS,
    retentionMs: config.EVENTS_STREAM_MAX_AGE_MS,
    subscriptions: [
      on(ThingHappened, async (event, trx) => {
        await trx.insertInto('effect').values({ consumer: name, thing: event.payload.thing, event_id: event.id }).execute();
        if (event.payload.failures !== 0) {
          // Counted outside the handler's transaction, which a failure rolls back.
          const count = (attempts.get(event.payload.thing) ?? 0) + 1;
          attempts.set(event.payload.thing, count);
          if (event.payload.failures === -2) throw permanent(new Error('never going to work'));
          if (event.payload.failures < 0 || count <= event.payload.failures) throw new Error(`failing on purpose (attempt ${count})`);
        }
      }),
    ],
  });
}

async function streamMessages(url: string, namespace: string): Promise<number> {
  const connection = await connect({ servers: url });
  try {
    const manager = await jetstreamManager(connection);
    return (await manager.streams.info(streamOf('kittest', namespace).name)).state.messages;
  } finally {
    await connection.close();
  }
}

interface Rig {
  database: Database<TestTables>;
  bus: EventBus;
  relay: OutboxRelay;
  close(): Promise<void>;
}

async function rig(
  url: string | undefined,
  dataDir: string,
  natsUrl: string,
  config: EventsConfig,
  afterPublish?: () => void,
  retentionMs = config.EVENTS_STREAM_MAX_AGE_MS,
): Promise<Rig> {
  const database = await openDatabase<TestTables>({ url, dataDir, log });
  await migrateToLatest(database.db, migrations, log);
  const bus = createEventBus({ ...config, NATS_URL: [natsUrl] }, log, 'kittest', 200);
  const relay = await startOutboxRelay({
    database: database as Database<unknown>,
    bus,
    service: 'kittest',
    log,
    pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
    batchSize: config.OUTBOX_BATCH_SIZE,
    retentionMs,
    pruneEveryMs: retentionMs === 1 ? 0 : 60_000,
    leaseMs: 1_000,
    ...(afterPublish ? { afterPublish } : {}),
  });
  return {
    database,
    bus,
    relay,
    close: async () => {
      await relay.stop();
      await bus.close();
      await database.close();
    },
  };
}

describe('the outbox', () => {
  let testDb: TestDatabase;
  let database: Database<TestTables>;
  beforeAll(async () => {
    testDb = await createTestDatabase('emporium_kit_outbox');
    database = await openDatabase<TestTables>({ url: testDb.url, dataDir: '', log });
    await migrateToLatest(database.db, migrations, log);
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  it('takes only a transaction', async () => {
    const event = { type: ThingHappened, aggregateId: 'a', aggregateVersion: 1, payload: { thing: 'a', failures: 0 } };
    // @ts-expect-error a plain Kysely is not a transaction
    await expect(recordEvent(database.db, event)).rejects.toThrow(/takes the transaction/);
    const rows = await database.db.selectFrom('outbox_event' as never).selectAll().execute();
    expect(rows).toEqual([]);
  });

  it('keeps nothing of a transaction that rolled back', async () => {
    await expect(
      database.db.transaction().execute(async (trx) => {
        await recordEvent(trx, { type: ThingHappened, aggregateId: 'b', aggregateVersion: 1, payload: { thing: 'b', failures: 0 } });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const { rows } = await sql<{ count: string }>`select count(*)::text as count from outbox_event`.execute(database.db);
    expect(rows[0]?.count).toBe('0');
  });
});

/** A database of the test's own (every relay on a database shares its outbox, as replicas do). */
async function freshStore(onPostgres: boolean, cleanups: Array<() => Promise<void>>): Promise<{ url: string | undefined; dataDir: string }> {
  if (onPostgres) {
    const testDb = await createTestDatabase('emporium_kit_events');
    cleanups.push(() => testDb.drop());
    return { url: testDb.url, dataDir: '' };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'emporium-kit-events-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  return { url: undefined, dataDir };
}

describe.each([
  ['PostgreSQL', true],
  ['PGlite', false],
])('relay and consumer on %s', (_engine, onPostgres) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('relays committed events once, woken by the commit, including one that committed last with the first id', async () => {
    const namespace = uniqueNamespace('kit');
    const config = settings(namespace);
    const store = await freshStore(onPostgres, cleanups);
    const setup = await rig(store.url, store.dataDir, SHARED_NATS_URL, config);
    cleanups.push(() => setup.close());
    const db = setup.database.db;
    const consumer = recordingConsumer(db, setup.bus, 'kit-effects', config);
    cleanups.push(() => consumer.stop());

    if (onPostgres) {
      // "early" takes its id (UUIDv7: time-ordered) first and commits after "late".
      let releaseEarly: () => void = () => undefined;
      const earlyMayCommit = new Promise<void>((resolve) => (releaseEarly = resolve));
      const early = db.transaction().execute(async (trx) => {
        await recordEvent(trx, { type: ThingHappened, aggregateId: 'early', aggregateVersion: 1, payload: { thing: 'early', failures: 0 } });
        await earlyMayCommit;
      });
      await recordThings(db, [{ thing: 'late' }]);
      await eventually(() => effects(db, 'kit-effects'), (seen) => seen.includes('late'));
      releaseEarly();
      await early;
    } else {
      await recordThings(db, [{ thing: 'early' }, { thing: 'late' }]);
    }
    await recordThings(db, [{ thing: 'third' }]);
    expect(await eventually(() => effects(db, 'kit-effects'), (seen) => seen.length >= 3)).toEqual(['early', 'late', 'third']);
    const { rows } = await sql<{ unpublished: string }>`select count(*) filter (where published_time is null)::text as unpublished from outbox_event`.execute(db);
    expect(rows[0]?.unpublished).toBe('0');
    expect(await streamMessages(SHARED_NATS_URL, namespace)).toBe(3);
  });

  it('redelivers a failing handler with backoff (one effect), parks one that always fails, and keeps the stream flowing', async () => {
    const namespace = uniqueNamespace('kit');
    const config = settings(namespace);
    const store = await freshStore(onPostgres, cleanups);
    const setup = await rig(store.url, store.dataDir, SHARED_NATS_URL, config);
    cleanups.push(() => setup.close());
    const db = setup.database.db;
    const attempts = new Map<string, number>();
    const consumer = recordingConsumer(db, setup.bus, 'kit-retry', config, attempts);
    cleanups.push(() => consumer.stop());

    await recordThings(db, [
      { thing: 'flaky', failures: 2 },
      { thing: 'poison', failures: -1 },
      { thing: 'doomed', failures: -2 },
      { thing: 'after', failures: 0 },
    ]);
    await eventually(() => effects(db, 'kit-retry'), (seen) => seen.includes('flaky') && seen.includes('after'));
    const parked = await eventually(
      async () => (await sql<{ consumer: string; deliveries: number; error: string }>`
        select consumer, deliveries, error from parked_event order by deliveries`.execute(db)).rows,
      (rows) => rows.length === 2,
    );
    expect(parked).toEqual([
      { consumer: 'kit-retry', deliveries: 1, error: 'never going to work' },
      { consumer: 'kit-retry', deliveries: 3, error: 'failing on purpose (attempt 3)' },
    ]);
    expect(await effects(db, 'kit-retry')).toEqual(['after', 'flaky']);
    expect(Object.fromEntries(attempts)).toEqual({ flaky: 3, poison: 3, doomed: 1 });
  });

  it('deletes published rows once they are older than the retention', async () => {
    const namespace = uniqueNamespace('kit');
    const config = settings(namespace);
    const store = await freshStore(onPostgres, cleanups);
    // A retention of a millisecond, looked for after every round: published rows go at once.
    const setup = await rig(store.url, store.dataDir, SHARED_NATS_URL, config, undefined, 1);
    cleanups.push(() => setup.close());
    const db = setup.database.db;
    const outbox = async () => (await sql<{ aggregate_id: string }>`select aggregate_id from outbox_event order by aggregate_id`.execute(db)).rows;
    await recordThings(db, [{ thing: 'a' }, { thing: 'b' }]);
    await eventually(() => streamMessages(SHARED_NATS_URL, namespace).catch(() => 0), (count) => count === 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The next round (woken by c), if not an earlier one, prunes what was published before.
    await recordThings(db, [{ thing: 'c' }]);
    const left = await eventually(outbox, (rows) => rows.every((row) => row.aggregate_id === 'c'));
    expect(left.length).toBeLessThanOrEqual(1);
    expect(await streamMessages(SHARED_NATS_URL, namespace)).toBe(3);
  });

  it('skips an event older than one already handled for the same aggregate, and a second delivery of an event', async () => {
    const namespace = uniqueNamespace('kit');
    const config = settings(namespace);
    const store = await freshStore(onPostgres, cleanups);
    const setup = await rig(store.url, store.dataDir, SHARED_NATS_URL, config);
    cleanups.push(() => setup.close());
    const db = setup.database.db;
    const consumer = recordingConsumer(db, setup.bus, 'kit-stale', config);
    cleanups.push(() => consumer.stop());
    await recordThings(db, [{ thing: 'x' }], 2);
    await eventually(() => effects(db, 'kit-stale'), (seen) => seen.length === 1);
    await recordThings(db, [{ thing: 'x' }], 1);
    await recordThings(db, [{ thing: 'y' }], 1);
    await eventually(() => effects(db, 'kit-stale'), (seen) => seen.includes('y'));

    // The same event delivered again (a lost ack looks like this): a copy of y's message.
    const { jetstream } = await setup.bus.ready();
    const copy = await jetstream.consumers.get(streamOf('kittest', namespace).name);
    const original = await copy.next();
    const last = await copy.next(); // messages in order: x v2, x v1, y
    const y = await copy.next();
    expect([original?.headers?.get('ce-subject'), last?.headers?.get('ce-subject'), y?.headers?.get('ce-subject')]).toEqual(['x', 'x', 'y']);
    if (!y?.headers) throw new Error('no copy of y');
    await jetstream.publish(y.subject, y.data, { headers: y.headers, msgID: `copy-${y.headers.get('ce-id')}` });
    await recordThings(db, [{ thing: 'z' }], 1);
    await eventually(() => effects(db, 'kit-stale'), (seen) => seen.includes('z'));
    expect(await effects(db, 'kit-stale')).toEqual(['x', 'y', 'z']);
  });
});

describe('under faults (a NATS server of the test own)', () => {
  let nats: TestNatsServer;
  const cleanups: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await nats?.close();
  });

  it('two relays on one outbox, NATS stopped while events are recorded, a relay dying between publish and mark: every event handled once', async () => {
    const namespace = uniqueNamespace('kit');
    const config = settings(namespace, { OUTBOX_POLL_INTERVAL_MS: '200' });
    let dieOnce = true;
    const { url } = await freshStore(true, cleanups);
    const first = await rig(url, '', nats.url, config, () => {
      if (dieOnce) {
        dieOnce = false;
        // What a kill -9 leaves: published, not marked. The claim runs out; someone publishes again.
        throw new Error('relay died after publishing');
      }
    });
    cleanups.push(() => first.close());
    const second = await rig(url, '', nats.url, config);
    cleanups.push(() => second.close());
    const db = first.database.db;
    const consumer = recordingConsumer(db, first.bus, 'kit-faults', config);
    cleanups.push(() => consumer.stop());

    const names = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => ({ thing: `${prefix}-${String(index).padStart(3, '0')}` }));
    await recordThings(db, names('before', 20));
    await eventually(() => effects(db, 'kit-faults'), (seen) => seen.length === 20);

    await nats.stop();
    await recordThings(db, names('while-down', 20));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await nats.start();
    await recordThings(db, names('after', 20));

    const seen = await eventually(() => effects(db, 'kit-faults'), (all) => all.length >= 60, 60_000);
    expect(seen).toEqual([...names('after', 20), ...names('before', 20), ...names('while-down', 20)].map((thing) => thing.thing));
    expect(await streamMessages(nats.url, namespace)).toBe(60);
  });

  it('a consumer stopped mid-stream resumes where it acknowledged', async () => {
    const namespace = uniqueNamespace('kit');
    const config = settings(namespace);
    const { url } = await freshStore(true, cleanups);
    const setup = await rig(url, '', nats.url, config);
    cleanups.push(() => setup.close());
    const db = setup.database.db;
    const consumer = recordingConsumer(db, setup.bus, 'kit-resume', config);
    await recordThings(db, [{ thing: 'one' }, { thing: 'two' }]);
    await eventually(() => effects(db, 'kit-resume'), (seen) => seen.length === 2);
    await consumer.stop();
    await recordThings(db, [{ thing: 'three' }, { thing: 'four' }]);
    const again = recordingConsumer(db, setup.bus, 'kit-resume', config);
    cleanups.push(() => again.stop());
    expect(await eventually(() => effects(db, 'kit-resume'), (seen) => seen.length >= 4)).toEqual(['four', 'one', 'three', 'two']);
    const { rows } = await sql<{ count: string }>`select count(*)::text as count from processed_event where consumer = 'kit-resume'`.execute(db);
    expect(rows[0]?.count).toBe('4');
  });
});
