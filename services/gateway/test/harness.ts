import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { accountConfigSchema } from '@emporium/account/config.js';
import { startAccountService, type RunningAccountService } from '@emporium/account/main.js';
import { catalogConfigSchema } from '@emporium/catalog/config.js';
import { startCatalogService } from '@emporium/catalog/main.js';
import { parseConfig } from '@emporium/kit/config.js';
import { createLogger } from '@emporium/kit/logger.js';
import type { RunningService } from '@emporium/kit/service-runtime.js';
import { createTestDatabase, type TestDatabase } from '@emporium/kit/testing.js';
import { orderConfigSchema } from '@emporium/order/config.js';
import { startOrderService } from '@emporium/order/main.js';
import { gatewayConfigSchema } from '../src/config.js';
import { startGateway, type RunningGateway } from '../src/main.js';
import { BACKEND_CALLS_HEADER } from '../src/server.js';

/*
 * The whole platform for a test file: the three services as real gRPC servers on ephemeral ports,
 * each on its own fresh PostgreSQL database, and the gateway on an ephemeral HTTP port. Tests
 * talk to the gateway with fetch, like any client.
 */

export const log = createLogger('gateway-test', process.env.TEST_LOG_LEVEL === undefined ? 'silent' : 'debug');
// Strong enough for the gateway's ADMIN_PASSWORD check (src/secrets.ts).
export const ADMIN = { email: 'admin@emporium.test', password: 'violet teapot orbit 42' };

export interface GraphQLResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly data: Record<string, unknown> | null | undefined;
  readonly errors: readonly GraphQLErrorBody[] | undefined;
  /** Backend calls per RPC, from the x-emporium-backend-calls header. */
  readonly calls: Record<string, number>;
}

export interface GraphQLErrorBody {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions: { readonly code: string } & Record<string, unknown>;
}

export interface RequestOptions {
  readonly variables?: Record<string, unknown>;
  readonly token?: string | undefined;
  readonly headers?: Record<string, string>;
}

const errorsShape = z.array(
  z.looseObject({
    message: z.string(),
    path: z.array(z.union([z.string(), z.number()])).optional(),
    extensions: z.looseObject({ code: z.string() }),
  }),
);

function parseCalls(header: string | null): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const part of (header ?? '').split(',')) {
    const [rpc, count] = part.trim().split('=');
    if (rpc && count) calls[rpc] = Number(count);
  }
  return calls;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** POSTs a GraphQL request to url and returns the parsed answer. */
export async function graphql(url: string, query: string, options: RequestOptions = {}): Promise<GraphQLResponse> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  const body: unknown = await response.json();
  if (!isRecord(body)) throw new Error(`not a GraphQL response: ${JSON.stringify(body)}`);
  const data = body.data;
  const errors = body.errors;
  return {
    status: response.status,
    headers: response.headers,
    data: isRecord(data) ? data : data === null ? null : undefined,
    errors: errors === undefined ? undefined : errorsShape.parse(errors),
    calls: parseCalls(response.headers.get(BACKEND_CALLS_HEADER)),
  };
}

/** Total backend calls of a response. */
export const totalCalls = (response: GraphQLResponse) => Object.values(response.calls).reduce((a, b) => a + b, 0);

/** The error codes of a response, in order. */
export const codes = (response: GraphQLResponse) => (response.errors ?? []).map((e) => e.extensions.code);

type Service = Pick<RunningService<never>, 'address' | 'port' | 'stop'>;

export interface Stack {
  readonly url: string;
  readonly gateway: RunningGateway;
  /** The services, to stop one mid-test (an outage) or read its address. */
  readonly account: Service & Pick<RunningAccountService, 'hashing'>;
  readonly catalog: Service;
  readonly order: Service;
  readonly dataDir: string;
  /** Each service's own database, for a test that models data written before an upgrade. */
  readonly databaseUrls: Readonly<Record<'account' | 'catalog' | 'order', string>>;
  request(query: string, options?: RequestOptions): Promise<GraphQLResponse>;
  /** Starts another gateway on the same services (and, unless given, the same data dir). */
  startGateway(env?: Record<string, string>): Promise<RunningGateway>;
  stop(): Promise<void>;
}

