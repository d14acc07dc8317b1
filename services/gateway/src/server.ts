import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type RawServerDefault } from 'fastify';
import type { ValidationRule } from 'graphql';
import mercurius from 'mercurius';
import { REQUEST_ID_HEADER, requestIdFrom } from '@emporium/kit/context.js';
import type { Logger } from '@emporium/kit/logger.js';
import { AuthBudgets } from './auth-budgets.js';
import { singleAuthMutationRule } from './auth-mutation-rule.js';
import { CallCounter, requestBackends, type ServiceClients } from './backends.js';
import type { GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { formatErrors } from './error-response.js';
import { GatewayError } from './errors.js';
import { NoSchemaIntrospectionCustomRule } from './graphql.js';
import { registerGraphiql, type GraphiqlAssets } from './graphiql-page.js';
import { GRAPHQL_RESPONSE_JSON, checkGraphqlRequest, responseMediaType } from './graphql-http.js';
import { registerHealth } from './health.js';
import type { Redis } from './redis.js';
import {
  aliasLimitRule,
  depthLimitRule,
  enforceCostLimit,
  enforceExpansionLimit,
  enforceNestingLimit,
  enforceWidthLimit,
} from './limits.js';
import { createLoaders } from './loaders.js';
import { GraphqlMetrics } from './metrics.js';
import { registerRequestBudget, trustProxy } from './rate-limit.js';
import { refreshCookie } from './refresh-cookie.js';
import { resolvers } from './resolvers/index.js';
import { registerStorefront, type StorefrontAssets } from './storefront.js';
import { loadSchema } from './schema.js';
import type { TokenService } from './tokens.js';
import { traceGraphqlOperations, traceHttpRequests, traceResolvers } from './tracing.js';
import type { Viewer } from './viewer.js';

export const GRAPHQL_PATH = '/graphql';
export const BACKEND_CALLS_HEADER = 'x-emporium-backend-calls';

/** Where it always was, for the tests that build the schema the server serves. */

export interface ServerOptions {
  readonly config: GatewayConfig;
  readonly log: Logger;
  readonly clients: ServiceClients;
  readonly tokens: TokenService;
  /** Health is asked of these (service name -> host:port). */
  readonly addresses: Readonly<Record<'account' | 'catalog' | 'order', string>>;
  /** The built GraphiQL bundle; absent when GraphiQL is off. */
  readonly graphiql?: GraphiqlAssets | undefined;
  /** The built web shop, served at /; absent when there is no build. */
  readonly storefront?: StorefrontAssets | undefined;
  /** Shared state of several replicas (REDIS_URL); absent: kept in this process. */
  readonly redis?: Redis | undefined;
}

/**
 * Timeouts that cut slow or stalled clients. Node checks the header and request timeouts of
 * incomplete requests every connectionsCheckingInterval (30 s by default): checked more often, a
 * stalled request is cut close to its timeout.
 */
function httpTimeouts(config: GatewayConfig) {
  return {
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    connectionTimeout: config.HTTP_IDLE_TIMEOUT_MS,
    http: {
      headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: Math.min(1_000, config.HTTP_HEADERS_TIMEOUT_MS),
    },
  };
}

/** The HTTP server: GraphQL at /graphql, GraphiQL at /graphiql, /healthz and /readyz. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { config, log, clients, tokens } = options;
  const authBudgets = new AuthBudgets(config, options.redis);
  const app = Fastify<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    loggerInstance: log,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // request.ip: the peer, or what X-Forwarded-For says behind a configured proxy (TRUSTED_PROXIES).
    trustProxy: trustProxy(config),
    // The caller's x-request-id only when it is a short token of safe characters (it is logged on
    // every line and echoed back); otherwise our own.
    requestIdHeader: false,
    genReqId: (request) => requestIdFrom(request.headers[REQUEST_ID_HEADER]),
    ...httpTimeouts(config),
    // Per-request start/finish lines only when debugging: at load they would be most of the log.
    logController: new LogController({ disableRequestLogging: config.LOG_LEVEL !== 'debug' && config.LOG_LEVEL !== 'trace' }),
  });

  traceHttpRequests(app);
  registerHealth(app, options.addresses);
  const metrics = new GraphqlMetrics();
  if (options.graphiql !== undefined) registerGraphiql(app, options.graphiql, GRAPHQL_PATH);
  if (options.storefront !== undefined) registerStorefront(app, options.storefront);

  // GraphQL in its own encapsulated scope: Mercurius installs an error handler, and it must
  // format only GraphQL requests.
  await app.register(async (api) => {
    // Mercurius' response schema types error paths as strings, so fast-json-stringify would turn
    // list indices into "0"; the spec says integers. Its data schema is free-form anyway, so plain
    // JSON.stringify costs nothing that schema serialization saved.
    api.setSerializerCompiler(() => (data) => JSON.stringify(data));

    // Before the routes it counts; health endpoints live outside this scope and are not counted.
    await registerRequestBudget(api, config, options.redis);

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
    // The request's shape, before Mercurius' own (coercing) schema sees it.
    api.addHook('preValidation', (request, _reply, done) => {
      checkGraphqlRequest(request);
      done();
    });
    api.addHook('onSend', async (request, reply) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      reply.header('content-type', `${responseMediaType(request.headers.accept)}; charset=utf-8`);
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
        clientIp: request.ip,
        authBudgets,
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
      singleAuthMutationRule(),
      ...(config.INTROSPECTION ? [] : [NoSchemaIntrospectionCustomRule]),
    ];

    await api.register(mercurius, {
      schema: loadSchema(),
      resolvers: traceResolvers(resolvers),
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
        metrics.errorsAnswered(context.reply.request, formatted.response.errors);
        if (formatted.retryAfter !== undefined) context.reply.header('retry-after', String(formatted.retryAfter));
        // In application/graphql-response+json a response with data (not null) must be 2xx.
        const graphqlResponse = responseMediaType(context.reply.request.headers.accept) === GRAPHQL_RESPONSE_JSON;
        if (graphqlResponse && formatted.response.data != null && formatted.statusCode >= 300) return { ...formatted, statusCode: 200 };
        return formatted;
      },
    });

    metrics.register(api);
    api.graphql.addHook('preParsing', (_schema, source) => {
      enforceNestingLimit(source, config.MAX_QUERY_TOKENS);
      return Promise.resolve();
    });
    // Before graphql's own validation rules: none of them then sees a document that, written out,
    // would be larger than the largest one the parser accepts.
    api.graphql.addHook('preValidation', (_schema, document) => {
      enforceExpansionLimit(document, config.MAX_QUERY_TOKENS);
      enforceWidthLimit(document);
      return Promise.resolve();
    });
    api.graphql.addHook('preExecution', (schema, document, _context, variables) => {
      enforceCostLimit(schema, document, variables, config.MAX_QUERY_COST);
      return Promise.resolve();
    });
    // Last: an operation refused by the limits above gets no operation span.
    traceGraphqlOperations(api);
  });

  return app;
}
