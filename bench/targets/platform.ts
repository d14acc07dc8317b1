import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { youngGenerationFlags } from '../../scripts/node-flags.js';
import type { BenchDatabases } from '../data/databases.js';
import { startProcess, type ManagedProcess, type RunMode } from './managed-process.js';

// The processes under test: the three services and the gateway as production processes on the
// benchmark databases (the platform), and beside them the monolith floor (monolith-floor.ts).

export const PLATFORM_PROCESSES = ['account', 'catalog', 'order', 'gateway'] as const;
export type PlatformProcess = (typeof PLATFORM_PROCESSES)[number];

/** How one run starts its platform processes. */
export interface Launch {
  readonly root: string;
  /** The process's name in the logs and results: the service's own, or e.g. "full/gateway". */
  readonly nameOf: (service: PlatformProcess) => string;
  /** Node flags before the entry point, e.g. --cpu-prof. */
  readonly nodeFlagsOf: (service: PlatformProcess) => readonly string[];
  /** Added to every process's environment (a tracing mode's variables, the reconciler turned off). */
  readonly env: Readonly<Record<string, string>>;
  /** Each process is pushed here as it starts, so the caller stops them even after a failure. */
  readonly started: ManagedProcess[];
}

/** The three services, started and listening. */
export interface RunningServices {
  readonly account: ManagedProcess;
  readonly catalog: ManagedProcess;
  readonly order: ManagedProcess;
  readonly accountAddress: string;
  readonly catalogAddress: string;
  readonly orderAddress: string;
}

const START_TIMEOUT_MS = 120_000;
const grpcAddress = (line: Record<string, unknown>) => (typeof line.address === 'string' ? line.address : '');
const isGrpcListening = (line: Record<string, unknown>) => line.msg === 'gRPC server listening';

/**
 * How to run a workspace's main: its production build when tsconfig.build.json builds it (so
 * `npm run build` just refreshed dist/), else its TypeScript sources through tsx — said in the
 * results, since only the start-up differs (tsx compiles each module once, at import). With the
 * V8 flags `npm start` gives its processes on this Node (scripts/node-flags.ts).
 */
export function entryPoint(root: string, workspace: string): { mode: RunMode; args: string[] } {
  const buildConfig = readFileSync(join(root, 'tsconfig.build.json'), 'utf8');
  const built = buildConfig.includes(`"${workspace}/tsconfig.build.json"`);
  const dist = join(root, workspace, 'dist', 'src', 'main.js');
  const flags = youngGenerationFlags();
  if (built && existsSync(dist)) return { mode: 'dist', args: [...flags, dist] };
  return { mode: 'tsx-source', args: [...flags, '--conditions=@emporium/source', '--import', 'tsx', join(root, workspace, 'src', 'main.ts')] };
}

function startPlatformProcess(launch: Launch, service: PlatformProcess, env: Record<string, string>): ManagedProcess {
  return startServiceProcess(launch, service, launch.nameOf(service), launch.nodeFlagsOf(service), env);
}

