import type { Kysely, Migration } from 'kysely';
import { dialHost } from './config.js';
import { migrateToLatest, openDatabase, type Database } from './database.js';
import { startGrpcServer, type GrpcService } from './grpc-server.js';
import type { Logger } from './logger.js';
import type { EventsConfig } from './events.js';
import type { EventBus } from './event-bus.js';
import type { RunningConsumer } from './consumer.js';

/** The configuration every service has (see serviceConfigShape). */
export interface ServiceBaseConfig extends EventsConfig {
  readonly HOST: string;
  readonly PORT: number;
  readonly DATABASE_URL?: string | undefined;
  readonly DATABASE_POOL_MAX: number;
  readonly DATA_DIR: string;
  readonly SHUTDOWN_TIMEOUT_MS: number;
  readonly GRPC_MAX_CONNECTION_AGE_MS?: number;
  readonly GRPC_MAX_CONNECTION_AGE_GRACE_MS?: number;
}

export interface ServiceDefinitionOptions<DB> {
  readonly config: ServiceBaseConfig;
  readonly log: Logger;
  readonly migrations: Record<string, Migration>;
  /** Session settings for every database connection (see DatabaseOptions). */
  readonly sessionSettings?: Readonly<Record<string, string>>;
  /** Wires repository -> service -> server on the opened database. */
  readonly build: (db: Kysely<DB>) => readonly GrpcService[];
  /** Runs after the server stopped taking calls, before the database closes (background workers). */
  readonly beforeClose?: () => Promise<void>;
  /**
   * A service with an outbox (outbox.ts) or consumers (consumer.ts). With NATS_URL set, the
   * process connects to NATS in the background, relays its outbox and runs its consumers; without,
   * its events wait in the outbox (nothing is lost) and it consumes nothing.
   */
  readonly events?: {
    /** The service's name (the NATS connection's, the metrics' label). */
    readonly service: string;
    /** Whether this service records events (runs the relay). */
    readonly outbox: boolean;
    readonly consumers?: (db: Kysely<DB>, bus: EventBus) => readonly RunningConsumer[];
    /** Called after a relay batch was published and before it is marked (fault tests). */
    readonly afterPublish?: () => void;
  };
}

export interface RunningService<DB> {
  readonly port: number;
  /** host:port to dial. */
  readonly address: string;
  readonly database: Database<DB>;
  /** Drains in-flight calls, stops, closes the database. Idempotent. */
  stop(): Promise<void>;
}

/** Opens the database, migrates it, and serves the built services over gRPC. */
export async function startService<DB>(options: ServiceDefinitionOptions<DB>): Promise<RunningService<DB>> {
  const { config, log } = options;
  /** Background work started before the server, stopped (last first) after it. */
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    await options.beforeClose?.();
    for (const close of closers.reverse()) await close();
  };
  const database = await openDatabase<DB>({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolMax: config.DATABASE_POOL_MAX,
    log,
    sessionSettings: options.sessionSettings,
  });
  try {
    await migrateToLatest(database.db, options.migrations, log);
    const events = options.events ? await startEvents(options.events, database, config, log) : undefined;
    closers.push(async () => events?.stop());
    const server = await startGrpcServer({
      host: config.HOST,
      port: config.PORT,
      services: options.build(database.db),
      log,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      maxConnectionAgeMs: config.GRPC_MAX_CONNECTION_AGE_MS,
      maxConnectionAgeGraceMs: config.GRPC_MAX_CONNECTION_AGE_GRACE_MS,
    });
    let stopping: Promise<void> | undefined;
    return {
      port: server.port,
      address: `${dialHost(config.HOST)}:${server.port}`,
      database,
      stop: () =>
        (stopping ??= (async () => {
          await server.shutdown();
          await closeAll();
          await database.close();
        })()),
    };
  } catch (error) {
    await closeAll();
    await database.close();
    throw error;
  }
}

type EventsOptions<DB> = NonNullable<ServiceDefinitionOptions<DB>['events']>;

/** Connects to NATS (in the background) and starts the relay and consumers; or says why not. */
async function startEvents<DB>(
  events: EventsOptions<DB>,
  database: Database<DB>,
  config: ServiceBaseConfig,
  log: Logger,
): Promise<{ stop(): Promise<void> }> {
  const settings = config;
  if (settings.NATS_URL === undefined) {
    log.info(
      events.outbox
        ? 'NATS_URL is not set: events wait in the outbox (nothing is lost) and go out once it is'
        : 'NATS_URL is not set: no events are consumed',
    );
    return { stop: () => Promise.resolve() };
  }
  const [{ createEventBus }, { startOutboxRelay }] = await Promise.all([import('./event-bus.js'), import('./outbox.js')]);
  const bus = createEventBus({ ...settings, NATS_URL: settings.NATS_URL }, log, `${events.service}:${config.PORT}`);
  const stops: Array<() => Promise<void>> = [() => bus.close()];
  try {
    if (events.outbox) {
      const relay = await startOutboxRelay({
        database: database as Database<unknown>,
        bus,
        service: events.service,
        log,
        pollIntervalMs: settings.OUTBOX_POLL_INTERVAL_MS,
        batchSize: settings.OUTBOX_BATCH_SIZE,
        retentionMs: settings.EVENTS_STREAM_MAX_AGE_MS,
        // A claim ends well inside the duplicate window: a re-publish after a crash is dropped.
        leaseMs: Math.min(30_000, Math.floor(settings.EVENTS_DUPLICATE_WINDOW_MS / 2)),
        ...(events.afterPublish ? { afterPublish: events.afterPublish } : {}),
      });
      stops.unshift(() => relay.stop());
    }
    for (const consumer of events.consumers?.(database.db, bus) ?? []) stops.unshift(() => consumer.stop());
  } catch (error) {
    for (const stop of stops) await stop();
    throw error;
  }
  return {
    stop: async () => {
      for (const stop of stops) await stop();
    },
  };
}
