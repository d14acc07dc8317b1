import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Client, credentials, type MethodDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import pg from 'pg';

/** Admin connection for tests: they create and drop their own databases there. */
export const TEST_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty PostgreSQL database owned by one test suite, so suites run in parallel and repeatedly. */
export async function createTestDatabase(prefix = 'emporium_test'): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`create database "${name}"`));
  const url = new URL(TEST_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((client) => client.query(`drop database if exists "${name}" with (force)`)).then(() => undefined),
  };
}

/** A database engine a service's tests run on: the environment that selects it, and its cleanup. */
export interface TestEngine {
  readonly name: string;
  setup(): Promise<{ env: Record<string, string>; cleanup: () => Promise<unknown> }>;
}

/** Both engines a service runs on: PostgreSQL (DATABASE_URL) and embedded PGlite (DATA_DIR), for describe.each. */
export function testEngines(tag: string): readonly TestEngine[] {
  return [
    {
      name: 'PostgreSQL',
      async setup() {
        const database = await createTestDatabase();
        return { env: { DATABASE_URL: database.url }, cleanup: () => database.drop() };
      },
    },
    {
      name: 'embedded PGlite',
      async setup() {
        const dir = await mkdtemp(join(tmpdir(), `emporium-${tag}-`));
        return { env: { DATA_DIR: dir }, cleanup: () => rm(dir, { recursive: true, force: true }) };
      },
    },
  ];
}

/** The service names a server lists over gRPC server reflection (v1), as grpcurl would see them. */
export async function listServicesByReflection(address: string): Promise<string[]> {
  const root = join(dirname(createRequire(import.meta.url).resolve('@grpc/reflection')), '..', 'proto');
  const definition = loadSync('grpc/reflection/v1/reflection.proto', { includeDirs: [root], keepCase: true });
  const method = (definition['grpc.reflection.v1.ServerReflection'] as Record<string, MethodDefinition<unknown, unknown>> | undefined)
    ?.ServerReflectionInfo;
  if (!method) throw new Error('reflection proto has no ServerReflectionInfo');
  const client = new Client(address, credentials.createInsecure());
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const call = client.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize);
      call.on('data', (message: { list_services_response?: { service?: Array<{ name: string }> } }) => {
        resolve((message.list_services_response?.service ?? []).map((s) => s.name));
        call.end();
      });
      call.on('error', reject);
      call.write({ list_services: '' });
    });
  } finally {
    client.close();
  }
}

/** A service started as its own process, with its JSON log lines parsed as they arrive. */
export interface ServiceProcess {
  readonly process: ChildProcess;
  readonly lines: Array<Record<string, unknown>>;
  readonly stderr: string[];
  /** Exit code, or null when killed by a signal. */
  readonly exited: Promise<number | null>;
  /** The first log line matching the predicate (already seen or still to come); rejects if the process exits first. */
  waitFor(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** host:port from the "gRPC server listening" line. */
  listening(): Promise<string>;
}

/** Runs a service's main.ts (TypeScript sources, via tsx) as a child process, as production would run it. */
export function startServiceProcess(mainScript: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--conditions=@emporium/source', '--import', 'tsx', mainScript], {
    env: { PATH: process.env.PATH, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  const waiters = new Set<{ predicate: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }>();
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: unknown;
    try {
      line = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof line !== 'object' || line === null) return;
    const entry = line as Record<string, unknown>;
    lines.push(entry);
    for (const waiter of waiters) {
      if (waiter.predicate(entry)) {
        waiters.delete(waiter);
        waiter.resolve(entry);
      }
    }
  });
  createInterface({ input: child.stderr }).on('line', (text) => stderr.push(text));
  const exited = once(child, 'exit').then(([code]) => (typeof code === 'number' ? code : null));
  const waitFor = (predicate: (line: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const seen = lines.find(predicate);
      if (seen) return resolve(seen);
      waiters.add({ predicate, resolve });
      void exited.then((code) => reject(new Error(`process exited (${code}) first: ${stderr.join('\n')}`)));
    });
  return {
    process: child,
    lines,
    stderr,
    exited,
    waitFor,
    listening: async () => String((await waitFor((line) => line.msg === 'gRPC server listening')).address),
  };
}

/** A TCP port that was free a moment ago (for tests that must restart a server on the same port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}
