import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyHttpOptions, type FastifyInstance, type RawServerDefault } from 'fastify';
import mercurius from 'mercurius';
import { REQUEST_ID_HEADER, requestIdFrom } from '@emporium/kit/context.js';
import type { Logger } from '@emporium/kit/logger.js';
import type { TokenService } from './auth/access-tokens.js';
import { registerViewerCheck } from './auth/request-viewer.js';
import type { Redis } from './backends/redis.js';
import { registerBackendCallCounting } from './backends/request-backends.js';
import type { ServiceClients } from './backends/service-clients.js';
import type { GatewayConfig } from './config.js';
import { loadSchema } from './graphql/schema-files.js';
import { trustProxy } from './guards/client-ip.js';
import { AuthBudgets } from './guards/password-guessing-budgets.js';
import { queryValidationRules, registerQueryLimits } from './guards/query-limits.js';
import { registerRequestBudget } from './guards/request-budget.js';
import { graphqlErrorFormatter } from './http/error-response.js';
import { registerGraphqlOverHttp } from './http/graphql-over-http.js';
import { registerHealth } from './http/health.js';
import { GraphqlMetrics } from './http/metrics.js';
import { traceGraphqlOperations, traceHttpRequests, traceResolvers } from './http/tracing.js';
import { gatewayContextFactory } from './resolvers/context.js';
import { resolvers } from './resolvers/resolver-map.js';
import { registerGraphiql, type GraphiqlAssets } from './web/graphiql-page.js';
import { registerStorefront, type StorefrontAssets } from './web/storefront.js';

export { BACKEND_CALLS_HEADER } from './backends/request-backends.js';
export const GRAPHQL_PATH = '/graphql';

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

type GatewayServerOptions = FastifyHttpOptions<RawServerDefault, FastifyBaseLogger>;

/** The HTTP server's own options: body limit, client IP, request ids, timeouts, request logging. */
function serverOptions(config: GatewayConfig, log: Logger): GatewayServerOptions {
  return {
    loggerInstance: log,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // request.ip: the peer, or what X-Forwarded-For says behind a configured proxy (TRUSTED_PROXIES).
    trustProxy: trustProxy(config),
    // The caller's x-request-id only when it is a short token of safe characters (it is logged on
    // every line and echoed back); otherwise our own.
    requestIdHeader: false,
    genReqId: (request) => requestIdFrom(request.headers[REQUEST_ID_HEADER]),
    // Timeouts that cut slow or stalled clients. Node checks the header and request timeouts of
    // incomplete requests every connectionsCheckingInterval (30 s by default): checked more often,
    // a stalled request is cut close to its timeout.
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    connectionTimeout: config.HTTP_IDLE_TIMEOUT_MS,
    http: {
      headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: Math.min(1_000, config.HTTP_HEADERS_TIMEOUT_MS),
    },
    // Per-request start/finish lines only when debugging: at load they would be most of the log.
    logController: new LogController({ disableRequestLogging: config.LOG_LEVEL !== 'debug' && config.LOG_LEVEL !== 'trace' }),
  };
}

/**
 * The HTTP server, put together from the gateway's rooms: GraphQL at /graphql behind the guards,
 * GraphiQL at /graphiql, the shop at /, /healthz and /readyz.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { config, log, clients, tokens } = options;
  const app = Fastify<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>(serverOptions(config, log));

  traceHttpRequests(app);
  registerHealth(app, options.addresses);
  if (options.graphiql !== undefined) registerGraphiql(app, options.graphiql, GRAPHQL_PATH);
  if (options.storefront !== undefined) registerStorefront(app, options.storefront);

  // GraphQL in its own encapsulated scope: Mercurius installs an error handler, and it must
  // format only GraphQL requests. Hooks registered here before Mercurius apply to its route.
  await app.register(async (api) => {
    registerGraphqlOverHttp(api);
    // Before the routes it counts; health endpoints live outside this scope and are not counted.
    await registerRequestBudget(api, config, options.redis);
    const viewerOf = registerViewerCheck(api, tokens);
    const countCallsOf = registerBackendCallCounting(api, config.EXPOSE_BACKEND_CALLS);
    const metrics = new GraphqlMetrics();

    await api.register(mercurius, {
      schema: loadSchema(),
      resolvers: traceResolvers(resolvers),
      path: GRAPHQL_PATH,
      // Compile a query to JavaScript (graphql-jit) from its second use on; the parsed and
      // validated document is cached (Mercurius' LRU) either way.
      jit: 1,
      graphiql: false,
      allowBatchedQueries: false,
      validationRules: queryValidationRules(config),
      graphql: { parseOptions: { maxTokens: config.MAX_QUERY_TOKENS } },
      context: gatewayContextFactory({
        config,
        log,
        clients,
        tokens,
        authBudgets: new AuthBudgets(config, options.redis),
        cookiePath: GRAPHQL_PATH,
        viewerOf,
        countCallsOf,
      }),
      errorFormatter: graphqlErrorFormatter(log, metrics),
    });

    // Mercurius' hooks run in the order they are added: metrics learn the operation first, the
    // limits refuse, and an operation refused by them gets no operation span.
    metrics.register(api);
    registerQueryLimits(api, config);
    traceGraphqlOperations(api);
  });

  return app;
}
