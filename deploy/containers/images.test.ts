import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@emporium/testkit/databases.js';
import { eventually } from '@emporium/testkit/eventually.js';
import { freePort } from '@emporium/testkit/ports.js';
import { composeConfig, composeWithEnv, filledEnv, type ComposeModel } from '../test/compose-config.js';
import { PROCESSES, parseProcessEnv, splitAddress, type ProcessName } from '../test/deployed-config.js';
import { run } from '../test/tools.js';
import { imageFacts, imageContents, type ImageFacts } from './lib/images.js';

/*
 * Facts about the four real images `docker compose -f deploy/compose.yaml build` makes: who they
 * run as, what they contain, how big they are, and that each one starts on a read-only root
 * filesystem against PostgreSQL, turns healthy by its own HEALTHCHECK and stops cleanly on SIGTERM.
 * The images are tagged EMPORIUM_TAG (default `images-test`), so no other checkout's are touched.
 */

const MINUTE = 60_000;
const TAG = process.env.EMPORIUM_TAG ?? 'images-test';
const SUFFIX = randomBytes(3).toString('hex');
/**
 * Each image's budget: 364 MB measured on 2026-12-02 on a fresh machine, web shop included
 * (node:24-trixie-slim stand-in 257 MB, Emporium's own layers 107 MB), plus about 5 %.
 */
const IMAGE_BUDGET_MB = 380;

const env = await filledEnv({ EMPORIUM_TAG: TAG });
let compose: ComposeModel;
const facts = new Map<ProcessName, ImageFacts>();

function factsOf(name: ProcessName): ImageFacts {
  const found = facts.get(name);
  if (found === undefined) throw new Error(`${name} was not inspected`);
  return found;
}

function composeService(name: string) {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`compose.yaml has no service ${name}`);
  return found;
}

/** The environment of the container compose runs: the image's ENV, compose's environment over it. */
function containerEnv(name: ProcessName): Record<string, string> {
  const fromCompose = Object.entries(composeService(name).environment).filter((entry): entry is [string, string] => entry[1] !== null);
  return { ...factsOf(name).env, ...Object.fromEntries(fromCompose) };
}

beforeAll(async () => {
  compose = await composeConfig(env);
  // Layers already built are reused, so this is quick after `npm run images` with the same tag.
  await composeWithEnv(env, ['build', ...PROCESSES], { project: `emporium-images-${SUFFIX}`, timeoutMs: 20 * MINUTE });
  for (const name of PROCESSES) facts.set(name, await imageFacts(composeService(name).image));
}, 25 * MINUTE);

