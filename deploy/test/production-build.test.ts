/*
 * SLOW TEST (about two minutes): the image's build, run without Docker.
 *
 * There is no Docker engine where the tests run, so this does what deploy/Dockerfile does, read
 * from the Dockerfile itself: the build context (work tree minus .dockerignore) into a temporary
 * directory; the `build` stage's RUN steps there (npm ci with dev dependencies, tsc, the GraphiQL
 * bundle); the `production-dependencies` stage's manifests and `npm ci --omit=dev` into a second
 * directory, which then receives the runtime stage's COPY --from=build files. What is left is the
 * image's /app. Each gRPC target's CMD then runs from it against its own fresh PostgreSQL database
 * (created by deploy/postgres/init-databases.sh, as Compose does), its HEALTHCHECK command must
 * exit 0, and SIGTERM must end it with 0; then the gateway's, against those services. Not covered: the base image, apt-get's tini, the USER
 * switch, and BuildKit itself (see deploy/README.md).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN_URL } from '@emporium/testkit/databases.js';
import { freePort } from '@emporium/testkit/ports.js';
import { buildContextFiles } from './build-context.js';
import { command, copies, healthcheck, parseDockerfile, runs, stage, stageEnv, type Copy } from './dockerfile.js';
import { DEPLOY_DIR, GRPC_SERVICES, REPO_ROOT, type GrpcService } from './deployed-config.js';

const run = promisify(execFile);
const dockerfile = parseDockerfile(readFileSync(join(DEPLOY_DIR, 'Dockerfile'), 'utf8'));
/** The image's WORKDIR: COPY --from paths are absolute under it. */
const APP = '/app';
const MINUTE = 60_000;

/** The environment of a build step: this machine's PATH and npm cache, none of the test runner's npm or NODE_ENV settings. */
function buildEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.toLowerCase().startsWith('npm_') && key !== 'NODE_ENV' && key !== 'NODE_OPTIONS' && !key.startsWith('VITEST')) env[key] = value;
  }
  return env;
}

