import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '../http/error-codes.js';
import type { TokenService } from './access-tokens.js';
import type { Viewer } from './viewer.js';

/**
 * Checks each request's bearer token before Mercurius sees the request: a bad one fails the
 * request with 401 (and the header RFC 6750 asks for), whatever the query. Returns the viewer a
 * checked request was found to be (null: anonymous).
 */
export function registerViewerCheck(api: FastifyInstance, tokens: TokenService): (request: FastifyRequest) => Viewer {
  const viewers = new WeakMap<FastifyRequest, Viewer>();
  api.addHook('preHandler', async (request, reply) => {
    try {
      viewers.set(request, await tokens.viewerOf(request.headers.authorization));
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw error;
    }
  });
  return (request) => viewers.get(request) ?? null;
}
