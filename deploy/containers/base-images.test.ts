// The base images the Dockerfile and compose.yaml run on (node:24-trixie-slim, postgres:17-trixie,
// redis:8-trixie), tested by the contract Emporium relies on, whichever image holds the tag: the
// official one when it could be pulled, or the stand-in deploy/images/build.ts built air-gapped.
// Nothing here looks at how an image is made.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from '@emporium/testkit/eventually.js';
import { freePort } from '@emporium/testkit/ports.js';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const suffix = `${process.pid}-${Date.now().toString(36)}`;
const created = { containers: [] as string[], volumes: [] as string[], networks: [] as string[], dirs: [] as string[] };

/** Runs docker; resolves with its exit code and its stdout and stderr. */
async function dockerResult(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync('docker', args, { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout: stdout.trim(), stderr: stderr.trim() };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: (failed.stdout ?? '').trim(), stderr: (failed.stderr ?? '').trim() };
  }
}

/** Runs docker; its stdout, or an error carrying stderr when it fails. */
async function docker(...args: string[]): Promise<string> {
  const result = await dockerResult(...args);
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} exited with ${result.code}: ${result.stderr}`);
  return result.stdout;
}

function name(kind: string): string {
  return `emporium-test-${kind}-${suffix}`;
}

/** The uid, gid and home of a user in an image's /etc/passwd. */
async function passwdEntry(image: string, user: string): Promise<{ uid: string; gid: string; home: string }> {
  const [, , uid = '', gid = '', , home = ''] = (await docker('run', '--rm', '--entrypoint', 'getent', image, 'passwd', user)).split(':');
  return { uid, gid, home };
}

/** Uid and gid of a running container's PID 1, from /proc (the image may have no ps). */
async function pid1Ids(container: string): Promise<{ uid: string; gid: string }> {
  const status = await docker('exec', container, 'cat', '/proc/1/status');
  const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1] ?? '';
  const gid = /^Gid:\s+(\d+)/m.exec(status)?.[1] ?? '';
  return { uid, gid };
}

afterAll(async () => {
  for (const container of created.containers) await dockerResult('rm', '--force', '--volumes', container);
  for (const volume of created.volumes) await dockerResult('volume', 'rm', '--force', volume);
  for (const network of created.networks) await dockerResult('network', 'rm', network);
  for (const dir of created.dirs) rmSync(dir, { recursive: true, force: true });
});

describe('node:24-trixie-slim', () => {
  const image = 'node:24-trixie-slim';

  it('runs Node 24 by default', async () => {
    expect(await docker('run', '--rm', image, 'node', '--version')).toMatch(/^v24\.\d+\.\d+$/);
    expect(await docker('run', '--rm', image, 'node', '-e', 'console.log(process.versions.node.split(".")[0])')).toBe('24');
  });

  it('has a working npm and npx', async () => {
    expect(await docker('run', '--rm', image, 'npm', '--version')).toMatch(/^\d+\.\d+\.\d+$/);
    // npm creates and reads a package offline, as the unprivileged user.
    const name = await docker('run', '--rm', '--user', 'node', '--workdir', '/tmp', image, 'sh', '-c',
      'npm init --yes >/dev/null && npm pkg set name=emporium-probe && npm pkg get name');
    expect(name).toBe('"emporium-probe"');
    expect(await docker('run', '--rm', image, 'npx', '--version')).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('has the user node, uid and gid 1000, home /home/node', async () => {
    expect(await docker('run', '--rm', '--user', 'node', image, 'id')).toMatch(/^uid=1000\(node\) gid=1000\(node\)/);
    expect(await passwdEntry(image, 'node')).toEqual({ uid: '1000', gid: '1000', home: '/home/node' });
    expect(await docker('run', '--rm', '--user', '1000:1000', image, 'sh', '-c', 'touch "$HOME/probe" && echo "$HOME"')).toBe('/home/node');
  });
});

describe('postgres:17-trixie', () => {
  const image = 'postgres:17-trixie';
  const password = `pw-${suffix}`;

  /** A directory mounted at /docker-entrypoint-initdb.d holding the given executable scripts. */
  function initDirectory(scripts: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'emporium-initdb-'));
    created.dirs.push(dir);
    chmodSync(dir, 0o755);
    for (const [file, text] of Object.entries(scripts)) {
      writeFileSync(join(dir, file), text);
      chmodSync(join(dir, file), 0o755);
    }
    return dir;
  }

  async function query<T extends pg.QueryResultRow>(port: number, sql: string, user = 'postgres', secret = password, database = 'postgres'): Promise<T[]> {
    const client = new pg.Client({ host: '127.0.0.1', port, user, password: secret, database });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  }

  async function reachable(port: number): Promise<boolean> {
    try {
      await query(port, 'select 1');
      return true;
    } catch {
      return false;
    }
  }

  it('refuses to initialise without POSTGRES_PASSWORD', async () => {
    const container = name('pg-nopw');
    created.containers.push(container);
    const result = await dockerResult('run', '--name', container, image);
    expect(result.code).not.toBe(0);
    expect(`${result.stdout}\n${result.stderr}`).toContain('POSTGRES_PASSWORD');
  });

  it('runs the init scripts once, without TCP, then serves TCP with the password and keeps data across a restart', async () => {
    // The script records what it saw: the server's listen_addresses and whether TCP answered.
    const dir = initDirectory({
      '10-record.sh': `#!/usr/bin/env bash
