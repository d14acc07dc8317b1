import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Client, credentials, type MethodDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
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
