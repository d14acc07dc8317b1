import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@emporium/kit/logger.js';
import type { TokenService } from '../auth/access-tokens.js';
import { refreshCookie, type RefreshCookie } from '../auth/refresh-cookie.js';
import type { Viewer } from '../auth/viewer.js';
import { createLoaders, type Loaders } from '../backends/batch-loaders.js';
import { requestBackends, type Backends, type CallCounter } from '../backends/request-backends.js';
import type { ServiceClients } from '../backends/service-clients.js';
import type { GatewayConfig } from '../config.js';
import type { AuthBudgets } from '../guards/password-guessing-budgets.js';

/** What every resolver of one request gets. Built per request by gatewayContextFactory. */
export interface GatewayContext {
  readonly requestId: string;
  /** The client's address (behind TRUSTED_PROXIES, from X-Forwarded-For). */
  readonly clientIp: string;
  /** The password-guessing budgets signUp and logIn spend (guards/password-guessing-budgets.ts). */
  readonly authBudgets: AuthBudgets;
  readonly viewer: Viewer;
  readonly backends: Backends;
  readonly loaders: Loaders;
  /** This request's backend calls (see backends/request-backends.ts). */
  readonly calls: CallCounter;
  readonly tokens: TokenService;
  /** The refresh-token cookie of this request and its response. */
  readonly refreshCookie: RefreshCookie;
  /** Lifetime of the refresh tokens this gateway asks for (REFRESH_TOKEN_TTL_SECONDS). */
  readonly refreshTokenTtlSeconds: number;
  /** The currency product prices are entered in. */
  readonly storeCurrency: string;
  readonly log: Logger;
}

// Mercurius passes its own context type to resolvers; ours is what it really holds (Mercurius'
// context option is gatewayContextFactory's function), so the resolver types generated for
// GatewayContext fit.
declare module 'mercurius' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- augmentation by extension
  interface MercuriusContext extends GatewayContext {}
}

/** What a request's context is made of, besides the request itself. */
export interface ContextSources {
  readonly config: GatewayConfig;
  readonly log: Logger;
  readonly clients: ServiceClients;
  readonly tokens: TokenService;
  readonly authBudgets: AuthBudgets;
  /** The path the refresh cookie is sent to (the GraphQL endpoint). */
  readonly cookiePath: string;
  /** The viewer the token check found for the request. */
  readonly viewerOf: (request: FastifyRequest) => Viewer;
  /** A new backend call counter for the request. */
  readonly countCallsOf: (request: FastifyRequest) => CallCounter;
}

/** Mercurius' context option: a fresh context for every GraphQL request. */
export function gatewayContextFactory(sources: ContextSources): (request: FastifyRequest, reply: FastifyReply) => GatewayContext {
  const { config, log, clients, tokens, authBudgets } = sources;
  return (request, reply) => {
    const calls = sources.countCallsOf(request);
    const requestLog = log.child({ requestId: request.id });
    const backends = requestBackends(clients, calls, {
      requestId: request.id,
      deadline: new Date(Date.now() + config.REQUEST_BACKEND_DEADLINE_MS),
      log: requestLog,
    });
    return {
      requestId: request.id,
      clientIp: request.ip,
      authBudgets,
      viewer: sources.viewerOf(request),
      backends,
      loaders: createLoaders(backends),
      calls,
      tokens,
      refreshCookie: refreshCookie(request, reply, sources.cookiePath, config.REFRESH_COOKIE_SECURE),
      refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
      storeCurrency: config.STORE_CURRENCY,
      log: requestLog,
    };
  };
}