set -euo pipefail
tcp=0
pg_isready --host=127.0.0.1 --port=5432 --timeout=3 >/dev/null 2>&1 || tcp=$?
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
create table if not exists init_runs (listen_addresses text, tcp_probe_exit int, ran_as text);
insert into init_runs values (current_setting('listen_addresses'), $tcp, '$(id -un)');
SQL
`,
    });
    const container = name('pg');
    const volume = name('pg-data');
    created.containers.push(container);
    created.volumes.push(volume);
    const port = await freePort();
    await docker('run', '--detach', '--name', container, '--env', `POSTGRES_PASSWORD=${password}`,
      '--publish', `127.0.0.1:${port}:5432`, '--volume', `${volume}:/var/lib/postgresql/data`,
      '--volume', `${dir}:/docker-entrypoint-initdb.d:ro`, image);

    await eventually(() => reachable(port), Boolean, 120_000);
    const runs = await query<{ listen_addresses: string; tcp_probe_exit: number; ran_as: string }>(port, 'select * from init_runs');
    // One run, on the temporary server that listens on no TCP address (pg_isready: 2 = no response).
    expect(runs).toEqual([{ listen_addresses: '', tcp_probe_exit: 2, ran_as: 'postgres' }]);
    // A wrong password is refused over TCP.
    await expect(query(port, 'select 1', 'postgres', 'not-the-password')).rejects.toThrow(/password/);
    expect(await docker('exec', container, 'pg_isready', '--host=127.0.0.1')).toContain('accepting connections');

    await query(port, "create table kept (note text); insert into kept values ('before restart')");
    await docker('restart', container);
    await eventually(() => reachable(port), Boolean, 120_000);
    expect(await query(port, 'select note from kept')).toEqual([{ note: 'before restart' }]);
    expect(await query(port, 'select count(*)::int as runs from init_runs')).toEqual([{ runs: 1 }]);
    // The server runs as postgres, not root.
    const postgresUid = await docker('exec', container, 'id', '-u', 'postgres');
    expect((await pid1Ids(container)).uid).toBe(postgresUid);
    expect(postgresUid).not.toBe('0');
  });

  it('runs deploy/postgres/init-databases.sh unchanged: a database and a role per service', async () => {
    const script = readFileSync(new URL('../postgres/init-databases.sh', import.meta.url), 'utf8');
    const dir = initDirectory({ '10-emporium-databases.sh': script });
    const container = name('pg-emporium');
    created.containers.push(container);
    const port = await freePort();
    await docker('run', '--detach', '--name', container, '--env', `POSTGRES_PASSWORD=${password}`,
      '--env', 'EMPORIUM_DATABASES=account catalog', '--env', 'ACCOUNT_DB_PASSWORD=account1', '--env', 'CATALOG_DB_PASSWORD=catalog1',
      '--publish', `127.0.0.1:${port}:5432`, '--volume', `${dir}:/docker-entrypoint-initdb.d:ro`, image);
    await eventually(() => reachable(port), Boolean, 120_000);

    expect(await query(port, 'select current_user as who', 'account', 'account1', 'account')).toEqual([{ who: 'account' }]);
    expect(await query(port, 'select current_database() as db', 'catalog', 'catalog1', 'catalog')).toEqual([{ db: 'catalog' }]);
    // One service's role cannot open another's database.
    await expect(query(port, 'select 1', 'account', 'account1', 'catalog')).rejects.toThrow(/permission denied/);
  });
});

describe('redis:8-trixie', () => {
  const image = 'redis:8-trixie';

  it('has the user redis, uid and gid 999, and redis-server 8', async () => {
    expect(await passwdEntry(image, 'redis')).toMatchObject({ uid: '999', gid: '999' });
    expect(await docker('run', '--rm', '--entrypoint', 'redis-server', image, '--version')).toMatch(/v=8\./);
  });

  it('answers PING from another container, running as redis', async () => {
    const network = name('redis-net');
    await docker('network', 'create', network);
    created.networks.push(network);
    const server = name('redis');
    created.containers.push(server);
    await docker('run', '--detach', '--name', server, '--network', network, image);

    const ping = () => dockerResult('run', '--rm', '--network', network, '--entrypoint', 'redis-cli', image, '-h', server, 'ping');
    expect((await eventually(ping, (result) => result.stdout === 'PONG', 60_000)).stdout).toBe('PONG');
    // Started as root by default, the server runs as redis.
    expect(await pid1Ids(server)).toEqual({ uid: '999', gid: '999' });
    expect(await docker('exec', server, 'pwd')).toBe('/data');
  });

  it('runs read-only as user redis with its append-only file on the /data volume (as compose.yaml runs it)', async () => {
    const server = name('redis-ro');
    const volume = name('redis-data');
    created.containers.push(server);
    created.volumes.push(volume);
    await docker('run', '--detach', '--name', server, '--user', 'redis', '--read-only', '--cap-drop', 'ALL',
      '--volume', `${volume}:/data`, image, 'redis-server', '--appendonly', 'yes', '--save', '');

    const set = () => dockerResult('exec', server, 'redis-cli', 'set', 'emporium', 'kept');
    await eventually(set, (result) => result.stdout === 'OK', 60_000);
    await docker('restart', server);
    const get = () => dockerResult('exec', server, 'redis-cli', 'get', 'emporium');
    expect((await eventually(get, (result) => result.stdout === 'kept', 60_000)).stdout).toBe('kept');
    expect(await pid1Ids(server)).toEqual({ uid: '999', gid: '999' });
  });
});
