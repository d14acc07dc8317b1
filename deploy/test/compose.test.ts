import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@emporium/kit/config.js';
import { composeConfig, composeVariables, composeWithEnv, exampleEnv, filledEnv, type ComposeModel } from './compose-config.js';
import { DEPLOY_DIR, GRPC_SERVICES, PROCESSES, REPO_ROOT, isProcessName, parseProcessEnv, splitAddress, type DeployedConfig, type ProcessName } from './deployed-config.js';
import { ToolError } from './tools.js';

/*
 * deploy/compose.yaml as the real `docker compose config` resolves it, with an env file made from
 * deploy/.env.example and its gateway secrets generated as the file says: Compose validates the
 * file and interpolates it; these checks hold the result against what the services need. Each
 * Emporium service's environment is parsed by the zod schema the process itself parses at start
 * (the image's own ENV on top of it is checked on the real images in
 * deploy/containers/images.test.ts).
 */

const env = await filledEnv();
const compose = await composeConfig(env);

function service(name: string, model: ComposeModel = compose) {
  const found = model.services[name];
  if (found === undefined) throw new Error(`compose.yaml has no service ${name}`);
  return found;
}

/** The environment compose gives a container (a variable set to null would be taken from the host: none is). */
function composeEnv(name: string, model: ComposeModel = compose): Record<string, string> {
  const entries = Object.entries(service(name, model).environment).map(([key, value]): [string, string] => {
    if (value === null) throw new Error(`${name}.${key} has no value`);
    return [key, value];
  });
  return Object.fromEntries(entries);
}

const configs = new Map<ProcessName, DeployedConfig>(PROCESSES.map((name) => [name, parseProcessEnv(name, composeEnv(name))]));

function config(name: ProcessName): DeployedConfig {
  const found = configs.get(name);
  if (found === undefined) throw new Error(`no config for ${name}`);
  return found;
}

