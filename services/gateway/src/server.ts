import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type RawServerDefault } from 'fastify';
import type { ValidationRule } from 'graphql';
import mercurius from 'mercurius';
import type { Logger } from '@emporium/kit/logger.js';
import { CallCounter, requestBackends, type ServiceClients } from './backends.js';
import type { GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { formatErrors, GatewayError } from './errors.js';
import { NoSchemaIntrospectionCustomRule } from './graphql.js';
import { registerGraphiql, type GraphiqlAssets } from './graphiql.js';
import { registerHealth } from './health.js';
import type { Redis } from './redis.js';
import { aliasLimitRule, depthLimitRule, enforceCostLimit } from './limits.js';
import { createLoaders } from './loaders.js';
import { SCHEMA_DIR } from './paths.js';
import { refreshCookie } from './refresh-cookie.js';
import { resolvers } from './resolvers/index.js';
import type { TokenService, Viewer } from './tokens.js';

export const GRAPHQL_PATH = '/graphql';
export const BACKEND_CALLS_HEADER = 'x-emporium-backend-calls';

/** The public schema: every file of schema/, in name order (the files are the source of truth). */
export function loadSchema(): string {
  return readdirSync(SCHEMA_DIR)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(join(SCHEMA_DIR, name), 'utf8'))
    .join('\n');
}

export interface ServerOptions {
  readonly config: GatewayConfig;
  readonly log: Logger;
  readonly clients: ServiceClients;
  readonly tokens: TokenService;
  /** Health is asked of these (service name -> host:port). */
  readonly addresses: Readonly<Record<'account' | 'catalog' | 'order', string>>;
  /** The built GraphiQL bundle; absent when GraphiQL is off. */
  readonly graphiql?: GraphiqlAssets | undefined;
  /** Shared state of several replicas (REDIS_URL); absent: kept in this process. */
  readonly redis?: Redis | undefined;
}

/** The HTTP server: GraphQL at /graphql, GraphiQL at /graphiql, /healthz and /readyz. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { config, log, clients, tokens } = options;
  const app = Fastify<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    loggerInstance: log,
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Per-request start/finish lines only when debugging: at load they would be most of the log.
    logController: new LogController({ disableRequestLogging: config.LOG_LEVEL !== 'debug' && config.LOG_LEVEL !== 'trace' }),
  });

  registerHealth(app, options.addresses);
  if (options.graphiql !== undefined) registerGraphiql(app, options.graphiql, GRAPHQL_PATH);

  // GraphQL in its own encapsulated scope: Mercurius installs an error handler, and it must
  // format only GraphQL requests.
  await app.register(async (api) => {
    // Mercurius' response schema types error paths as strings, so fast-json-stringify would turn
    // list indices into "0"; the spec says integers. Its data schema is free-form anyway, so plain
    // JSON.stringify costs nothing that schema serialization saved.
    api.setSerializerCompiler(() => (data) => JSON.stringify(data));

    const viewers = new WeakMap<FastifyRequest, Viewer>();
    const calls = new WeakMap<FastifyRequest, CallCounter>();

    // The token is checked before Mercurius sees the request: a bad one fails the request with
    // 401 (and the header RFC 6750 asks for), whatever the query.
    api.addHook('preHandler', async (request, reply) => {
      try {
        viewers.set(request, await tokens.viewerOf(request.headers.authorization));
      } catch (error) {
        if (error instanceof GatewayError && error.code === 'UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer error="invalid_token"');
        throw error;
      }
    });
    api.addHook('onSend', async (request, reply) => {
      reply.header('x-request-id', request.id);
      const counter = calls.get(request);
      if (counter === undefined) return;
      if (config.EXPOSE_BACKEND_CALLS) reply.header(BACKEND_CALLS_HEADER, counter.toHeader());
      request.log.debug({ backendCalls: counter.toJSON(), total: counter.total }, 'graphql request served');
    });

    const buildContext = (request: FastifyRequest, reply: FastifyReply): GatewayContext => {
      const counter = new CallCounter();
      calls.set(request, counter);
      const requestLog = log.child({ requestId: request.id });
      const backends = requestBackends(clients, counter, {
        requestId: request.id,
        deadline: new Date(Date.now() + config.REQUEST_TIMEOUT_MS),
        log: requestLog,
      });
      return {
        requestId: request.id,
        viewer: viewers.get(request) ?? null,
        backends,
        loaders: createLoaders(backends),
        calls: counter,
        tokens,
        refreshCookie: refreshCookie(request, reply, GRAPHQL_PATH, config.REFRESH_COOKIE_SECURE),
        refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
        storeCurrency: config.STORE_CURRENCY,
        log: requestLog,
      };
    };

    const validationRules: ValidationRule[] = [
      depthLimitRule(config.MAX_QUERY_DEPTH),
      aliasLimitRule(config.MAX_QUERY_ALIASES),
      ...(config.INTROSPECTION ? [] : [NoSchemaIntrospectionCustomRule]),
    ];

    await api.register(mercurius, {
      schema: loadSchema(),
      resolvers,
      path: GRAPHQL_PATH,
      // Compile a query to JavaScript (graphql-jit) from its second use on; the parsed and
      // validated document is cached (Mercurius' LRU) either way.
      jit: 1,
      graphiql: false,
      allowBatchedQueries: false,
      validationRules,
      graphql: { parseOptions: { maxTokens: config.MAX_QUERY_TOKENS } },
      context: (request, reply) => buildContext(request, reply),
      errorFormatter: (execution, context) => {
        const formatted = formatErrors(execution, log.child({ requestId: context.reply.request.id }));
        if (formatted.retryAfter !== undefined) context.reply.header('retry-after', String(formatted.retryAfter));
        return formatted;
      },
    });

    api.graphql.addHook('preExecution', (schema, document, _context, variables) => {
      enforceCostLimit(schema, document, variables, config.MAX_QUERY_COST);
      return Promise.resolve();
    });
  });

  return app;
}
