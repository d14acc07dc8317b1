import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { ADMIN, graphql, type GraphQLClient, type GraphQLResponse, type RequestOptions } from '@emporium/testkit/graphql.js';
import { freePort } from '@emporium/testkit/ports.js';

/*
 * One Compose project of deploy/compose.yaml on the real Docker daemon, for the container suite:
 * a unique project name (the daemon is shared), a generated .env (random secrets, a free host port
 * for the gateway), `up --wait`, `down -v`, exec, the host pids of a container's processes
 * (`docker top`), and every container's logs when a test failed. `down` names every profile
 * (`--profile '*'`): without it Compose leaves the services of an inactive profile running, and
 * their network and volumes with them. The clean-up then checks that the project left nothing.
 */

const run = promisify(execFile);
const COMPOSE_FILE = fileURLToPath(new URL('../../compose.yaml', import.meta.url));
const MAX_BUFFER = 64 * 1024 * 1024;

export type StackService = 'postgres' | 'redis' | 'nats' | 'mail' | 'account' | 'catalog' | 'order' | 'notification' | 'gateway';

/** Every profile of the project: `down` with it stops the profiles' services too. */
const EVERY_PROFILE = ['--profile', '*'];

export interface ComposeOptions {
  /** A word in the project name, so a leftover project says which test made it. */
  readonly name: string;
  /** `--scale service=n` for `up`. */
  readonly scale?: Partial<Record<StackService, number>>;
  /** More .env entries (LOG_LEVEL, TRUSTED_PROXIES...). */
  readonly env?: Readonly<Record<string, string>>;
  /** Compose files merged over deploy/compose.yaml (`--file` each, in order). */
  readonly overrides?: readonly string[];
}

export interface ComposeProject extends GraphQLClient {
  readonly project: string;
  /** http://127.0.0.1:<published port> */
  readonly url: string;
  /** Runs `docker compose <args>` for this project; resolves with stdout. */
  compose(args: readonly string[], timeoutMs?: number): Promise<string>;
  /** `up --wait` (again, after a down that kept the volumes). */
  up(): Promise<void>;
  /** `down`, keeping the volumes unless told. */
  down(options?: { volumes?: boolean }): Promise<void>;
  /** The ids of a service's running containers (one per replica). */
  containers(service: StackService): Promise<string[]>;
  /** A container's restart count (by its restart policy), status and health. */
  state(container: string): Promise<ContainerState>;
  /** Host pid of the service's node process in one container (`docker top`). */
  nodePid(container: string): Promise<number>;
  /** Host pid of the container's own process (PID 1 inside it: the postmaster, for postgres). */
  mainPid(container: string): Promise<number>;
  /** Rows of a query run by psql in the postgres container, as the database superuser; fields tab-separated. */
  psql(database: 'account' | 'catalog' | 'order', query: string): Promise<string[][]>;
  /** One container's output, stdout (the processes' JSON log lines) then stderr (PostgreSQL's log). */
  containerLogs(container: string): Promise<string>;
  /** Every service's logs, for a failure report. */
  logs(): Promise<string>;
}

export interface ContainerState {
  readonly restarts: number;
  readonly status: string;
  /** healthy, unhealthy, starting; '' without a health check. */
  readonly health: string;
}

async function docker(args: readonly string[], timeoutMs = 300_000): Promise<string> {
  return (await dockerOutput(args, timeoutMs)).stdout;
}

async function dockerOutput(args: readonly string[], timeoutMs = 300_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('docker', args, { maxBuffer: MAX_BUFFER, timeout: timeoutMs });
  } catch (error) {
    const failure = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`docker ${args.join(' ')} failed: ${failure.message}\n${failure.stderr ?? ''}`, { cause: error });
  }
}

const secret = (bytes: number) => randomBytes(bytes).toString('base64url');

