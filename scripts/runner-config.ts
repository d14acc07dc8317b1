import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { currencyCode, logLevel, parseConfig, port as listenPort } from '@emporium/kit/config.js';

/** The configuration of `npm start`, `npm run seed` and `npm run reset` (environment variables). */
/** Fixed ports: the processes find each other by them, so 0 (any free port) will not do. */
const port = listenPort.min(1);
const hostPort = z.string().regex(/^[\w.-]+:\d{1,5}$/, 'must be host:port');
const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional();

export const runnerConfigSchema = z.object({
  /** Parent of every service's embedded data directory (and the demo credentials). */
  EMPORIUM_DATA_DIR: z.string().min(1).default('.data'),
  GATEWAY_PORT: port.default(8080),
  ACCOUNT_PORT: port.default(50051),
  CATALOG_PORT: port.default(50052),
  ORDER_PORT: port.default(50053),
  NOTIFICATION_PORT: port.default(50054),
  /** Each process's /metrics, on a port of its own. */
  GATEWAY_METRICS_PORT: port.default(9450),
  ACCOUNT_METRICS_PORT: port.default(9451),
  CATALOG_METRICS_PORT: port.default(9452),
  ORDER_METRICS_PORT: port.default(9453),
  NOTIFICATION_METRICS_PORT: port.default(9454),
  /** Set these to run a service on PostgreSQL instead of its embedded database. */
  ACCOUNT_DATABASE_URL: postgresUrl,
  CATALOG_DATABASE_URL: postgresUrl,
  ORDER_DATABASE_URL: postgresUrl,
  NOTIFICATION_DATABASE_URL: postgresUrl,
  /**
   * The NATS server (JetStream) the services publish and consume events through. Unset: the runner
   * starts `nats-server` when it is on the PATH; without one, events wait in the services' outboxes.
   */
  NATS_URL: z.string().regex(/^(nats|tls|wss?):\/\//, 'must be a nats:// URL').optional(),
  /**
   * Where the notification service sends its e-mail. Unset: to the mail catcher the runner starts
   * (MailDev), whose web inbox it prints. SMTP_USER, SMTP_PASSWORD and MAIL_FROM reach the service
   * from this environment as they are.
   */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  /** The services' own log level; the runner keeps them quiet unless asked. */
  LOG_LEVEL: logLevel.default('warn'),
  /** Given to the catalog and the gateway. */
  STORE_CURRENCY: currencyCode.default('USD'),
  /**
   * An administrator of your own instead of the generated demo one. They reach the gateway as they
   * are, and its configuration checks them (both or neither, a strong password): one set of rules.
   */
  ADMIN_EMAIL: z.string().optional(),
  ADMIN_PASSWORD: z.string().optional(),
  /**
   * Where the demo data is loaded when the services are not this machine's `npm start` (host:port):
   * the Compose seed service sets them to the services on its network.
   */
  SEED_ACCOUNT_ADDRESS: hostPort.optional(),
  SEED_CATALOG_ADDRESS: hostPort.optional(),
});

export type RunnerConfig = z.infer<typeof runnerConfigSchema>;

export function runnerConfig(env: NodeJS.ProcessEnv = process.env): RunnerConfig {
  return parseConfig(runnerConfigSchema, env);
}

/** In the order they are waited for: the gateway last, once every backend answers. */
export const SERVICES = ['account', 'catalog', 'order', 'notification', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

export function portOf(config: RunnerConfig, service: ServiceName): number {
  switch (service) {
    case 'account':
      return config.ACCOUNT_PORT;
    case 'catalog':
      return config.CATALOG_PORT;
    case 'order':
      return config.ORDER_PORT;
    case 'notification':
      return config.NOTIFICATION_PORT;
    case 'gateway':
      return config.GATEWAY_PORT;
  }
}

export const addressOf = (config: RunnerConfig, service: ServiceName) => `127.0.0.1:${portOf(config, service)}`;

/** Where the demo data goes: this machine's processes, unless SEED_*_ADDRESS names others. */
export const seedAddressOf = (config: RunnerConfig, service: 'account' | 'catalog'): string =>
  (service === 'account' ? config.SEED_ACCOUNT_ADDRESS : config.SEED_CATALOG_ADDRESS) ?? addressOf(config, service);

/** The variable naming the port a process serves /metrics on. */
export const METRICS_PORT_VARIABLE = {
  account: 'ACCOUNT_METRICS_PORT',
  catalog: 'CATALOG_METRICS_PORT',
  order: 'ORDER_METRICS_PORT',
  notification: 'NOTIFICATION_METRICS_PORT',
  gateway: 'GATEWAY_METRICS_PORT',
} as const satisfies Record<ServiceName, keyof RunnerConfig>;

export const metricsPortOf = (config: RunnerConfig, service: ServiceName): number => config[METRICS_PORT_VARIABLE[service]];

export const metricsUrlOf = (config: RunnerConfig, service: ServiceName) => `http://127.0.0.1:${metricsPortOf(config, service)}/metrics`;

export interface Credentials {
  readonly email: string;
  readonly password: string;
}

export interface DemoCredentials {
  readonly admin: Credentials;
  readonly customer: Credentials;
}

const credentialsSchema = z.object({
  admin: z.object({ email: z.string(), password: z.string() }),
  customer: z.object({ email: z.string(), password: z.string() }),
});

/** True when the user named the administrator (ADMIN_EMAIL or ADMIN_PASSWORD): the demo one stays unused. */
export const hasOwnAdministrator = (config: RunnerConfig): boolean => config.ADMIN_EMAIL !== undefined || config.ADMIN_PASSWORD !== undefined;

const credentialsFile = (config: RunnerConfig) => join(resolve(config.EMPORIUM_DATA_DIR), 'demo-credentials.json');

/** The demo credentials kept in the data directory, or undefined before the first start. */
export function readDemoCredentials(config: RunnerConfig): DemoCredentials | undefined {
  const file = credentialsFile(config);
  return existsSync(file) ? credentialsSchema.parse(JSON.parse(readFileSync(file, 'utf8'))) : undefined;
}

/**
 * A new demo admin and customer. Their passwords are random, so a demo started on a shared machine
 * has no well-known password.
 */
export function newDemoCredentials(): DemoCredentials {
  const password = () => randomBytes(12).toString('base64url');
  return {
    admin: { email: 'admin@emporium.test', password: password() },
    customer: { email: 'customer@emporium.test', password: password() },
  };
}

/** Keeps the demo credentials in the data directory (readable by this user only) for the next start. */
export function saveDemoCredentials(config: RunnerConfig, credentials: DemoCredentials): void {
  mkdirSync(resolve(config.EMPORIUM_DATA_DIR), { recursive: true });
  writeFileSync(credentialsFile(config), `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
}

/** The demo credentials of this data directory, made and kept on the first start. */
export function demoCredentials(config: RunnerConfig): DemoCredentials {
  const stored = readDemoCredentials(config);
  if (stored !== undefined) return stored;
  const credentials = newDemoCredentials();
  saveDemoCredentials(config, credentials);
  return credentials;
}
