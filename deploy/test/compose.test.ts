import { randomBytes } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '@emporium/kit/config.js';
import { InterpolationError, interpolate, interpolateDocument, parseEnvFile, referencedVariables } from './compose.js';
import { healthcheck, parseDockerfile, stageEnv } from './dockerfile.js';
import { DEPLOY_DIR, PROCESSES, isProcessName, parseProcessEnv, splitAddress, type DeployedConfig, type ProcessName } from './deployed-config.js';

/*
 * deploy/compose.yaml as `docker compose` would see it with deploy/.env copied from
 * deploy/.env.example and its gateway secrets generated as the file says: valid against the
 * Compose Specification schema, and every Emporium container's environment (the image's ENV
 * under compose's `environment`) accepted by the zod schema the process itself parses at start.
 * The example's own gateway secrets are refused.
 */

const composeText = readFileSync(join(DEPLOY_DIR, 'compose.yaml'), 'utf8');
// merge: Compose accepts YAML merge keys (<<), which the file uses for shared settings.
const raw: unknown = parse(composeText, { merge: true });
const exampleEnv = parseEnvFile(readFileSync(join(DEPLOY_DIR, '.env.example'), 'utf8'));
/** The example with the secrets the gateway checks generated as .env.example says (`openssl rand -base64 ...`). */
const filledEnv = { ...exampleEnv, JWT_SECRET: randomBytes(32).toString('base64'), ADMIN_PASSWORD: randomBytes(18).toString('base64') };
const interpolated = interpolateDocument(raw, filledEnv);
const dockerfile = parseDockerfile(readFileSync(join(DEPLOY_DIR, 'Dockerfile'), 'utf8'));

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/** The parts of the Compose model these checks read (the JSON schema has validated the whole). */
const composeSchema = z.looseObject({
  name: z.string(),
  services: z.record(
    z.string(),
    z.looseObject({
      image: z.string(),
      build: z.object({ context: z.string(), dockerfile: z.string(), target: z.string() }).optional(),
      environment: z.record(z.string(), scalar).default({}),
      restart: z.string().optional(),
      read_only: z.boolean().optional(),
      healthcheck: z.looseObject({ test: z.array(z.string()) }).optional(),
      depends_on: z.record(z.string(), z.looseObject({ condition: z.string() })).default({}),
      ports: z.array(z.looseObject({ target: z.number(), published: scalar, host_ip: z.string().optional() })).default([]),
      volumes: z.array(z.string()).default([]),
      stop_grace_period: z.string().optional(),
    }),
  ),
});

const compose = composeSchema.parse(interpolated);

function service(name: string) {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`compose.yaml has no service ${name}`);
  return found;
}

/** What the process in a container sees: the image's ENV, then compose's environment over it. */
function containerEnv(name: ProcessName, document = compose): Record<string, string> {
  const definition = document.services[name];
  if (definition === undefined) throw new Error(`compose.yaml has no service ${name}`);
  const target = definition.build?.target;
  if (target === undefined) throw new Error(`${name} is not built from deploy/Dockerfile`);
  return { ...stageEnv(dockerfile, target), ...definition.environment };
}

const configs = new Map<ProcessName, DeployedConfig>(PROCESSES.map((name) => [name, parseProcessEnv(name, containerEnv(name))]));

function config(name: ProcessName): DeployedConfig {
  const found = configs.get(name);
  if (found === undefined) throw new Error(`no config for ${name}`);
  return found;
}

