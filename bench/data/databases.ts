import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { CATALOG_SESSION_SETTINGS } from '@emporium/catalog/config.js';
import { withPostgres } from '@emporium/testkit/databases.js';

// The benchmark's PostgreSQL databases: three fresh ones per run (each service owns its own, as in
// production), created on BENCH_DATABASE_URL's server and dropped afterwards.

/** Where benchmark databases are created: BENCH_DATABASE_URL, else the local trust-auth server. */
export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  return withPostgres(ADMIN_URL, fn);
}

export interface BenchDatabases {
  readonly account: string;
  readonly catalog: string;
  readonly order: string;
  /** Drops all three; safe to call more than once. */
  drop(): Promise<void>;
}

function urlOf(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Three fresh, empty databases for one run (each service owns its own, as in production), with
 * optional per-database settings (ALTER DATABASE … SET), for trying a server setting out.
 */
export async function createBenchDatabases(settings: Readonly<Record<string, string>> = {}): Promise<BenchDatabases> {
  const run = `emporium_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const names = { account: `${run}_account`, catalog: `${run}_catalog`, order: `${run}_order` };
  const created: string[] = [];
  const drop = () =>
    withAdmin(async (client) => {
      for (const name of created.splice(0)) await client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
    });
  try {
    await withAdmin(async (client) => {
      for (const name of Object.values(names)) {
        await client.query(`create database ${pg.escapeIdentifier(name)}`);
        created.push(name);
        // The catalog's own session settings hold for the floor and pgbench too: the same plans.
        const own: Readonly<Record<string, string>> = name === names.catalog ? CATALOG_SESSION_SETTINGS : {};
        for (const [setting, value] of Object.entries({ ...own, ...settings })) {
          if (!/^[a-z_]+$/.test(setting)) throw new Error(`not a setting name: ${setting}`);
          await client.query(`alter database ${pg.escapeIdentifier(name)} set ${setting} = ${pg.escapeLiteral(value)}`);
        }
      }
    });
  } catch (error) {
    await drop();
    throw error;
  }
  return { account: urlOf(names.account), catalog: urlOf(names.catalog), order: urlOf(names.order), drop };
}

/** "PostgreSQL 15.20 (Debian …)" and its settings that matter for reading the numbers. */
export async function describeServer(): Promise<{ version: string; settings: Record<string, string> }> {
  return withAdmin(async (client) => {
    const { rows } = await client.query<{ version: string }>('select version() as version');
    const settings: Record<string, string> = {};
    for (const name of ['max_connections', 'shared_buffers', 'work_mem', 'synchronous_commit', 'fsync']) {
      const result = await client.query<{ value: string }>(`select current_setting($1) as value`, [name]);
      settings[name] = result.rows[0]?.value ?? '';
    }
    return { version: rows[0]?.version ?? 'unknown', settings };
  });
}

/** One more fresh, empty database (a service beside the three, e.g. notification); drop() is safe to call more than once. */
export async function createBenchDatabase(service: string): Promise<{ readonly url: string; drop(): Promise<void> }> {
  if (!/^[a-z]+$/.test(service)) throw new Error(`not a service name: ${service}`);
  const name = `emporium_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}_${service}`;
  await withAdmin((client) => client.query(`create database ${pg.escapeIdentifier(name)}`));
  let dropped = false;
  return {
    url: urlOf(name),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin((client) => client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`));
    },
  };
}