async function sh(script: string, cwd: string): Promise<void> {
  // --prefer-offline: the same install, from npm's cache when it has the packages (no network needed).
  const offline = script.replace(/\bnpm ci\b/g, 'npm ci --prefer-offline');
  const started = Date.now();
  try {
    await run('sh', ['-c', offline], { cwd, env: buildEnv(), maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const output = error instanceof Error && 'stderr' in error ? String(error.stderr) : '';
    throw new Error(`\`${offline}\` failed in ${cwd}:\n${output.slice(-4000)}`, { cause: error });
  }
  process.stdout.write(`production build: ${offline} (${Math.round((Date.now() - started) / 1000)} s)\n`);
}

/** COPY from the build context: a file to dest/ or dest, a directory's contents into dest. */
async function copyFromContext(copy: Copy, contextDir: string, into: string): Promise<void> {
  for (const source of copy.sources) {
    const target = copy.destination.endsWith('/') && !source.endsWith('/') ? join(into, copy.destination, basename(source)) : join(into, copy.destination);
    await mkdir(dirname(target), { recursive: true });
    await cp(join(contextDir, source), target, { recursive: true });
  }
}

/** COPY --from=<stage> /app/x dest, where the stage's /app is fromDir. */
async function copyFromStage(copy: Copy, fromDir: string, into: string): Promise<void> {
  for (const source of copy.sources) {
    if (!source.startsWith(`${APP}/`)) throw new Error(`COPY --from source ${source} is not under ${APP}`);
    const relative = source.slice(APP.length + 1);
    const target = copy.destination.endsWith('/') ? join(into, copy.destination, basename(relative)) : join(into, copy.destination);
    if (!existsSync(join(fromDir, relative))) throw new Error(`COPY --from=${copy.from ?? ''} ${source}: the stage has no such file`);
    if (join(fromDir, relative) === target) continue;
    await mkdir(dirname(target), { recursive: true });
    await cp(join(fromDir, relative), target, { recursive: true });
  }
}

interface Built {
  readonly process: ChildProcess;
  readonly lines: Array<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
  readonly listening: Promise<void>;
}

/** Runs a target's CMD in the image's /app with the target's ENV under the given overrides. */
function startTarget(appDir: string, target: string, overrides: Record<string, string>): Built {
  const [program, ...args] = command(dockerfile, target, 'CMD') ?? [];
  if (program !== 'node') throw new Error(`${target}: CMD does not run node`);
  const child = spawn(process.execPath, args, {
    cwd: appDir,
    env: { PATH: process.env.PATH, ...stageEnv(dockerfile, target), ...overrides },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  let ready: () => void = () => undefined;
  const listening = new Promise<void>((resolve) => (ready = resolve));
  createInterface({ input: child.stdout }).on('line', (text) => {
    try {
      const line: unknown = JSON.parse(text);
      if (typeof line !== 'object' || line === null || Array.isArray(line)) return;
      const entry = Object.fromEntries(Object.entries(line));
      lines.push(entry);
      if (entry.msg === 'gRPC server listening' || entry.msg === 'gateway listening') ready();
    } catch {
      // Not a log line: ignore.
    }
  });
  createInterface({ input: child.stderr }).on('line', (text) => stderr.push(text));
  const exited = once(child, 'exit').then(([code]) => (typeof code === 'number' ? code : null));
  const failed = exited.then((code) => {
    throw new Error(`${target} exited (${code}) before listening:\n${stderr.join('\n')}\n${JSON.stringify(lines.slice(-5))}`);
  });
  failed.catch(() => undefined);
  return { process: child, lines, exited, listening: Promise.race([listening, failed]) };
}

/** Runs a target's HEALTHCHECK command as Docker would inside the container; its exit code. */
async function healthcheckExit(appDir: string, target: string, overrides: Record<string, string>): Promise<number> {
  const [program, ...args] = healthcheck(dockerfile, target)?.command ?? [];
  if (program !== 'node') throw new Error(`${target}: HEALTHCHECK does not run node`);
  try {
    await run(process.execPath, args, { cwd: appDir, env: { PATH: process.env.PATH, ...stageEnv(dockerfile, target), ...overrides }, timeout: 20_000 });
    return 0;
  } catch (error) {
    return error instanceof Error && 'code' in error && typeof error.code === 'number' ? error.code : -1;
  }
}

async function stop(built: Built): Promise<number | null> {
  if (built.process.exitCode === null && built.process.signalCode === null) built.process.kill('SIGTERM');
  return built.exited;
}

async function adminQuery(sql: string, database?: string): Promise<pg.QueryResult> {
  const url = new URL(TEST_ADMIN_URL);
  if (database !== undefined) url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('production build: deploy/Dockerfile steps, run without Docker (slow)', () => {
  let work = '';
  let appDir = '';
  const prefix = `emporium_deploy_${randomBytes(3).toString('hex')}`;
  const databases = [...GRPC_SERVICES.map((service) => `${prefix}_${service}`), `${prefix}_replicas`];
  const password = randomBytes(12).toString('hex');
  const started: Built[] = [];

  function databaseUrl(database: string): string {
    const url = new URL(TEST_ADMIN_URL);
    url.username = database;
    url.password = password;
    url.pathname = `/${database}`;
    return url.toString();
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'emporium-image-'));
    const contextDir = join(work, 'context');
    const buildDir = join(work, 'build');
    appDir = join(work, 'app');

    // The build context, as `docker build` would send it.
    for (const file of buildContextFiles(REPO_ROOT, readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8'))) {
      await mkdir(dirname(join(contextDir, file)), { recursive: true });
      await cp(join(REPO_ROOT, file), join(contextDir, file));
    }

    // build: its COPYs from the context, then its RUNs, in order of appearance.
    for (const copy of copies(stage(dockerfile, 'build'))) await copyFromContext(copy, contextDir, buildDir);
    for (const script of runs(stage(dockerfile, 'build'))) await sh(script, buildDir);

    // production-dependencies, then the runtime's files on top: the image's /app.
    for (const copy of copies(stage(dockerfile, 'production-dependencies'))) await copyFromContext(copy, contextDir, appDir);
    for (const script of runs(stage(dockerfile, 'production-dependencies'))) await sh(script, appDir);
    for (const copy of copies(stage(dockerfile, 'runtime'))) {
      if (copy.from === 'production-dependencies') await copyFromStage(copy, appDir, appDir);
      else if (copy.from === 'build') await copyFromStage(copy, buildDir, appDir);
      else throw new Error(`runtime COPY from ${copy.from ?? 'the context'} is not modelled here`);
    }

    // One role and database per service, made by the script Compose's PostgreSQL runs.
    const admin = new URL(TEST_ADMIN_URL);
    const passwords = Object.fromEntries(databases.map((database) => [`${database.toUpperCase()}_DB_PASSWORD`, password]));
    await run('bash', [join(DEPLOY_DIR, 'postgres/init-databases.sh')], {
      env: {
        PATH: process.env.PATH,
        PGHOST: admin.hostname,
        PGPORT: admin.port || '5432',
        PGUSER: decodeURIComponent(admin.username) || 'postgres',
        PGPASSWORD: decodeURIComponent(admin.password),
        EMPORIUM_DATABASES: databases.join(' '),
        ...passwords,
      },
    });
  }, 10 * MINUTE);

  afterAll(async () => {
    await Promise.all(started.map(stop));
    for (const database of databases) {
      await adminQuery(`drop database if exists "${database}" with (force)`);
      await adminQuery(`drop role if exists "${database}"`);
    }
    if (work !== '') await rm(work, { recursive: true, force: true });
  }, 2 * MINUTE);

  it('leaves only production dependencies in the image', async () => {
    const installed = new Set(await readdir(join(appDir, 'node_modules')));
    for (const devOnly of ['typescript', 'vitest', 'tsx', 'eslint', 'esbuild', 'kubernetes-models']) expect(installed.has(devOnly), devOnly).toBe(false);
    for (const needed of ['@grpc', 'pg', 'kysely', 'zod', 'pino']) expect(installed.has(needed), needed).toBe(true);
    expect(existsSync(join(appDir, 'packages/kit/dist/healthcheck.js'))).toBe(true);
  });

  const servicePorts = new Map<GrpcService, number>();

  it(
    'starts every built gRPC service on its own PostgreSQL database; the image health check passes; SIGTERM exits 0',
    async () => {
      const running = new Map<GrpcService, { built: Built; env: Record<string, string> }>();
      for (const service of GRPC_SERVICES) {
        const port = await freePort();
        servicePorts.set(service, port);
        const env: Record<string, string> = {
          // The image listens on 0.0.0.0; here the loopback is enough.
          HOST: '127.0.0.1',
          PORT: String(port),
          DATABASE_URL: databaseUrl(`${prefix}_${service}`),
          SCRYPT_LOG_N: '12',
          ...(service === 'order' ? { ACCOUNT_ADDRESS: `127.0.0.1:${servicePorts.get('account') ?? 0}`, CATALOG_ADDRESS: `127.0.0.1:${servicePorts.get('catalog') ?? 0}` } : {}),
        };
        const built = startTarget(appDir, service, env);
        started.push(built);
        running.set(service, { built, env });
      }
      for (const [service, { built, env }] of running) {
        await built.listening;
        expect(await healthcheckExit(appDir, service, env), `${service} HEALTHCHECK`).toBe(0);
        expect(built.lines.some((line) => line.msg === 'migration applied'), `${service} migrated its database`).toBe(true);
      }
      // The check fails when nothing serves there (the container would turn unhealthy).
      expect(await healthcheckExit(appDir, 'account', { PORT: String(await freePort()) })).toBe(1);
      for (const [service, { built }] of running) expect(await stop(built), `${service} exit code after SIGTERM`).toBe(0);
    },
    3 * MINUTE,
  );

  it(
    'two order replicas starting at once on one fresh database both serve, and the migrations run once',
    async () => {
      const replicas = await Promise.all(
        [0, 1].map(async () => {
          const env = { HOST: '127.0.0.1', PORT: String(await freePort()), DATABASE_URL: databaseUrl(`${prefix}_replicas`), RECONCILE_INTERVAL_MS: '0' };
          const built = startTarget(appDir, 'order', env);
          started.push(built);
          return { built, env };
        }),
      );
      for (const { built, env } of replicas) {
        await built.listening;
        expect(await healthcheckExit(appDir, 'order', env)).toBe(0);
      }
      const applied = await adminQuery('select name from kysely_migration order by name', `${prefix}_replicas`);
      const names = applied.rows.map((row: unknown) => (typeof row === 'object' && row !== null && 'name' in row ? String(row.name) : ''));
      expect(names.length).toBeGreaterThan(0);
      expect(new Set(names).size).toBe(names.length);
      // Between them, the two processes applied each migration exactly once.
      const appliedByLogs = replicas.flatMap(({ built }) => built.lines.filter((line) => line.msg === 'migration applied').map((line) => String(line.migration)));
      expect(appliedByLogs.sort()).toEqual(names);
      for (const { built } of replicas) expect(await stop(built)).toBe(0);
    },
    2 * MINUTE,
  );

  it(
    'starts the built gateway against the built services; its image health check (/readyz) passes',
    async () => {
      const backends = new Map<GrpcService, string>();
      for (const service of GRPC_SERVICES) {
        const env: Record<string, string> = {
          HOST: '127.0.0.1',
          PORT: String(await freePort()),
          DATABASE_URL: databaseUrl(`${prefix}_${service}`),
          SCRYPT_LOG_N: '12',
          ...(service === 'order' ? { ACCOUNT_ADDRESS: backends.get('account') ?? '', CATALOG_ADDRESS: backends.get('catalog') ?? '' } : {}),
        };
        const built = startTarget(appDir, service, env);
        started.push(built);
        await built.listening;
        backends.set(service, `127.0.0.1:${env.PORT ?? ''}`);
      }
      const env = {
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
        ACCOUNT_ADDRESS: backends.get('account') ?? '',
        CATALOG_ADDRESS: backends.get('catalog') ?? '',
        ORDER_ADDRESS: backends.get('order') ?? '',
        JWT_SECRET: randomBytes(32).toString('hex'),
        ADMIN_EMAIL: 'admin@example.com',
        ADMIN_PASSWORD: randomBytes(12).toString('hex'),
        // GraphiQL on: the runtime has the bundle the build stage made and no esbuild to remake it.
        GRAPHIQL: 'true',
      };
      const gateway = startTarget(appDir, 'gateway', env);
      started.push(gateway);
      await gateway.listening;
      expect(await healthcheckExit(appDir, 'gateway', env)).toBe(0);
      const page = await fetch(`http://127.0.0.1:${env.PORT}/graphiql`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script');
      expect(await stop(gateway)).toBe(0);
    },
    3 * MINUTE,
  );
});
