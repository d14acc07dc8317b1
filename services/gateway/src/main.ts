import type { FastifyInstance } from 'fastify';
import { dialHost, loadConfig } from '@emporium/kit/config.js';
import { createLogger, type Logger } from '@emporium/kit/logger.js';
import { isEntryPoint } from '@emporium/kit/entry-point.js';
import { runServiceProcess } from '@emporium/kit/run-process.js';
import { withTracing } from '@emporium/kit/telemetry-sdk.js';
import { openTokenService } from './auth/access-tokens.js';
import { bootstrapAdmin } from './auth/admin-bootstrap.js';
import { closeRedis, connectRedis, type Redis } from './backends/redis.js';
import { createServiceClients } from './backends/service-clients.js';
import { gatewayConfigSchema, type GatewayConfig } from './config.js';
import { buildServer } from './server.js';
import { DEFAULT_GRAPHIQL_DIR, ensureGraphiql } from './web/graphiql-bundle.js';
import { loadGraphiql } from './web/graphiql-page.js';
import { DEFAULT_STOREFRONT_DIR, loadStorefront } from './web/storefront.js';

export interface RunningGateway {
  readonly app: FastifyInstance;
  readonly port: number;
  /** http://host:port */
  readonly url: string;
  /** Stops taking requests, finishes the ones in flight, closes the channels. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where the GraphiQL bundle is (built there if missing). */
  readonly graphiqlDir?: string;
  /** Where the built web shop is (served at / when there). */
  readonly storefrontDir?: string;
}

export async function startGateway(config: GatewayConfig, log: Logger, options: StartOptions = {}): Promise<RunningGateway> {
  for (const { name, replacement } of config.deprecatedVariables) {
    log.warn({ variable: name, replacement }, `${name} is deprecated: set ${replacement} instead`);
  }
  const addresses = { account: config.ACCOUNT_ADDRESS, catalog: config.CATALOG_ADDRESS, order: config.ORDER_ADDRESS };
  const clients = createServiceClients(addresses, config.BACKEND_DEADLINE_MS);
  let redis: Redis | undefined;
  try {
    // The administrator check waits for the account service and costs it a password hash; the
    // schema, the GraphiQL bundle and the server are built meanwhile. Nothing listens before both.
    const adminReady =
      config.ADMIN_EMAIL !== undefined && config.ADMIN_PASSWORD !== undefined
        ? bootstrapAdmin(clients.account, { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD, name: config.ADMIN_NAME }, log)
        : Promise.resolve();
    // Awaited below; this only keeps a failure that comes while building from being "unhandled".
    adminReady.catch(() => undefined);
    if (config.REDIS_URL !== undefined) redis = await connectRedis(config.REDIS_URL, log);
    const tokens = await openTokenService(
      { secret: config.JWT_SECRET, dataDir: config.DATA_DIR, accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS },
      redis,
      log,
    );
    let graphiql;
    if (config.GRAPHIQL) {
      const dir = options.graphiqlDir ?? DEFAULT_GRAPHIQL_DIR;
      await ensureGraphiql(dir, log);
      graphiql = await loadGraphiql(dir);
    }
    const storefront = await loadStorefront(options.storefrontDir ?? DEFAULT_STOREFRONT_DIR, log);
    const app = await buildServer({ config, log, clients, tokens, addresses, graphiql, storefront, redis });
    try {
      await adminReady;
    } catch (error) {
      await app.close();
      throw error;
    }
    await app.listen({ host: config.HOST, port: config.PORT });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.PORT;
    log.info({ port }, 'gateway listening');
    let stopping: Promise<void> | undefined;
    return {
      app,
      port,
      url: `http://${dialHost(config.HOST)}:${port}`,
      stop: () =>
        (stopping ??= (async () => {
          await closeWithin(app, config.SHUTDOWN_TIMEOUT_MS, log);
          clients.close();
          if (redis !== undefined) await closeRedis(redis);
        })()),
    };
  } catch (error) {
    clients.close();
    if (redis !== undefined) await closeRedis(redis);
    throw error;
  }
}

/** fastify's close waits for in-flight requests; past the timeout, open connections are cut. */
async function closeWithin(app: FastifyInstance, timeoutMs: number, log: Logger): Promise<void> {
  const timer = setTimeout(() => {
    log.warn({ timeoutMs }, 'requests still in flight at the shutdown timeout; closing their connections');
    app.server.closeAllConnections();
  }, timeoutMs);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}

if (isEntryPoint(import.meta.url)) {
  const config = loadConfig(gatewayConfigSchema);
  const log = createLogger('gateway', config.LOG_LEVEL);
  runServiceProcess(config, log, () => withTracing('gateway', log, () => startGateway(config, log)));
}
