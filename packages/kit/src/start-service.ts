import type { Kysely, Migration } from 'kysely';
import { dialHost } from './config.js';
import { migrateToLatest, openDatabase, type Database } from './database.js';
import { startGrpcServer, type GrpcService } from './grpc-server.js';
import type { Logger } from './logger.js';

/** The configuration every service has (see serviceConfigShape). */
export interface ServiceBaseConfig {
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
  const database = await openDatabase<DB>({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolMax: config.DATABASE_POOL_MAX,
    log,
    sessionSettings: options.sessionSettings,
  });
  try {
    await migrateToLatest(database.db, options.migrations, log);
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
          await options.beforeClose?.();
          await database.close();
        })()),
    };
  } catch (error) {
    await options.beforeClose?.();
    await database.close();
    throw error;
  }
}