/** accountEnv: the account service's variables over the defaults below (e.g. HASH_CONCURRENCY). */
export async function startStack(gatewayEnv: Record<string, string> = {}, accountEnv: Record<string, string> = {}): Promise<Stack> {
  const databases: TestDatabase[] = [];
  const database = async () => {
    const created = await createTestDatabase('emporium_gateway_test');
    databases.push(created);
    return created.url;
  };
  const [accountDb, catalogDb, orderDb] = await Promise.all([database(), database(), database()]);
  const account = await startAccountService(
    // A roomy hashing queue: suites sign up many users at once; admission itself is tested with
    // tight settings in hash-burst.test.ts.
    parseConfig(accountConfigSchema, {
      PORT: '0',
      SCRYPT_LOG_N: '10',
      HASH_QUEUE_MAX: '10000',
      HASH_MAX_WAIT_MS: '60000',
      DATABASE_URL: accountDb,
      ...accountEnv,
    }),
    log,
  );
  const catalog = await startCatalogService(parseConfig(catalogConfigSchema, { PORT: '0', DATABASE_URL: catalogDb }), log);
  const order = await startOrderService(
    parseConfig(orderConfigSchema, {
      PORT: '0',
      DATABASE_URL: orderDb,
      ACCOUNT_ADDRESS: account.address,
      CATALOG_ADDRESS: catalog.address,
      RECONCILE_INTERVAL_MS: '0',
    }),
    log,
  );
  const dataDir = await mkdtemp(join(tmpdir(), 'emporium-gateway-'));
  const gateways: RunningGateway[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const config = parseConfig(gatewayConfigSchema, {
      PORT: '0',
      ACCOUNT_ADDRESS: account.address,
      CATALOG_ADDRESS: catalog.address,
      ORDER_ADDRESS: order.address,
      DATA_DIR: dataDir,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      EXPOSE_BACKEND_CALLS: 'true',
      GRAPHIQL: 'false',
      BACKEND_DEADLINE_MS: '3000',
      // Every test client is 127.0.0.1 and signs up or logs in far more often than a person: the
      // rate limits are raised out of the way here. test/rate-limits.test.ts sets its own.
      RATE_LIMIT_REQUESTS: '1000000',
      AUTH_ATTEMPTS_PER_IP: '1000000',
      SIGNUPS_PER_IP: '1000000',
      AUTH_FAILURES_PER_EMAIL: '1000000',
      ...gatewayEnv,
      ...env,
    });
    const gateway = await startGateway(config, log);
    gateways.push(gateway);
    return gateway;
  };
  const gateway = await start();
  return {
    url: gateway.url,
    gateway,
    account,
    catalog,
    order,
    dataDir,
    databaseUrls: { account: accountDb, catalog: catalogDb, order: orderDb },
    request: (query, options) => graphql(gateway.url, query, options),
    startGateway: start,
    stop: async () => {
      await Promise.all(gateways.map((g) => g.stop()));
      await order.stop();
      await Promise.all([catalog.stop(), account.stop()]);
      await Promise.all(databases.map((d) => d.drop()));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let sequence = 0;
export const uniqueEmail = (tag = 'user') => `${tag}.${Date.now().toString(36)}.${sequence++}@example.com`;

/** Signs up a new customer and returns its id and token. */
export async function signUp(stack: Stack, name = 'Ada Lovelace'): Promise<{ id: string; token: string; email: string }> {
  const email = uniqueEmail();
  const response = await stack.request(
    `mutation($input: SignUpInput!) { signUp(input: $input) { token account { id } } }`,
    { variables: { input: { name, email, password: 'correct horse battery' } } },
  );
  const payload = response.data?.signUp;
  if (!isRecord(payload) || typeof payload.token !== 'string' || !isRecord(payload.account) || typeof payload.account.id !== 'string') {
    throw new Error(`signUp failed: ${JSON.stringify(response.errors)}`);
  }
  return { id: payload.account.id, token: payload.token, email };
}

export async function logInAdmin(stack: Stack): Promise<string> {
  const response = await stack.request(`mutation($input: LogInInput!) { logIn(input: $input) { token } }`, {
    variables: { input: ADMIN },
  });
  const payload = response.data?.logIn;
  if (!isRecord(payload) || typeof payload.token !== 'string') throw new Error(`admin logIn failed: ${JSON.stringify(response.errors)}`);
  return payload.token;
}

/** Reads a nested value from response data by path, failing loudly when it is not there. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof key === 'number') {
      if (!Array.isArray(current)) throw new Error(`expected an array at ${path.join('.')}`);
      current = current[key];
    } else {
      if (!isRecord(current)) throw new Error(`expected an object at ${path.join('.')}`);
      current = current[key];
    }
  }
  return current;
}