/** Creates the project's .env and the helper; nothing runs until up(). */
export async function composeProject(options: ComposeOptions): Promise<ComposeProject & { dispose(): Promise<void> }> {
  const project = `emporium-test-${options.name}-${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const inboxPort = await freePort();
  const dir = await mkdtemp(join(tmpdir(), `${project}-`));
  const envFile = join(dir, '.env');
  const env: Record<string, string> = {
    POSTGRES_PASSWORD: secret(18),
    ACCOUNT_DB_PASSWORD: secret(18),
    CATALOG_DB_PASSWORD: secret(18),
    ORDER_DB_PASSWORD: secret(18),
    NOTIFICATION_DB_PASSWORD: secret(18),
    JWT_SECRET: secret(48),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    GATEWAY_PORT: String(port),
    GATEWAY_HOST_IP: '127.0.0.1',
    // The mail catcher's inbox: a port of its own, so stacks run side by side.
    MAIL_INBOX_PORT: String(inboxPort),
    ...options.env,
  };
  await writeFile(envFile, Object.entries(env).map(([key, value]) => `${key}=${value}\n`).join(''), { mode: 0o600 });

  const files = [COMPOSE_FILE, ...(options.overrides ?? [])].flatMap((file) => ['--file', file]);
  const compose = (args: readonly string[], timeoutMs?: number) =>
    docker(['compose', ...files, '--project-name', project, '--env-file', envFile, ...args], timeoutMs);
  const scale = Object.entries(options.scale ?? {}).flatMap(([service, count]) => ['--scale', `${service}=${count}`]);
  const url = `http://127.0.0.1:${port}`;

  return {
    project,
    url,
    compose,
    request: (query: string, requestOptions?: RequestOptions): Promise<GraphQLResponse> => graphql(url, query, requestOptions),
    up: async () => {
      const started = performance.now();
      await compose(['up', '--detach', '--wait', '--wait-timeout', '240', ...scale], 600_000);
      // A figure for deploy/README.md (time to healthy), printed, never asserted.
      console.log(`${project}: every container healthy ${Math.round(performance.now() - started)} ms after up`);
    },
    down: async (downOptions = {}) => {
      await compose([...EVERY_PROFILE, 'down', '--timeout', '20', ...(downOptions.volumes === true ? ['--volumes'] : [])]);
    },
    containers: async (service) =>
      (await compose(['ps', '--quiet', '--status', 'running', service])).split('\n').filter((line) => line.length > 0),
    state: async (container) => {
      const out = await docker(['inspect', '--format', '{{.RestartCount}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}', container]);
      const [restarts = '', status = '', health = ''] = out.trim().split(' ');
      return { restarts: Number(restarts), status, health };
    },
    nodePid: async (container) => {
      // docker top runs ps on the host: these are host pids. tini is pid 1 inside; node its child.
      const table = await docker(['top', container, '-o', 'pid,args']);
      for (const line of table.split('\n').slice(1)) {
        const match = /^\s*(\d+)\s+node\s+services\//.exec(line);
        if (match?.[1] !== undefined) return Number(match[1]);
      }
      throw new Error(`no node process in ${container}:\n${table}`);
    },
    mainPid: async (container) => Number((await docker(['inspect', '--format', '{{.State.Pid}}', container])).trim()),
    psql: async (database, query) => {
      const out = await compose([
        'exec', '--no-TTY', 'postgres',
        'psql', '--no-psqlrc', '--quiet', '--tuples-only', '--no-align', '--field-separator', '\t',
        '--set', 'ON_ERROR_STOP=1', '--username', 'postgres', '--dbname', database, '--command', query,
      ]);
      return out.split('\n').filter((line) => line.length > 0).map((line) => line.split('\t'));
    },
    containerLogs: async (container) => {
      const { stdout, stderr } = await dockerOutput(['logs', container]);
      return `${stdout}${stderr}`;
    },
    logs: () => compose(['logs', '--no-color', '--timestamps', '--tail', '300']),
    dispose: async () => {
      // Whether or not `down` succeeds, the directory goes and the leftovers are looked for.
      const downError = await compose([...EVERY_PROFILE, 'down', '--volumes', '--remove-orphans', '--timeout', '5']).then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
      await rm(dir, { recursive: true, force: true });
      await removeLeftovers(project);
      if (downError !== undefined) throw downError;
    },
  };
}

/** What a project can leave on the daemon, each listed by the label Compose puts on it. */
const LEFTOVER_KINDS = [
  { kind: 'container', list: ['ps', '--all'], remove: ['rm', '--force', '--volumes'] },
  { kind: 'volume', list: ['volume', 'ls'], remove: ['volume', 'rm', '--force'] },
  { kind: 'network', list: ['network', 'ls'], remove: ['network', 'rm'] },
] as const;

/**
 * Fails when the project left a container, volume or network behind after its `down`, having
 * removed them: one test's leftovers never reach the next, and the failure says what `down` missed.
 */
async function removeLeftovers(project: string): Promise<void> {
  const left: string[] = [];
  for (const { kind, list, remove } of LEFTOVER_KINDS) {
    const ids = (await docker([...list, '--quiet', '--filter', `label=com.docker.compose.project=${project}`])).split('\n').filter((id) => id !== '');
    if (ids.length === 0) continue;
    left.push(`${ids.length} ${kind}(s)`);
    await docker([...remove, ...ids]);
  }
  if (left.length > 0) throw new Error(`${project} left ${left.join(', ')} after its down (removed now)`);
}

/**
 * One project for a test file: created and brought up before its tests, its containers' logs
 * printed after a failed test, and removed with its volumes at the end.
 */
export function useComposeProject(options: ComposeOptions): ComposeProject {
  let current: (ComposeProject & { dispose(): Promise<void> }) | undefined;
  const get = (): ComposeProject => {
    if (current === undefined) throw new Error('the Compose project is not up yet (used outside a test?)');
    return current;
  };
  beforeAll(async () => {
    current = await composeProject(options);
    try {
      await current.up();
    } catch (error) {
      console.error(await current.logs().catch((logError: unknown) => String(logError)));
      throw error;
    }
  });
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && current !== undefined) {
      console.error(`logs of ${current.project}:\n${await current.logs().catch((error: unknown) => String(error))}`);
    }
  });
  afterAll(async () => {
    await current?.dispose();
  });
  return {
    get project() {
      return get().project;
    },
    get url() {
      return get().url;
    },
    compose: (args, timeoutMs) => get().compose(args, timeoutMs),
    request: (query, requestOptions) => get().request(query, requestOptions),
    up: () => get().up(),
    down: (downOptions) => get().down(downOptions),
    containers: (service) => get().containers(service),
    state: (container) => get().state(container),
    nodePid: (container) => get().nodePid(container),
    mainPid: (container) => get().mainPid(container),
    psql: (database, query) => get().psql(database, query),
    containerLogs: (container) => get().containerLogs(container),
    logs: () => get().logs(),
  };
}