/** Compose's durations (`20s`, `1m0s`) in milliseconds. */
function durationMs(text: string | undefined): number {
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(text ?? '');
  if (match === null || text === '') throw new Error(`not a duration: ${String(text)}`);
  return (Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 1000;
}

describe('deploy/compose.yaml (docker compose config)', () => {
  it('is refused by Compose when it is invalid, so passing means something', async () => {
    const error = await composeWithEnv(env, ['-f', join(DEPLOY_DIR, 'test/fixtures/invalid-compose.yaml'), 'config', '--quiet']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ToolError);
    expect(String(error)).toMatch(/healtcheck/);
  });

  it('runs the four services, the gateway and the mail catcher from deploy/Dockerfile targets, next to PostgreSQL, Redis and NATS', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['account', 'catalog', 'gateway', 'mail', 'nats', 'notification', 'order', 'postgres', 'redis']);
    for (const name of [...PROCESSES, 'mail']) {
      const build = service(name).build;
      expect(build, name).toBeDefined();
      expect(join(build?.context ?? '', build?.dockerfile ?? '')).toBe(join(DEPLOY_DIR, 'Dockerfile'));
      expect(build?.target, name).toBe(name);
    }
  });

  it('refuses to start without deploy/.env: every secret is a required variable, and .env.example names each one', async () => {
    const variables = await composeVariables(env);
    const required = [...variables].filter(([, { required }]) => required).map(([name]) => name).sort();
    expect(required).toEqual([
      'ACCOUNT_DB_PASSWORD',
      'ADMIN_EMAIL',
      'ADMIN_PASSWORD',
      'CATALOG_DB_PASSWORD',
      'JWT_SECRET',
      'NOTIFICATION_DB_PASSWORD',
      'ORDER_DB_PASSWORD',
      'POSTGRES_PASSWORD',
    ]);
    const example = await exampleEnv();
    for (const name of required) expect(Object.keys(example), `.env.example sets ${name}`).toContain(name);
    // And the example sets nothing the file does not use.
    for (const name of Object.keys(example)) expect([...variables.keys()], `${name} is used by compose.yaml`).toContain(name);
    // Compose itself refuses each one missing, naming it and pointing at deploy/.env.
    for (const name of required) {
      const without = Object.fromEntries(Object.entries(env).filter(([key]) => key !== name));
      const error = await composeConfig(without).catch((caught: unknown) => caught);
      expect(error, name).toBeInstanceOf(ToolError);
      expect(String(error), name).toContain(`required variable ${name} is missing a value: set ${name} in deploy/.env`);
    }
  });

  it('never writes a secret into compose.yaml itself', async () => {
    // With every variable given a marker value, each secret-looking value is the marker: it came from the env file.
    const variables = await composeVariables(env);
    const marked = Object.fromEntries([...variables.keys()].map((name) => [name, `from-env-${name}`]));
    const model = await composeConfig({ ...marked, GATEWAY_PORT: '8080', MAIL_INBOX_PORT: '1080' });
    for (const name of Object.keys(model.services)) {
      for (const [key, value] of Object.entries(composeEnv(name, model))) {
        if (/PASSWORD|SECRET/.test(key)) expect(value, `${name}.${key}`).toBe(`from-env-${key}`);
        const credentials = /:\/\/([^@/]+):([^@/]+)@/.exec(value);
        if (credentials !== null) expect(credentials[2], `${name}.${key}`).toMatch(/^from-env-[A-Z_]+_PASSWORD$/);
      }
    }
  });

  it('gives every Emporium service an environment its own config schema accepts', () => {
    for (const name of PROCESSES) expect(() => parseProcessEnv(name, composeEnv(name)), name).not.toThrow();
    // The production refusal of the order service is not bypassed: no fault injection configured.
    expect(composeEnv('order').FAULT_INJECTION).toBeUndefined();
  });

  it('passes the standard OpenTelemetry variables to every Emporium process: none exported unless .env names an endpoint', async () => {
    for (const name of PROCESSES) {
      expect(composeEnv(name), name).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
    }
    const traced = await composeConfig({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' });
    for (const name of PROCESSES) {
      expect(composeEnv(name, traced), name).toMatchObject({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      });
    }
  });

  it('connects each service to its own database, as the role the init script creates for it', () => {
    const postgres = service('postgres');
    const databases = (composeEnv('postgres').EMPORIUM_DATABASES ?? '').split(/\s+/).filter(Boolean).sort();
    expect(databases).toEqual(['account', 'catalog', 'notification', 'order']);
    for (const name of databases) {
      if (!isProcessName(name)) throw new Error(`${name} is not an Emporium process`);
      const url = new URL(config(name).DATABASE_URL ?? 'missing:');
      expect(url.protocol, name).toBe('postgres:');
      expect(url.hostname, name).toBe('postgres');
      expect(url.pathname, name).toBe(`/${name}`);
      expect(url.username, name).toBe(name);
      expect(decodeURIComponent(url.password), `${name}'s password is the one its role was created with`).toBe(composeEnv('postgres')[`${name.toUpperCase()}_DB_PASSWORD`]);
      expect(service(name).depends_on.postgres?.condition).toBe('service_healthy');
    }
    expect(config('gateway').DATABASE_URL).toBeUndefined();
    // The init script is mounted read-only where the image runs it, and is executable (otherwise it is sourced).
    const mount = postgres.volumes.find((volume) => volume.target.startsWith('/docker-entrypoint-initdb.d/'));
    expect(mount).toMatchObject({ type: 'bind', source: join(DEPLOY_DIR, 'postgres/init-databases.sh'), read_only: true });
    accessSync(mount?.source ?? '', constants.X_OK);
    expect(postgres.volumes.find((volume) => volume.target === '/var/lib/postgresql/data')).toMatchObject({ type: 'volume', source: 'postgres-data' });
  });

  it('points every address at the compose service listening there', () => {
    for (const name of PROCESSES) {
      for (const [upstream, address] of Object.entries(config(name).upstreams)) {
        if (!isProcessName(upstream)) throw new Error(`${upstream} is not an Emporium process`);
        const { host, port } = splitAddress(address);
        expect(host, `${name} -> ${upstream}`).toBe(upstream);
        // The service's own default port, which its image also sets (images.test.ts).
        expect(port, `${name} -> ${upstream}`).toBe(config(upstream).PORT);
      }
    }
    expect(Object.keys(config('order').upstreams).sort()).toEqual(['account', 'catalog']);
    expect(Object.keys(config('notification').upstreams)).toEqual(['account']);
    expect(Object.keys(config('gateway').upstreams).sort()).toEqual(['account', 'catalog', 'order']);
  });

  it('gives the gateway replicas one Redis for their rate-limit budgets, reachable only on the project network', () => {
    const url = new URL(config('gateway').REDIS_URL ?? 'missing:');
    expect(url.protocol).toBe('redis:');
    expect(url.hostname).toBe('redis');
    const redis = service('redis');
    // The image's own port: nothing in the command moves it.
    expect(url.port).toBe('6379');
    expect(redis.command).not.toContain('--port');
    expect(redis.ports).toEqual([]);
    expect(service('gateway').depends_on.redis).toMatchObject({ condition: 'service_healthy' });
    // Read-only, unprivileged, and writing only its own volume.
    expect(redis.read_only).toBe(true);
    expect(redis.cap_drop).toEqual(['ALL']);
    expect(redis.user).toBe('redis');
    expect(redis.volumes).toEqual([expect.objectContaining({ type: 'volume', source: 'redis-data', target: '/data' })]);
    expect(redis.healthcheck?.test.join(' ')).toContain('redis-cli ping');
    // Without trusted proxies configured, X-Forwarded-For is ignored (the gateway is published directly).
    expect(composeEnv('gateway').TRUSTED_PROXIES).toBe('');
  });

  it('gives every service one NATS server with JetStream on a volume, reachable only on the project network', () => {
    for (const name of GRPC_SERVICES) {
      const url = new URL(composeEnv(name).NATS_URL ?? 'missing:');
      expect(url.protocol, name).toBe('nats:');
      expect(url.hostname, name).toBe('nats');
      expect(url.port, name).toBe('4222');
      expect(service(name).depends_on.nats, name).toMatchObject({ condition: 'service_healthy' });
    }
    expect(composeEnv('gateway').NATS_URL).toBeUndefined();
    const nats = service('nats');
    expect(nats.image).toBe('nats:2.10-alpine');
    expect(nats.command).toEqual(expect.arrayContaining(['--jetstream', '--store_dir=/data']));
    expect(nats.volumes).toEqual([expect.objectContaining({ type: 'volume', source: 'nats-data', target: '/data' })]);
    expect(nats.ports).toEqual([]);
    expect(nats.read_only).toBe(true);
    expect(nats.cap_drop).toEqual(['ALL']);
    expect(nats.healthcheck?.test.join(' ')).toContain('/healthz?js-enabled-only=true');
    // Its graceful stop: SIGTERM would end it at once.
    expect(nats).toMatchObject({ stop_signal: 'SIGINT' });
  });

  it('sends the e-mails to the mail catcher unless deploy/.env names a mail server, with the credentials from deploy/.env', async () => {
    expect(config('notification').SMTP_URL).toBe('smtp://mail:1025');
    expect(composeEnv('notification')).toMatchObject({ SMTP_USER: '', SMTP_PASSWORD: '' });
    const mail = service('mail');
    expect(mail.build?.target).toBe('mail');
    expect(mail.healthcheck?.test.join(' ')).toContain('maildev/dist/bin/healthcheck.js');
    const relayed = await composeConfig({ ...env, SMTP_URL: 'smtps://smtp.example.com:465', SMTP_USER: 'shop', SMTP_PASSWORD: 'from-env-SMTP_PASSWORD' });
    expect(composeEnv('notification', relayed)).toMatchObject({ SMTP_URL: 'smtps://smtp.example.com:465', SMTP_USER: 'shop', SMTP_PASSWORD: 'from-env-SMTP_PASSWORD' });
    // The image installs the MailDev that `npm start` runs.
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
    const dockerfile = readFileSync(join(DEPLOY_DIR, 'Dockerfile'), 'utf8');
    expect(/^ARG MAILDEV_VERSION=(\S+)$/m.exec(dockerfile)?.[1]).toBe(lock.packages['node_modules/maildev']?.version);
  });

  it('shows prices in the currency the catalog stores them in', () => {
    expect(config('gateway').STORE_CURRENCY).toBe(config('catalog').STORE_CURRENCY);
  });

  it('gives the gateway a shared signing secret and an administrator', () => {
    expect(config('gateway').JWT_SECRET).toBe(env.JWT_SECRET);
    expect(composeEnv('gateway').ADMIN_EMAIL).toBe(env.ADMIN_EMAIL);
  });

  it("keeps the gateway from starting with .env.example's own JWT_SECRET and ADMIN_PASSWORD, naming both", async () => {
    const unedited = await composeConfig(await exampleEnv());
    const start = () => parseProcessEnv('gateway', composeEnv('gateway', unedited));
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(/JWT_SECRET: is an example value/);
    expect(start).toThrow(/ADMIN_PASSWORD: is an example value/);
  });

  it("publishes only the gateway and the mail catcher's inbox, each on its own port, on the loopback interface unless told otherwise", async () => {
    for (const [name, definition] of Object.entries(compose.services)) {
      if (name !== 'gateway' && name !== 'mail') expect(definition.ports, name).toEqual([]);
    }
    expect(service('mail').ports).toEqual([expect.objectContaining({ target: 1080, published: '1080', host_ip: '127.0.0.1' })]);
    const inboxMoved = await composeConfig({ ...env, MAIL_INBOX_HOST_IP: '0.0.0.0', MAIL_INBOX_PORT: '11080' });
    expect(service('mail', inboxMoved).ports[0]).toMatchObject({ published: '11080', host_ip: '0.0.0.0' });
    const ports = service('gateway').ports;
    expect(ports).toHaveLength(1);
    expect(ports[0]).toMatchObject({ target: config('gateway').PORT, published: '8080', host_ip: '127.0.0.1' });
    const moved = await composeConfig({ ...env, GATEWAY_HOST_IP: '0.0.0.0', GATEWAY_PORT: '18080' });
    expect(service('gateway', moved).ports[0]).toMatchObject({ published: '18080', host_ip: '0.0.0.0' });
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
    expect(Object.keys(service('order').depends_on).sort()).toEqual(['account', 'catalog', 'nats', 'postgres']);
    expect(Object.keys(service('notification').depends_on).sort()).toEqual(['account', 'nats', 'postgres']);
    expect(Object.keys(service('gateway').depends_on).sort()).toEqual(['account', 'catalog', 'order', 'redis']);
    // The health checks compose runs; images.test.ts checks each is the image's own HEALTHCHECK.
    for (const name of GRPC_SERVICES) {
      expect(service(name).healthcheck?.test, name).toEqual(['CMD', 'node', 'packages/kit/dist/healthcheck.js', 'grpc']);
    }
    expect(service('gateway').healthcheck?.test).toEqual(['CMD', 'node', 'packages/kit/dist/healthcheck.js', 'http', '/readyz']);
  });

  it('runs the Emporium containers read-only with a /tmp tmpfs, without capabilities, stopping within their drain time', () => {
    for (const name of PROCESSES) {
      const definition = service(name);
      expect(definition.read_only, name).toBe(true);
      expect(definition.tmpfs, name).toEqual(['/tmp']);
      expect(definition.cap_drop, name).toEqual(['ALL']);
      expect(definition.security_opt, name).toContain('no-new-privileges:true');
      expect(durationMs(definition.stop_grace_period), name).toBeGreaterThan(config(name).SHUTDOWN_TIMEOUT_MS);
    }
  });
});
