import type { PGlite } from '@electric-sql/pglite';
import type { PoolState } from './metrics.js';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/**
 * PGlite is one PostgreSQL backend in this process: one session. Kysely assumes each connection is
 * its own session, so this driver hands out the single connection to one holder at a time; a
 * transaction keeps it until commit or rollback. Everything is serialized, which is correct (the
 * same SQL, the same isolation) and fast enough for an embedded development database.
 */
class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pg: PGlite) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.pg.query<R>(compiledQuery.sql, [...compiledQuery.parameters], { rowMode: 'object' });
    const affected = result.affectedRows;
    return {
      rows: result.rows,
      ...(affected !== undefined && affected > 0 ? { numAffectedRows: BigInt(affected) } : {}),
    };
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on the embedded database');
  }
}

class PGliteDriver implements Driver {
  private readonly connection: PGliteConnection;
  /** Settles when the last holder in line has released the connection. */
  private tail: Promise<void> = Promise.resolve();
  private releaseHeld: (() => void) | undefined;
  /** The holder of the connection and those in line for it (metrics). */
  lined = 0;

  constructor(private readonly pg: PGlite) {
    this.connection = new PGliteConnection(pg);
  }

  async init(): Promise<void> {
    await this.pg.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    this.lined++;
    const previous = this.tail;
    let release: () => void = () => undefined;
    this.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.releaseHeld = release;
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const parts = ['start transaction'];
    if (settings.isolationLevel) parts.push(`isolation level ${settings.isolationLevel}`);
    if (settings.accessMode) parts.push(settings.accessMode);
    await connection.executeQuery(CompiledQuery.raw(parts.join(' ')));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  releaseConnection(): Promise<void> {
    const release = this.releaseHeld;
    this.releaseHeld = undefined;
    if (release !== undefined) this.lined--;
    release?.();
    return Promise.resolve();
  }

  async destroy(): Promise<void> {
    await this.tail;
    await this.pg.close();
  }
}

export class PGliteDialect implements Dialect {
  private driver: PGliteDriver | undefined;

  constructor(private readonly pg: PGlite) {}

  createDriver(): Driver {
    this.driver = new PGliteDriver(this.pg);
    return this.driver;
  }

  /** Its one connection as a pool of one: in use or idle, and the callers in line for it. */
  poolState(): PoolState {
    const lined = this.driver?.lined ?? 0;
    return { inUse: Math.min(lined, 1), idle: lined > 0 ? 0 : 1, waiting: Math.max(lined - 1, 0), max: 1 };
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
