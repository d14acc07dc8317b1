import { z } from 'zod';
import { isCurrencyCode } from './money.js';
import { eventsConfigShape } from './events.js';

/** Thrown by parseConfig; its message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses environment variables with a zod schema. Empty strings count as unset, so that
 * `FOO=` in an env file falls back to the default instead of failing a number parse.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const variable = issue.path.map(String).join('.') || '(environment)';
    return `  ${variable}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

/** parseConfig for a process entry point: on error, prints which variables are wrong and exits 1. */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  try {
    return parseConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/*
 * The variables every process reads the same way (the services, the gateway, `npm start`): one
 * declaration each, so that a value means the same thing to every process it is given to.
 */

/** pino's levels; silent turns logging off. */
export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
/** A TCP port to listen on; 0 picks a free one (tests). */
export const port = z.coerce.number().int().min(0).max(65535);
/**
 * The port of a process's /metrics (its own small HTTP server on HOST, apart from the port clients
 * use): 0 picks a free one, `off` serves none (the metrics are still counted, for nobody).
 */
export const metricsPort = z.union([z.literal('off'), port]);
/** How long a graceful shutdown waits for in-flight calls before cutting them off. */
export const shutdownTimeoutMs = z.coerce.number().int().min(0).max(600_000);
/** An ISO 4217 currency code Intl knows, read case- and space-insensitively ("eur " is EUR). */
export const currencyCode = z
  .string()
  .transform((value) => value.trim().toUpperCase())
  .refine(isCurrencyCode, 'must be an ISO 4217 currency code such as USD');
const postgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\//.test(value) && URL.canParse(value), 'must be a postgres:// or postgresql:// URL');

/**
 * The variables of every process that listens: log level, interface, port and shutdown grace.
 * `defaultPort` differs per process so that all of them can run side by side on one machine.
 */
export function listenerConfigShape(defaults: { port: number }) {
  return {
    LOG_LEVEL: logLevel.default('info'),
    /** Interface to listen on. 127.0.0.1 by default; containers set 0.0.0.0. */
    HOST: z.string().min(1).default('127.0.0.1'),
    /** The port; 0 picks a free one (tests). */
    PORT: port.default(defaults.port),
    /** How long a graceful shutdown waits for in-flight calls before cutting them off. */
    SHUTDOWN_TIMEOUT_MS: shutdownTimeoutMs.default(10_000),
  };
}

const connectionAgeMs = z.coerce.number().int().min(1_000).max(24 * 60 * 60 * 1000);

/** The variables every gRPC service reads: a listener's, and its database. */
export function serviceConfigShape(defaults: { service: string; port: number; metricsPort: number }) {
  return {
    ...listenerConfigShape(defaults),
    /**
     * A client connection is closed (GOAWAY) after this long, so clients resolve the service's name
     * again and spread their calls over replicas added since (deploy/README.md, scaling model).
     */
    GRPC_MAX_CONNECTION_AGE_MS: connectionAgeMs.default(120_000),
    /** How long calls still running on such a connection may take before it is cut. */
    GRPC_MAX_CONNECTION_AGE_GRACE_MS: connectionAgeMs.default(30_000),
    METRICS_PORT: metricsPort.default(defaults.metricsPort),
    /** PostgreSQL URL. When unset, the service runs on an embedded PGlite in DATA_DIR. */
    DATABASE_URL: postgresUrl.optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
    /** Embedded database directory, used only without DATABASE_URL. */
    DATA_DIR: z.string().min(1).default(`.data/${defaults.service}`),
    /** NATS and the outbox, streams and consumers on it (events.ts). */
    ...eventsConfigShape(),
  };
}

/**
 * The host another process on this machine dials to reach one listening on `host`: a wildcard
 * address (every interface) is not one to connect to, so loopback stands for it.
 */
export function dialHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

/**
 * The address of another service: host:port, or dns:///host:port (the same, resolved through DNS
 * to every replica's address: see the scaling model in deploy/README.md).
 */
export const serviceAddress = z
  .string()
  .regex(/^(dns:\/\/\/)?([A-Za-z0-9.\-_]+|\[[0-9a-fA-F:]+\]):\d{1,5}$/, 'must be host:port or dns:///host:port');
