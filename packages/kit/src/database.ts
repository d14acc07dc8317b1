import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, type DatabaseConnection, type IsolationLevel, type Migration, type Transaction } from 'kysely';
import type pg from 'pg';
import { ensurePGliteTemplate, lockDataDir } from './embedded.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { Logger } from './logger.js';
import { pools, type PoolState } from './metrics.js';
import { tracedDialect } from './tracing.js';

export interface DatabaseOptions {
  /** postgres:// URL; when absent, an embedded PGlite in dataDir. */
  readonly url?: string | undefined;
  readonly dataDir: string;
  readonly poolMax?: number;
  readonly log: Logger;
  /**
   * Settings every session of this database gets (name -> value, as `SET` would take them), e.g.
   * a service's planner costs; they hold whatever the server's or the URL's defaults are.
   */
  readonly sessionSettings?: Readonly<Record<string, string>>;
}

type RunQuery = (sql: string, parameters: unknown[]) => Promise<unknown>;

/** set_config for each setting: parameters, so no name or value is ever spliced into SQL. */
async function applySessionSettings(run: RunQuery, settings: Readonly<Record<string, string>> = {}): Promise<void> {
  for (const [name, value] of Object.entries(settings)) await run('select set_config($1, $2, false)', [name, value]);
}

export interface Database<DB> {
  readonly db: Kysely<DB>;
  readonly engine: 'postgres' | 'pglite';
  /**
   * Calls onNotify for each NOTIFY on channel (sent by committed transactions only), and once
   * more after the listening connection was lost and made again (a notification may have been
   * missed meanwhile). Returns the function that stops listening.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** Both engines read bigint columns as BigInt (exact money) and numeric as its decimal string. */
const parseBigInt = (value: string): bigint => BigInt(value);
function pgTypesOf(types: typeof pg.types): pg.CustomTypesConfig {
  const defaultTextParser = (oid: number) => types.getTypeParser(oid, 'text') as (value: string) => unknown;
  return { getTypeParser: (oid: number) => (oid === INT8_OID ? parseBigInt : defaultTextParser(oid)) };
}
const pgliteParsers = {
  [INT8_OID]: parseBigInt,
  [NUMERIC_OID]: (value: string) => value,
};

function postgresPoolState(pool: pg.Pool): PoolState {
  return { inUse: pool.totalCount - pool.idleCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max ?? 10 };
}

/*
 * Each engine's driver is imported when a database of that engine is opened, not with this
 * module: a process that imports the kit's database helpers (or none at all, as the gateway)
 * loads neither pg nor PGlite's WebAssembly build unless it opens one.
 */
export async function openDatabase<DB>(options: DatabaseOptions): Promise<Database<DB>> {
  if (options.url !== undefined) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolMax ?? 10, types: pgTypesOf(pg.types) });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', (error) => options.log.warn({ err: error }, 'idle database connection failed'));
    // Nor one that is checked out between two statements of a transaction (the pool listens only
    // to idle ones): the transaction's next statement fails, and the client is not reused.
    pool.on('connect', (client) =>
      client.on('error', (error) => options.log.warn({ err: error }, 'database connection failed while in use')),
    );
    const onCreateConnection = (connection: DatabaseConnection) =>
      applySessionSettings((query, parameters) => connection.executeQuery(CompiledQuery.raw(query, parameters)), options.sessionSettings);
    const db = new Kysely<DB>({ dialect: tracedDialect(new PostgresDialect({ pool, onCreateConnection })) });
    const unwatch = pools.add(() => postgresPoolState(pool));
    const listeners = new Set<() => Promise<void>>();
    return {
      db,
      engine: 'postgres',
      listen: async (channel, onNotify) => {
        const stop = await listenOnPostgres(pg, options, channel, onNotify);
        listeners.add(stop);
        return async () => {
          listeners.delete(stop);
          await stop();
        };
      },
      close: async () => {
        unwatch();
        await Promise.all([...listeners].map((stop) => stop()));
        await db.destroy();
      },
    };
  }
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  try {
    const pgdata = join(dataDir, 'pgdata');
    if (!existsSync(pgdata)) cpSync((await ensurePGliteTemplate()).dir, pgdata, { recursive: true });
    const { PGlite } = await import('@electric-sql/pglite');
    const embedded = await PGlite.create({ dataDir: pgdata, parsers: pgliteParsers });
    // One session for the life of the process: set once.
    try {
      await applySessionSettings((query, parameters) => embedded.query(query, parameters), options.sessionSettings);
    } catch (error) {
      await embedded.close();
      throw error;
    }
    const dialect = new PGliteDialect(embedded);
    const db = new Kysely<DB>({ dialect: tracedDialect(dialect) });
    const unwatch = pools.add(() => dialect.poolState());
    options.log.info({ dataDir }, 'using embedded PGlite database');
    return {
      db,
      engine: 'pglite',
      // LISTEN is transactional and the embedded database is one session: take the connection
      // (nobody's transaction is open meanwhile), so that the LISTEN is a statement of its own.
      listen: (channel, onNotify) =>
        db.connection().execute(async () => {
          const unlisten = await embedded.listen(channel, onNotify);
          return () => db.connection().execute(() => unlisten());
        }),
      close: async () => {
        unwatch();
        await db.destroy();
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}

/**
 * LISTEN on a connection of its own (a pooled one goes back to the pool), made again a second
 * after it is lost, for as long as the listener is wanted.
 */
async function listenOnPostgres(
  driver: typeof pg,
  options: DatabaseOptions,
  channel: string,
  onNotify: () => void,
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const open = async (): Promise<void> => {
    const next = new driver.Client({ connectionString: options.url });
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify();
    });
    next.on('error', (error) => {
      options.log.warn({ err: error, channel }, 'lost the LISTEN connection; listening again in a second');
      void next.end().catch(() => undefined);
      if (client === next) client = undefined;
      if (!stopped) retry = setTimeout(reopen, 1_000);
    });
    await next.connect();
    await next.query(`listen ${quoteIdentifier(channel)}`);
    client = next;
  };
  const reopen = () => {
    open().then(onNotify, (error: unknown) => {
      options.log.warn({ err: error, channel }, 'cannot LISTEN yet; trying again in a second');
      if (!stopped) retry = setTimeout(reopen, 1_000);
    });
  };
  await open();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Applies every migration not yet applied, in name order, in one transaction. Kysely takes a
 * PostgreSQL advisory lock first, so replicas starting together migrate once, one after the other.
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  migrations: Record<string, Migration>,
  log: Logger,
): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } });
  const { error, results } = await migrator.migrateToLatest();
  for (const result of results ?? []) {
    if (result.status === 'Success') log.info({ migration: result.migrationName }, 'migration applied');
    if (result.status === 'Error') log.error({ migration: result.migrationName }, 'migration failed');
  }
  if (error !== undefined) throw error instanceof Error ? error : new Error('migration failed', { cause: error });
}

/** SQLSTATEs after which the whole transaction may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);

export interface TransactionOptions {
  readonly isolation?: IsolationLevel;
  /** Extra attempts after a serialization failure or deadlock. */
  readonly retries?: number;
}

/** Runs fn in a transaction, again from the start if PostgreSQL aborted it for a conflict. */
export async function inTransaction<DB, T>(
  db: Kysely<DB>,
  fn: (trx: Transaction<DB>) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const retries = options.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    try {
      const builder = options.isolation ? db.transaction().setIsolationLevel(options.isolation) : db.transaction();
      return await builder.execute(fn);
    } catch (error) {
      if (attempt >= retries || !RETRYABLE.has(sqlStateOf(error) ?? '')) throw error;
    }
  }
}

/** The SQLSTATE of a database error from either engine, if it is one. */
export function sqlStateOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return /^[0-9A-Z]{5}$/.test(error.code) ? error.code : undefined;
  }
  return undefined;
}

/** True for a unique violation, optionally of one named constraint or index. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (sqlStateOf(error) !== '23505') return false;
  if (constraint === undefined) return true;
  return typeof error === 'object' && error !== null && 'constraint' in error && error.constraint === constraint;
}