describe('deploy/compose.yaml', () => {
  it('is valid against the Compose Specification JSON schema', () => {
    const schema = z.record(z.string(), z.unknown()).parse(JSON.parse(readFileSync(join(DEPLOY_DIR, 'schema/compose-spec.json'), 'utf8')));
    const ajv = new Ajv({ allErrors: true, strict: false });
    // The file names draft-07 by its https address; Ajv ships that meta-schema under the http one.
    const draft7 = ajv.getSchema('http://json-schema.org/draft-07/schema')?.schema;
    if (typeof draft7 !== 'object') throw new Error('Ajv has no draft-07 meta-schema');
    ajv.addMetaSchema({ ...draft7, $id: 'https://json-schema.org/draft-07/schema' });
    expect(schema.$schema).toBe('https://json-schema.org/draft-07/schema');
    const validate = ajv.compile(schema);
    const valid = validate(interpolated);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
    // The schema does reject mistakes (a misspelt key, a wrong type), so passing means something.
    expect(validate({ services: { web: { image: 'nginx', healtcheck: { test: ['CMD', 'true'] } } } })).toBe(false);
    expect(validate({ services: { web: { image: 'nginx', depends_on: { db: { condition: 'healthy' } } } } })).toBe(false);
  });

  it('runs the three services and the gateway from deploy/Dockerfile targets, next to PostgreSQL and Redis', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['account', 'catalog', 'gateway', 'order', 'postgres', 'redis']);
    for (const name of PROCESSES) {
      const build = service(name).build;
      expect(build, name).toBeDefined();
      expect(resolve(DEPLOY_DIR, build?.context ?? '', build?.dockerfile ?? '')).toBe(join(DEPLOY_DIR, 'Dockerfile'));
      expect(dockerfile.stages.map((stage) => stage.name)).toContain(build?.target);
    }
  });

  it('refuses to start without deploy/.env: every secret is a required variable, and .env.example names each one', () => {
    const variables = referencedVariables(raw);
    const required = [...variables].filter(([, { required }]) => required).map(([name]) => name).sort();
    expect(required).toEqual(['ACCOUNT_DB_PASSWORD', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'CATALOG_DB_PASSWORD', 'JWT_SECRET', 'ORDER_DB_PASSWORD', 'POSTGRES_PASSWORD']);
    expect(() => interpolateDocument(raw, {})).toThrow(InterpolationError);
    for (const name of required) expect(Object.keys(exampleEnv), `.env.example sets ${name}`).toContain(name);
    // And the example sets nothing the file does not use.
    for (const name of Object.keys(exampleEnv)) expect([...variables.keys()], `${name} is used by compose.yaml`).toContain(name);
  });

  it('never writes a secret into compose.yaml itself', () => {
    const secretish = /PASSWORD|SECRET/;
    const rawServices = z.object({ services: z.record(z.string(), z.looseObject({ environment: z.record(z.string(), scalar).default({}) })) }).parse(raw).services;
    for (const [name, definition] of Object.entries(rawServices)) {
      for (const [key, value] of Object.entries(definition.environment)) {
        if (secretish.test(key) || /:\/\/[^@/]+:[^@/]+@/.test(value)) {
          expect(value, `${name}.${key} comes from deploy/.env`).toMatch(/\$\{[A-Z_]+:\?[^}]*\}/);
        }
      }
    }
  });

  it('gives every Emporium container an environment its own config schema accepts', () => {
    for (const name of PROCESSES) {
      expect(() => parseProcessEnv(name, containerEnv(name)), name).not.toThrow();
      expect(config(name).HOST, `${name} listens on all interfaces inside its container`).toBe('0.0.0.0');
    }
    // The production refusals of the order service hold: no fault injection, NODE_ENV from the image.
    expect(containerEnv('order').NODE_ENV).toBe('production');
    expect(containerEnv('order').FAULT_INJECTION).toBeUndefined();
  });

  it("connects each service to its own database, as the role the init script creates for it", () => {
    const postgres = service('postgres');
    const databases = (postgres.environment.EMPORIUM_DATABASES ?? '').split(/\s+/).filter(Boolean).sort();
    expect(databases).toEqual(['account', 'catalog', 'order']);
    for (const name of databases) {
      if (!isProcessName(name)) throw new Error(`${name} is not an Emporium process`);
      const url = new URL(config(name).DATABASE_URL ?? 'missing:');
      expect(url.protocol, name).toBe('postgres:');
      expect(url.hostname, name).toBe('postgres');
      expect(url.pathname, name).toBe(`/${name}`);
      expect(url.username, name).toBe(name);
      expect(decodeURIComponent(url.password), `${name}'s password is the one its role was created with`).toBe(postgres.environment[`${name.toUpperCase()}_DB_PASSWORD`]);
      expect(service(name).depends_on.postgres?.condition).toBe('service_healthy');
    }
    expect(config('gateway').DATABASE_URL).toBeUndefined();
    // The init script is mounted where the image runs it, and is executable (otherwise it is sourced).
    const mount = postgres.volumes.find((volume) => volume.includes('/docker-entrypoint-initdb.d/'));
    expect(mount).toBeDefined();
    const script = resolve(DEPLOY_DIR, (mount ?? '').split(':')[0] ?? '');
    expect(script).toBe(join(DEPLOY_DIR, 'postgres/init-databases.sh'));
    accessSync(script, constants.X_OK);
  });

  it('points every address at the compose service listening there', () => {
    for (const name of PROCESSES) {
      for (const [upstream, address] of Object.entries(config(name).upstreams)) {
        if (!isProcessName(upstream)) throw new Error(`${upstream} is not an Emporium process`);
        const { host, port } = splitAddress(address);
        expect(host, `${name} -> ${upstream}`).toBe(upstream);
        expect(port, `${name} -> ${upstream}`).toBe(config(upstream).PORT);
      }
    }
    expect(Object.keys(config('order').upstreams).sort()).toEqual(['account', 'catalog']);
    expect(Object.keys(config('gateway').upstreams).sort()).toEqual(['account', 'catalog', 'order']);
  });

  it('gives the gateway replicas one Redis for their rate-limit budgets, reachable only on the project network', () => {
    const url = new URL(config('gateway').REDIS_URL ?? 'missing:');
    expect(url.protocol).toBe('redis:');
    expect(url.hostname).toBe('redis');
    const redis = service('redis');
    // The image's own port: nothing in the command moves it.
    expect(url.port).toBe('6379');
    expect(z.array(z.string()).parse(redis.command)).not.toContain('--port');
    expect(redis.ports).toEqual([]);
    expect(service('gateway').depends_on.redis).toMatchObject({ condition: 'service_healthy' });
    // Read-only, unprivileged, and writing only its own volume.
    expect(redis.read_only).toBe(true);
    expect(redis.cap_drop).toEqual(['ALL']);
    expect(redis.user).toBe('redis');
    expect(redis.volumes).toEqual(['redis-data:/data']);
    expect(redis.healthcheck?.test.join(' ')).toContain('redis-cli ping');
    // Without trusted proxies configured, X-Forwarded-For is ignored (the gateway is published directly).
    expect(containerEnv('gateway').TRUSTED_PROXIES).toBe('');
  });

  it('shows prices in the currency the catalog stores them in', () => {
    expect(config('gateway').STORE_CURRENCY).toBe(config('catalog').STORE_CURRENCY);
  });

  it('gives the gateway a shared signing secret and an administrator', () => {
    expect(config('gateway').JWT_SECRET).toBeDefined();
    expect(containerEnv('gateway').ADMIN_EMAIL).toBeDefined();
  });

  it("keeps the gateway from starting with .env.example's own JWT_SECRET and ADMIN_PASSWORD, naming both", () => {
    const unedited = composeSchema.parse(interpolateDocument(raw, exampleEnv));
    const start = () => parseProcessEnv('gateway', containerEnv('gateway', unedited));
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(/JWT_SECRET: is an example value/);
    expect(start).toThrow(/ADMIN_PASSWORD: is an example value/);
  });

  it('publishes only the gateway, on its own port, on the loopback interface unless told otherwise', () => {
    for (const [name, definition] of Object.entries(compose.services)) {
      if (name !== 'gateway') expect(definition.ports, name).toEqual([]);
    }
    const ports = service('gateway').ports;
    expect(ports).toHaveLength(1);
    expect(ports[0]?.target).toBe(config('gateway').PORT);
    expect(ports[0]?.host_ip).toBe('127.0.0.1');
  });

  it('health-checks every container, restarts it, and starts nothing before what it needs is healthy', () => {
    for (const [name, definition] of Object.entries(compose.services)) {
      expect(definition.healthcheck, name).toBeDefined();
      expect(definition.restart, name).toBe('unless-stopped');
      for (const [dependency, { condition }] of Object.entries(definition.depends_on)) {
        expect(condition, `${name} -> ${dependency}`).toBe('service_healthy');
        expect(compose.services[dependency]?.healthcheck, `${dependency} has a health check to wait for`).toBeDefined();
      }
    }
    expect(Object.keys(service('order').depends_on).sort()).toEqual(['account', 'catalog', 'postgres']);
    expect(Object.keys(service('gateway').depends_on).sort()).toEqual(['account', 'catalog', 'order', 'redis']);
    // The check compose runs is the image's own (so `docker run` and compose agree).
    for (const name of PROCESSES) {
      expect(service(name).healthcheck?.test, name).toEqual(['CMD', ...(healthcheck(dockerfile, name)?.command ?? [])]);
    }
  });

  it('runs the Emporium containers read-only, without capabilities, stopping within their drain time', () => {
    for (const name of PROCESSES) {
      const definition = service(name);
      expect(definition.read_only, name).toBe(true);
      expect(definition.cap_drop, name).toEqual(['ALL']);
      const grace = /^(\d+)s$/.exec(definition.stop_grace_period ?? '');
      expect(grace, `${name} has a stop_grace_period in seconds`).not.toBeNull();
      expect(Number(grace?.[1]) * 1000, name).toBeGreaterThan(config(name).SHUTDOWN_TIMEOUT_MS);
    }
  });
});

