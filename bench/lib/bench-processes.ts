import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchDatabases } from './databases.js';
import { log } from './log.js';
import type { BenchOptions, ProcessName } from './options.js';
import { entryPoint, startProcess, type ManagedProcess } from './processes.js';

// Starts what the benchmark measures: the three services and the gateway as production processes
// on the benchmark databases, and the monolith floor beside them.

/** The running processes and the two URLs the loads are sent to. */
export interface BenchProcesses {
  readonly account: ManagedProcess;
  readonly catalog: ManagedProcess;
  readonly order: ManagedProcess;
  readonly gateway: ManagedProcess;
  readonly monolith: ManagedProcess;
  readonly gatewayUrl: string;
  readonly floorUrl: string;
}

// Strong enough for the gateway's ADMIN_PASSWORD check (services/gateway/src/secrets.ts).
export const ADMIN = { email: 'admin@bench.emporium.test', password: 'bench lamp 7c1f orbit' };

const grpcAddress = (line: Record<string, unknown>) => (typeof line.address === 'string' ? line.address : '');
const isGrpcListening = (line: Record<string, unknown>) => line.msg === 'gRPC server listening';
const START_TIMEOUT_MS = 120_000;

/** Starts every process, pushing each onto `processes` as it starts so the caller stops them even after a failure. */
export async function startBenchProcesses(
  root: string,
  options: BenchOptions,
  databases: BenchDatabases,
  scratch: string,
  profileDir: string,
  processes: ManagedProcess[],
): Promise<BenchProcesses> {
  if (options.cpuProf.length > 0) {
    await mkdir(profileDir, { recursive: true });
    for (const name of await readdir(profileDir)) if (options.cpuProf.some((process) => name.startsWith(`${process}.`))) await rm(join(profileDir, name));
  }
  const profileFlags = (name: ProcessName) =>
    options.cpuProf.includes(name) ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  const start = (name: ProcessName, workspace: string, env: Record<string, string>) => {
    const entry = entryPoint(root, workspace);
    const managed = startProcess({
      name,
      args: [...profileFlags(name), ...entry.args],
      // The services' defaults otherwise: production mode, info logs, pools of 10.
      env: { NODE_ENV: 'production', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', ...env },
      cwd: root,
      mode: entry.mode,
    });
    processes.push(managed);
    return managed;
  };

  log('starting account, catalog and order (they create their schemas)');
  const account = start('account', 'services/account', { DATABASE_URL: databases.account });
  const catalog = start('catalog', 'services/catalog', { DATABASE_URL: databases.catalog });
  const [accountAddress, catalogAddress] = await Promise.all([
    account.waitForLine(isGrpcListening, START_TIMEOUT_MS).then(grpcAddress),
    catalog.waitForLine(isGrpcListening, START_TIMEOUT_MS).then(grpcAddress),
  ]);
  const order = start('order', 'services/order', {
    DATABASE_URL: databases.order,
    ACCOUNT_ADDRESS: accountAddress,
    CATALOG_ADDRESS: catalogAddress,
  });
  const orderAddress = grpcAddress(await order.waitForLine(isGrpcListening, START_TIMEOUT_MS));

  log('starting the gateway and the monolith floor');
  const jwtSecret = randomBytes(32).toString('base64url');
  const gateway = start('gateway', 'services/gateway', {
    ACCOUNT_ADDRESS: accountAddress,
    CATALOG_ADDRESS: catalogAddress,
    ORDER_ADDRESS: orderAddress,
    JWT_SECRET: jwtSecret,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    // The run logs in once and keeps its tokens for every scenario: longer than the 15-minute default.
    ACCESS_TOKEN_TTL_SECONDS: String(24 * 3600),
    // The GraphiQL bundle is not on the measured path, and building it would only slow the start.
    GRAPHIQL: 'false',
    EXPOSE_BACKEND_CALLS: 'true',
    DATA_DIR: join(scratch, 'gateway'),
    // All the load comes from 127.0.0.1: the per-IP rate limits (sized for one person each)
    // would measure refusals instead of the platform.
    RATE_LIMIT_REQUESTS: '1000000000',
    AUTH_ATTEMPTS_PER_IP: '1000000000',
    SIGNUPS_PER_IP: '1000000000',
  });
  const monolith = startProcess({
    name: 'monolith',
    args: [...profileFlags('monolith'), '--conditions=@emporium/source', '--import', 'tsx', join(root, 'bench', 'monolith', 'server.ts')],
    env: {
      NODE_ENV: 'production',
      ACCOUNT_DATABASE_URL: databases.account,
      CATALOG_DATABASE_URL: databases.catalog,
      ORDER_DATABASE_URL: databases.order,
      JWT_SECRET: jwtSecret,
    },
    cwd: root,
    mode: 'tsx-source',
  });
  processes.push(monolith);
  const portOf = (line: Record<string, unknown>) => (typeof line.port === 'number' ? line.port : 0);
  const [gatewayPort, monolithPort] = await Promise.all([
    gateway.waitForLine((line) => line.msg === 'gateway listening', START_TIMEOUT_MS).then(portOf),
    monolith.waitForLine((line) => line.msg === 'monolith listening', START_TIMEOUT_MS).then(portOf),
  ]);
  return {
    account,
    catalog,
    order,
    gateway,
    monolith,
    gatewayUrl: `http://127.0.0.1:${gatewayPort}/graphql`,
    floorUrl: `http://127.0.0.1:${monolithPort}/graphql`,
  };
}
