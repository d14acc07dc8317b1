import type { FastifyReply, FastifyRequest } from 'fastify';

/*
 * The refresh token as a cookie, for browsers: httpOnly (no script can read it, so an XSS cannot
 * steal it, and nothing needs localStorage), SameSite=Strict (never sent on a request another
 * site starts, so no cross-site request can refresh or log out), and Path=/graphql (sent to the
 * API only, not with every page or asset). Secure when the request came over HTTPS, or as
 * REFRESH_COOKIE_SECURE says. Non-browser clients use the token in the payload instead.
 */

export const REFRESH_COOKIE = 'emporium_refresh';

export interface RefreshCookie {
  /** The refresh token the request's cookie carries, if any. */
  readonly value: string | undefined;
  set(token: string, expiresAt: Date): void;
  clear(): void;
}

export type CookieSecurity = 'auto' | 'true' | 'false';

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

export function refreshCookie(request: FastifyRequest, reply: FastifyReply, path: string, security: CookieSecurity): RefreshCookie {
  const secure = security === 'true' || (security === 'auto' && request.protocol === 'https');
  const attributes = `Path=${path}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  return {
    value: cookieValue(request.headers.cookie, REFRESH_COOKIE) || undefined,
    set: (token, expiresAt) => {
      const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
      reply.header('set-cookie', `${REFRESH_COOKIE}=${token}; ${attributes}; Max-Age=${maxAge}; Expires=${expiresAt.toUTCString()}`);
    },
    clear: () => {
      reply.header('set-cookie', `${REFRESH_COOKIE}=; ${attributes}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`);
    },
  };
}