describe('the images deploy/compose.yaml builds', () => {
  it('run as the numeric non-root user 1000:1000 under tini, with the target process as the command', () => {
    for (const name of PROCESSES) {
      const image = factsOf(name);
      expect(image.user, name).toBe('1000:1000');
      expect(image.entrypoint, name).toEqual(['/usr/bin/tini', '--']);
      expect(image.cmd, name).toEqual(['node', `services/${name}/dist/src/main.js`]);
      expect(image.workingDir, name).toBe('/app');
    }
  });

  it("start each process with an environment its own config schema accepts: production, all interfaces, the port compose's addresses use", () => {
    for (const name of PROCESSES) {
      const variables = containerEnv(name);
      const config = parseProcessEnv(name, variables);
      expect(variables.NODE_ENV, name).toBe('production');
      expect(config.HOST, name).toBe('0.0.0.0');
      expect(factsOf(name).exposedPorts, name).toEqual([`${config.PORT}/tcp`]);
      for (const [upstream, address] of Object.entries(config.upstreams)) {
        const target = PROCESSES.find((process) => process === upstream);
        if (target === undefined) throw new Error(`${upstream} is not an Emporium process`);
        expect(splitAddress(address).port, `${name} -> ${upstream}`).toBe(parseProcessEnv(target, containerEnv(target)).PORT);
      }
    }
    // The production refusals hold: NODE_ENV comes from the image, fault injection is refused there.
    expect(() => parseProcessEnv('order', { ...containerEnv('order'), FAULT_INJECTION: 'true' })).toThrow();
  });

  it('carry the health check compose runs: the same node script, on a start interval', () => {
    for (const name of PROCESSES) {
      const check = factsOf(name).healthcheck;
      expect(check?.test, name).toEqual(composeService(name).healthcheck?.test);
      expect(check?.test.slice(1, 4), name).toEqual(['node', 'packages/kit/dist/healthcheck.js', name === 'gateway' ? 'http' : 'grpc']);
      expect(check?.timeoutNs, name).toBeGreaterThan(0);
      expect(check?.startIntervalNs, name).toBeGreaterThan(0);
    }
  });

  it('hold no dev dependencies and no sources, tests, protos or repository metadata', async () => {
    for (const name of PROCESSES) {
      const contents = await imageContents(composeService(name).image);
      for (const devOnly of ['vitest', 'typescript', 'tsx', 'eslint', 'esbuild', '@esbuild', 'kubernetes-models', 'autocannon', '@emporium/testkit']) {
        expect(contents.modules, `${name}: ${devOnly}`).not.toContain(devOnly);
      }
      for (const needed of ['@grpc/grpc-js', 'pg', 'kysely', 'zod', 'pino']) expect(contents.modules, `${name}: ${needed}`).toContain(needed);
      // Compiled code only: declaration files are kept (they are what dist/ is), TypeScript sources are not.
      const sources = contents.files.filter((file) => /\.[cm]?ts$/.test(file) && !/\.d\.[cm]?ts$/.test(file));
      expect(sources, name).toEqual([]);
      // dist/src/ is compiled output; a src/, test/, proto/ or .git anywhere else is not.
      const outsideDist = contents.files.filter((file) => !/^(packages|services)\/[a-z]+\/dist\//.test(file));
      const forbidden = outsideDist.filter((file) => /(^|\/)(src|test|tests|proto|\.git)\//.test(file));
      expect(forbidden, name).toEqual([]);
      expect(contents.files.filter((file) => /(^|\/)(tsconfig[^/]*\.json|\.env|\.npmrc)$/.test(file)), name).toEqual([]);
      // What the processes do need at run time is there.
      expect(contents.files, name).toContain(`services/${name}/dist/src/main.js`);
      expect(contents.files, name).toContain('packages/kit/dist/healthcheck.js');
    }
    const gateway = await imageContents(composeService('gateway').image);
    expect(gateway.files.some((file) => file.startsWith('services/gateway/schema/') && file.endsWith('.graphql'))).toBe(true);
    expect(gateway.files.some((file) => file.startsWith('services/gateway/graphiql/'))).toBe(true);
  });

  it(`share every filesystem layer between the four targets and stay within ${IMAGE_BUDGET_MB} MB each`, async () => {
    const node = await imageFacts('node:24-trixie-slim');
    const sizes = PROCESSES.map((name) => ({ name, mb: factsOf(name).sizeBytes / 1e6, layers: factsOf(name).layers }));
    const first = sizes[0];
    if (first === undefined) throw new Error('no images');
    for (const { name, layers } of sizes) expect(layers, `${name} has the same layers as ${first.name}`).toEqual(first.layers);
    // Built on the base image: its layers come first, then ours.
    expect(first.layers.slice(0, node.layers.length)).toEqual(node.layers);
    const base = node.sizeBytes / 1e6;
    console.log(
      [
        'image sizes (MB, the four share all their layers, so a node stores one):',
        ...sizes.map(({ name, mb }) => `  ${name}: ${mb.toFixed(1)}`),
        `  base node:24-trixie-slim: ${base.toFixed(1)}; Emporium's own layers: ${(first.mb - base).toFixed(1)}`,
      ].join('\n'),
    );
    for (const { name, mb } of sizes) expect(mb, name).toBeLessThanOrEqual(IMAGE_BUDGET_MB);
  });
});

describe('each image running read-only against PostgreSQL', () => {
  const network = `emporium-images-${SUFFIX}`;
  const started: string[] = [];
  const databases: TestDatabase[] = [];
  const addresses = new Map<ProcessName, string>();

  /**
   * docker run on the host's network (PostgreSQL at 127.0.0.1), read-only, with only /tmp writable.
   * The image's own health check command and intervals; only its 5 s timeout is lengthened, because on
   * a loaded 2-core CI machine starting `node healthcheck.js` alone was measured to take longer.
   */
  async function start(name: ProcessName, variables: Record<string, string>): Promise<string> {
    const container = `${network}-${name}`;
    const flags = Object.entries(variables).flatMap(([key, value]) => ['--env', `${key}=${value}`]);
    started.push(container);
    await run('docker', ['run', '--detach', '--name', container, '--network', 'host', '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges:true', '--health-timeout', '30s', ...flags, composeService(name).image]);
    return container;
  }

  async function health(container: string): Promise<string> {
    return (await run('docker', ['inspect', '--format', '{{.State.Status}} {{.State.Health.Status}}', container])).trim();
  }

  afterAll(async () => {
    for (const container of started) await run('docker', ['rm', '--force', '--volumes', container]).catch(() => undefined);
    for (const database of databases) await database.drop();
  }, 2 * MINUTE);

  it(
    'each process becomes healthy by its own HEALTHCHECK, runs as uid 1000 under tini as PID 1, and exits 0 after draining on docker stop',
    async () => {
      const running = new Map<ProcessName, string>();
      for (const name of PROCESSES) {
        const port = await freePort();
        const variables: Record<string, string> = { PORT: String(port) };
        if (name !== 'gateway') {
          const database = await createTestDatabase(`emporium_image_${name}`);
          databases.push(database);
          variables.DATABASE_URL = database.url;
        }
        if (name === 'account') variables.SCRYPT_LOG_N = '12';
        if (name === 'notification') variables.ACCOUNT_ADDRESS = addresses.get('account') ?? '';
        if (name === 'order' || name === 'gateway') {
          variables.ACCOUNT_ADDRESS = addresses.get('account') ?? '';
          variables.CATALOG_ADDRESS = addresses.get('catalog') ?? '';
        }
        if (name === 'gateway') {
          Object.assign(variables, {
            ORDER_ADDRESS: addresses.get('order') ?? '',
            JWT_SECRET: env.JWT_SECRET,
            ADMIN_EMAIL: env.ADMIN_EMAIL,
            ADMIN_PASSWORD: env.ADMIN_PASSWORD,
            GRAPHIQL: 'true',
          });
        }
        const container = await start(name, variables);
        running.set(name, container);
        // Started in dependency order: each waits until its image's health check passes.
        const state = await eventually(() => health(container), (value) => value !== 'running starting', 2 * MINUTE);
        if (state !== 'running healthy') {
          const logs = await run('docker', ['logs', '--tail', '20', container]).catch((error: unknown) => String(error));
          const checks = await run('docker', ['inspect', '--format', '{{json .State.Health.Log}}', container]);
          throw new Error(`${name}: ${state}\nhealth checks: ${checks}\nlogs:\n${logs}`);
        }
        addresses.set(name, `127.0.0.1:${port}`);
        // PID 1 is tini, the process runs as 1000:1000, and the root filesystem refuses writes.
        const pid1 = await run('docker', ['exec', container, 'cat', '/proc/1/cmdline']);
        expect(pid1.split('\0')[0], name).toBe('/usr/bin/tini');
        expect((await run('docker', ['exec', container, 'id', '-u'])).trim(), name).toBe('1000');
        expect((await run('docker', ['exec', container, 'id', '-g'])).trim(), name).toBe('1000');
        const write = await run('docker', ['exec', container, 'touch', '/app/written']).catch((error: unknown) => error);
        expect(String(write), name).toMatch(/Read-only file system/);
      }
      const graphiql = await fetch(`http://${addresses.get('gateway') ?? ''}/graphiql`);
      expect(graphiql.status).toBe(200);
      expect(await graphiql.text()).toContain('<script');

      // Stopped in reverse order, so each drains with its callers already gone.
      for (const name of [...PROCESSES].reverse()) {
        const container = running.get(name) ?? '';
        await run('docker', ['stop', '--time', '30', container], { timeoutMs: MINUTE });
        const exit = (await run('docker', ['inspect', '--format', '{{.State.ExitCode}} {{.State.OOMKilled}}', container])).trim();
        expect(exit, `${name} exit code after SIGTERM`).toBe('0 false');
        const messages = (await run('docker', ['logs', container])).split('\n').flatMap((line) => {
          try {
            const parsed: unknown = JSON.parse(line);
            return typeof parsed === 'object' && parsed !== null && 'msg' in parsed ? [String(parsed.msg)] : [];
          } catch {
            return [];
          }
        });
        // Exit code 0 comes only from the lifecycle's path that logs `stopped` once stop() has drained.
        expect(messages, `${name} logged the SIGTERM`).toContain('stopping');
        expect(messages, `${name} finished draining`).toContain('stopped');
        if (name !== 'gateway') expect(messages, `${name} migrated its database`).toContain('migration applied');
      }
    },
    8 * MINUTE,
  );
});
