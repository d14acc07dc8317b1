import { isIP } from 'node:net';
import { z } from 'zod';
import { currencyCode, listenerConfigShape, metricsPort, serviceAddress } from '@emporium/kit/config.js';
import { weakAdminPasswordReason, weakSecretReason } from './auth/weak-secrets.js';

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const positiveCount = z.coerce.number().int().min(1).max(1_000_000_000);
const windowSeconds = z.coerce.number().int().min(1).max(7 * 24 * 3600);

/** One entry of TRUSTED_PROXIES: an address, a CIDR block, or one of proxy-addr's named ranges. */
function isProxyEntry(entry: string): boolean {
  if (entry === 'loopback' || entry === 'linklocal' || entry === 'uniquelocal') return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
/** 60 s to one day: a revoked session's access tokens are remembered (auth/revoked-sessions.ts) that long. */
const accessTokenTtl = z.coerce.number().int().min(60).max(24 * 3600);
const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const requestBackendDeadline = z.coerce.number().int().min(100).max(300_000);
const DEFAULT_REQUEST_BACKEND_DEADLINE_MS = 15_000;
/** Variables renamed, each [current name, old name]: the old one is still read; both set differently is refused. */
const RENAMED_VARIABLES = [
  ['ACCESS_TOKEN_TTL_SECONDS', 'TOKEN_TTL_SECONDS'],
  ['REQUEST_BACKEND_DEADLINE_MS', 'REQUEST_TIMEOUT_MS'],
] as const;

/** A variable still read under its old name, and the name to use instead. */
export interface DeprecatedVariable {
  readonly name: string;
  readonly replacement: string;
}

/** Every variable the gateway reads, parsed once at start (see README for the table). */
export const gatewayConfigSchema = z
  .object({
    /** LOG_LEVEL, HOST, PORT (HTTP) and SHUTDOWN_TIMEOUT_MS (in-flight requests), as every process reads them. */
    ...listenerConfigShape({ port: 8080 }),
    /** /metrics on a port of its own, so the public port (and whatever routes to it) never serves them. */
    METRICS_PORT: metricsPort.default(9450),
    ACCOUNT_ADDRESS: serviceAddress.default('127.0.0.1:50051'),
    CATALOG_ADDRESS: serviceAddress.default('127.0.0.1:50052'),
    ORDER_ADDRESS: serviceAddress.default('127.0.0.1:50053'),
    /**
     * HS256 signing secret for tokens: at least 32 random bytes as hex or base64 (auth/weak-secrets.ts says
     * exactly what is refused). Unset: a random one is generated on first start and kept in
     * DATA_DIR, so tokens survive restarts of one gateway. Several replicas must share one: set it.
     */
    JWT_SECRET: z
      .string()
      .superRefine((value, context) => {
        const reason = weakSecretReason(value);
        if (reason !== undefined) context.addIssue({ code: 'custom', message: reason });
      })
      .optional(),
    /** Where the generated secret is kept. */
    DATA_DIR: z.string().min(1).default('.data/gateway'),
    /** Lifetime of an access token (signUp, logIn, refreshToken). Also how long a revocation is remembered. */
    ACCESS_TOKEN_TTL_SECONDS: accessTokenTtl.optional(),
    /** The old name of ACCESS_TOKEN_TTL_SECONDS, still read (same bounds); setting both differently is refused. */
    TOKEN_TTL_SECONDS: accessTokenTtl.optional(),
    /** Lifetime of a refresh token; each refresh starts a new one (sliding), a log out ends them all. */
    REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(300).max(366 * 24 * 3600).default(30 * 24 * 3600),
    /**
     * The Secure attribute of the refresh-token cookie: auto = when the request came over HTTPS
     * (as the trusted proxy says), true = always (set it behind a TLS-terminating proxy), false = never.
     */
    REFRESH_COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
    /** The currency product prices are entered in. */
    STORE_CURRENCY: currencyCode.default('USD'),
    /** Bootstraps this administrator at start (created if missing). Both or neither. */
    ADMIN_EMAIL: z.string().min(3).optional(),
    ADMIN_PASSWORD: z
      .string()
      .superRefine((value, context) => {
        const reason = weakAdminPasswordReason(value);
        if (reason !== undefined) context.addIssue({ code: 'custom', message: reason });
      })
      .optional(),
    ADMIN_NAME: z.string().min(1).default('Administrator'),
    /** Deadline of each backend call. */
    BACKEND_DEADLINE_MS: z.coerce.number().int().min(10).max(120_000).default(5_000),
    /**
     * Deadline of all the backend calls of one GraphQL request: none outlives it, whatever is left
     * of its own BACKEND_DEADLINE_MS. (Not an HTTP timeout: those are the HTTP_*_TIMEOUT_MS below.)
     */
    REQUEST_BACKEND_DEADLINE_MS: requestBackendDeadline.optional(),
    /** The old name of REQUEST_BACKEND_DEADLINE_MS, still read with a warning; setting both differently is refused. */
    REQUEST_TIMEOUT_MS: requestBackendDeadline.optional(),
    /** Largest accepted request body. */
    BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
    /** Query limits (see src/guards/query-cost.ts for how cost is counted). */
    MAX_QUERY_DEPTH: z.coerce.number().int().min(2).max(50).default(10),
    MAX_QUERY_COST: z.coerce.number().int().min(10).max(10_000_000).default(50_000),
    MAX_QUERY_ALIASES: z.coerce.number().int().min(0).max(10_000).default(50),
    MAX_QUERY_TOKENS: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
    /** Schema introspection (GraphiQL needs it). */
    INTROSPECTION: flag.default(true),
    /** Serve the GraphiQL IDE at /graphiql. */
    GRAPHIQL: flag.default(true),
    /**
     * Adds the response header `x-emporium-backend-calls` with this request's backend calls per
     * RPC (tests and benchmarks read it). Off by default: it tells clients about the internals.
     */
    EXPOSE_BACKEND_CALLS: flag.default(false),
    /**
     * Redis shared by several gateway replicas (rate-limit budgets, token revocations):
     * redis://[user:password@]host:port[/db] or rediss:// (TLS). Unset: kept in this process.
     */
    REDIS_URL: z
      .string()
      .refine((value) => /^rediss?:\/\//.test(value) && URL.canParse(value), 'must be a redis:// or rediss:// URL')
      .optional(),
    /*
     * Rate limits (see README "Rate limits"): each budget is a number of events per fixed window,
     * per client IP or per e-mail, shared by every replica when REDIS_URL is set.
     */
    /** Every /graphql request, per client IP (health endpoints are exempt). */
    RATE_LIMIT_REQUESTS: positiveCount.default(600),
    RATE_LIMIT_WINDOW_SECONDS: windowSeconds.default(60),
    /** logIn and signUp attempts per client IP, counted before any password is hashed. */
    AUTH_ATTEMPTS_PER_IP: positiveCount.default(20),
    AUTH_ATTEMPTS_WINDOW_SECONDS: windowSeconds.default(60),
    /** signUp attempts per client IP. */
    SIGNUPS_PER_IP: positiveCount.default(10),
    SIGNUPS_WINDOW_SECONDS: windowSeconds.default(3600),
    /** Refused logIns (wrong password) and signUps (e-mail taken) per e-mail address. */
    AUTH_FAILURES_PER_EMAIL: positiveCount.default(10),
    AUTH_FAILURES_WINDOW_SECONDS: windowSeconds.default(900),
    /** Prefix of every rate-limit key in Redis (several deployments on one Redis; tests). */
    RATE_LIMIT_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:._-]{1,64}$/, 'must be 1 to 64 of A-Z a-z 0-9 : . _ -')
      .default('emporium:rate-limit:'),
    /**
     * The proxies whose X-Forwarded-For is believed: comma-separated IPs and CIDRs (or proxy-addr's
     * names loopback, linklocal, uniquelocal). Unset: the client IP is the connection's peer and
     * X-Forwarded-For is ignored.
     */
    TRUSTED_PROXIES: z
      .string()
      .optional()
      .transform((value, context) => {
        const entries = (value ?? '')
          .split(',')
          .map((entry) => entry.trim())
          .filter((entry) => entry !== '');
        for (const entry of entries) {
          if (!isProxyEntry(entry)) {
            context.addIssue({ code: 'custom', message: `"${entry}" is not an IP address, a CIDR or loopback/linklocal/uniquelocal` });
          }
        }
        return entries;
      }),
    /**
     * Slow or stalled clients (see README, Limits): the request line and headers must have arrived
     * within HTTP_HEADERS_TIMEOUT_MS, the whole request with its body within
     * HTTP_REQUEST_TIMEOUT_MS, else the connection is cut (408). An idle keep-alive connection is
     * closed after HTTP_KEEP_ALIVE_TIMEOUT_MS; a connection on which nothing moves either way, after
     * HTTP_IDLE_TIMEOUT_MS.
     */
    HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
    HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(72_000),
    HTTP_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(120_000),
  })
  .refine((config) => config.HTTP_HEADERS_TIMEOUT_MS <= config.HTTP_REQUEST_TIMEOUT_MS, {
    message: 'HTTP_HEADERS_TIMEOUT_MS may not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)',
    path: ['HTTP_HEADERS_TIMEOUT_MS'],
  })
  .refine((config) => (config.ADMIN_EMAIL === undefined) === (config.ADMIN_PASSWORD === undefined), {
    message: 'ADMIN_EMAIL and ADMIN_PASSWORD are set together or not at all',
    path: ['ADMIN_PASSWORD'],
  })
  .superRefine((config, context) => {
    for (const [current, old] of RENAMED_VARIABLES) {
      if (config[current] !== undefined && config[old] !== undefined && config[current] !== config[old]) {
        context.addIssue({ code: 'custom', message: `${old} is the old name of ${current}: set only ${current}`, path: [old] });
      }
    }
  })
  .transform(({ TOKEN_TTL_SECONDS, ACCESS_TOKEN_TTL_SECONDS, REQUEST_TIMEOUT_MS, REQUEST_BACKEND_DEADLINE_MS, ...config }) => {
    /** Old names that were set: the gateway warns about each when it starts. */
    const deprecatedVariables: readonly DeprecatedVariable[] =
      REQUEST_TIMEOUT_MS === undefined ? [] : [{ name: 'REQUEST_TIMEOUT_MS', replacement: 'REQUEST_BACKEND_DEADLINE_MS' }];
    return {
      ...config,
      ACCESS_TOKEN_TTL_SECONDS: ACCESS_TOKEN_TTL_SECONDS ?? TOKEN_TTL_SECONDS ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
      REQUEST_BACKEND_DEADLINE_MS: REQUEST_BACKEND_DEADLINE_MS ?? REQUEST_TIMEOUT_MS ?? DEFAULT_REQUEST_BACKEND_DEADLINE_MS,
      deprecatedVariables,
    };
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
