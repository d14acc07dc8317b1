import type { Logger } from '@emporium/kit/logger.js';
import type { AuthBudgets } from './auth-budgets.js';
import type { RefreshCookie } from './refresh-cookie.js';
import type { TokenService } from './tokens.js';
import type { Viewer } from './viewer.js';
import type { Backends, CallCounter } from './backends.js';
import type { Loaders } from './loaders.js';

/** What every resolver of one request gets. Built per request by server.ts. */
export interface GatewayContext {
  readonly requestId: string;
  /** The client's address (behind TRUSTED_PROXIES, from X-Forwarded-For). */
  readonly clientIp: string;
  /** The password-guessing budgets signUp and logIn spend (auth-budgets.ts). */
  readonly authBudgets: AuthBudgets;
  readonly viewer: Viewer;
  readonly backends: Backends;
  readonly loaders: Loaders;
  /** This request's backend calls (see backends.ts). */
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

// Mercurius passes its own context type to resolvers; ours is what it really holds (server.ts
// builds it for every request), so the resolver types generated for GatewayContext fit.
declare module 'mercurius' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- augmentation by extension
  interface MercuriusContext extends GatewayContext {}
}
