import type { FastifyInstance } from 'fastify';
import { checkHealth, type ServingStatus } from '@emporium/kit/grpc-health.js';

/** How long readiness waits for each service's health answer. */
const HEALTH_DEADLINE_MS = 1_000;

/**
 * /healthz: the process is up and serving HTTP (liveness: restart me if this fails).
 * /readyz: every backend answers grpc.health.v1 SERVING (readiness: send me traffic). The body
 * names each service's status, never its address.
 */
export function registerHealth(app: FastifyInstance, addresses: Readonly<Record<string, string>>): void {
  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const entries = await Promise.all(
      Object.entries(addresses).map(async ([service, address]): Promise<[string, ServingStatus | 'UNAVAILABLE']> => {
        try {
          return [service, await checkHealth(address, '', HEALTH_DEADLINE_MS)];
        } catch {
          return [service, 'UNAVAILABLE'];
        }
      }),
    );
    const services = Object.fromEntries(entries);
    const ready = entries.every(([, status]) => status === 'SERVING');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', services });
  });
}