describe('compose interpolation', () => {
  const variables = { SET: 'value', EMPTY: '' };

  it('substitutes the forms Compose documents', () => {
    expect(interpolate('a ${SET} $SET b', variables)).toBe('a value value b');
    expect(interpolate('${UNSET:-fallback} ${EMPTY:-fallback} ${UNSET-fallback}', variables)).toBe('fallback fallback fallback');
    // Without the colon only an unset variable takes the default; an empty one stays empty.
    expect(interpolate('[${EMPTY-fallback}]', variables)).toBe('[]');
    expect(interpolate('${UNSET:-${SET}}', variables)).toBe('value');
    expect(interpolate('$$SET costs $$5', variables)).toBe('$SET costs $5');
    expect(interpolate('${SET:?needed}', variables)).toBe('value');
  });

  it('fails on a missing required variable, naming it and its message', () => {
    expect(() => interpolate('${UNSET:?set it in .env}', variables)).toThrow('required variable UNSET is missing a value: set it in .env');
    expect(() => interpolate('${EMPTY:?no empty}', variables)).toThrow(InterpolationError);
    expect(interpolate('${EMPTY?only unset fails}', variables)).toBe('');
  });

  it('rejects malformed expressions instead of passing them through', () => {
    expect(() => interpolate('${SET', variables)).toThrow(InterpolationError);
    expect(() => interpolate('${SET:x}', variables)).toThrow(InterpolationError);
    expect(() => interpolate('cost: $5', variables)).toThrow(InterpolationError);
  });

  it('reads .env files as Compose does for simple lines', () => {
    expect(parseEnvFile('# comment\nA=1\nB="two words"\nC=\'x\'\nD=plain # note\n\nE=')).toEqual({ A: '1', B: 'two words', C: 'x', D: 'plain', E: '' });
    expect(() => parseEnvFile('not a pair')).toThrow('line 1');
  });
});