/** services/<service>'s main as a production process, with the launch's environment and its own. */
function startServiceProcess(launch: Launch, service: string, name: string, nodeFlags: readonly string[], env: Record<string, string>): ManagedProcess {
  const entry = entryPoint(launch.root, `services/${service}`);
  const managed = startProcess({
    name,
    args: [...nodeFlags, ...entry.args],
    // The services' defaults otherwise: production mode, info logs, pools of 10.
    env: { NODE_ENV: 'production', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', ...launch.env, ...env },
    cwd: launch.root,
    mode: entry.mode,
  });
  launch.started.push(managed);
  return managed;
}

/** Account and catalog, then order (it needs their addresses); each creates its schema on start. */
export async function startServices(launch: Launch, databases: BenchDatabases): Promise<RunningServices> {
  const account = startPlatformProcess(launch, 'account', { DATABASE_URL: databases.account });
  const catalog = startPlatformProcess(launch, 'catalog', { DATABASE_URL: databases.catalog });
  const [accountAddress, catalogAddress] = await Promise.all([
    account.waitForLine(isGrpcListening, START_TIMEOUT_MS).then(grpcAddress),
    catalog.waitForLine(isGrpcListening, START_TIMEOUT_MS).then(grpcAddress),
  ]);
  const order = startPlatformProcess(launch, 'order', { DATABASE_URL: databases.order, ACCOUNT_ADDRESS: accountAddress, CATALOG_ADDRESS: catalogAddress });
  const orderAddress = grpcAddress(await order.waitForLine(isGrpcListening, START_TIMEOUT_MS));
  return { account, catalog, order, accountAddress, catalogAddress, orderAddress };
}

/**
 * The notification service (issue 25's consumer) beside a launch's services, on its own database:
 * it consumes their events from NATS and looks the recipients up in their account service.
 */
export async function startNotification(
  launch: Launch,
  settings: { readonly name: string; readonly nodeFlags?: readonly string[]; readonly env: Readonly<Record<string, string>> },
): Promise<ManagedProcess> {
  const notification = startServiceProcess(launch, 'notification', settings.name, settings.nodeFlags ?? [], { ...settings.env });
  await notification.waitForLine(isGrpcListening, START_TIMEOUT_MS);
  return notification;
}

/** What a gateway under test needs beyond the services' addresses. */
export interface GatewaySettings {
  readonly jwtSecret: string;
  readonly admin: { readonly email: string; readonly password: string };
  /** Its data directory (the refresh-token secret), in the run's scratch directory. */
  readonly dataDir: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** The gateway on the services; gatewayUrl() waits until it listens. */
export function startGateway(launch: Launch, services: RunningServices, settings: GatewaySettings): ManagedProcess {
  return startPlatformProcess(launch, 'gateway', {
    ACCOUNT_ADDRESS: services.accountAddress,
    CATALOG_ADDRESS: services.catalogAddress,
    ORDER_ADDRESS: services.orderAddress,
    JWT_SECRET: settings.jwtSecret,
    ADMIN_EMAIL: settings.admin.email,
    ADMIN_PASSWORD: settings.admin.password,
    // The run logs in once and keeps its tokens for every scenario: longer than the 15-minute default.
    ACCESS_TOKEN_TTL_SECONDS: String(24 * 3600),
    // The GraphiQL bundle is not on the measured path, and building it would only slow the start.
    GRAPHIQL: 'false',
    DATA_DIR: settings.dataDir,
    // All the load comes from 127.0.0.1: the per-IP rate limits (sized for one person each)
    // would measure refusals instead of the platform.
    RATE_LIMIT_REQUESTS: '1000000000',
    AUTH_ATTEMPTS_PER_IP: '1000000000',
    ...settings.env,
  });
}

/** The GraphQL URL of a gateway or a monolith floor, once it logged that it listens. */
export async function graphqlUrlOf(server: ManagedProcess): Promise<string> {
  const listening = await server.waitForLine((line) => line.msg === 'gateway listening' || line.msg === 'monolith listening', START_TIMEOUT_MS);
  const port = typeof listening.port === 'number' ? listening.port : 0;
  return `http://127.0.0.1:${port}/graphql`;
}

// Strong enough for the gateway's ADMIN_PASSWORD check.
export const ADMIN = { email: 'admin@bench.emporium.test', password: 'bench lamp 7c1f orbit' };

/** The main run's targets: where its loads are sent, and the account service's address for the seed. */
export interface BenchTargets {
  readonly gatewayUrl: string;
  readonly floorUrl: string;
  readonly accountAddress: string;
}

/** What `npm run bench` needs of its options to start its processes. */
export interface BenchLaunch {
  readonly root: string;
  /** Processes to run under node --cpu-prof, their profiles written to profileDir. */
  readonly cpuProf: readonly string[];
  readonly profileDir: string;
  readonly scratch: string;
}

/** The platform and the monolith floor for `npm run bench`, each pushed onto `processes` as it starts. */
export async function startBenchTargets(launch: BenchLaunch, databases: BenchDatabases, processes: ManagedProcess[]): Promise<BenchTargets> {
  const { root, cpuProf, profileDir } = launch;
  if (cpuProf.length > 0) {
    await mkdir(profileDir, { recursive: true });
    for (const name of await readdir(profileDir)) if (cpuProf.some((process) => name.startsWith(`${process}.`))) await rm(join(profileDir, name));
  }
  const profileFlags = (name: string) => (cpuProf.includes(name) ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`] : []);
  const platform: Launch = { root, nameOf: (service) => service, nodeFlagsOf: profileFlags, env: {}, started: processes };

  const services = await startServices(platform, databases);
  const jwtSecret = randomBytes(32).toString('base64url');
  const gateway = startGateway(platform, services, {
    jwtSecret,
    admin: ADMIN,
    dataDir: join(launch.scratch, 'gateway'),
    env: { EXPOSE_BACKEND_CALLS: 'true', SIGNUPS_PER_IP: '1000000000' },
  });
  const monolith = startProcess({
    name: 'monolith',
    args: [...profileFlags('monolith'), '--conditions=@emporium/source', '--import', 'tsx', join(root, 'bench', 'targets', 'monolith-floor.ts')],
    env: {
      NODE_ENV: 'production',
      ACCOUNT_DATABASE_URL: databases.account,
      CATALOG_DATABASE_URL: databases.catalog,
      ORDER_DATABASE_URL: databases.order,
      // The floor accepts the tokens the gateway issues.
      JWT_SECRET: jwtSecret,
    },
    cwd: root,
    mode: 'tsx-source',
  });
  processes.push(monolith);
  const [gatewayUrl, floorUrl] = await Promise.all([graphqlUrlOf(gateway), graphqlUrlOf(monolith)]);
  return { gatewayUrl, floorUrl, accountAddress: services.accountAddress };
}
