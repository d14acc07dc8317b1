import type { FastifyInstance, FastifyRequest } from 'fastify';
import { getOperationAST, type DocumentNode } from 'graphql';
import { Counter, Histogram } from 'prom-client';
import { registry } from '@emporium/kit/metrics.js';

/*
 * The gateway's metrics, at GET /metrics on METRICS_PORT (not the public port): per GraphQL operation the requests
 * by outcome code and their latency, and the requests refused for a spent budget. The operation
 * label is the client's operation name, bounded: at most MAX_OPERATION_NAMES distinct names are
 * kept, later ones count as "other"; an anonymous operation is "anonymous", a request refused
 * before it was executed (rate limit, bad token, parse or validation error) "none".
 */

const MAX_OPERATION_NAMES = 200;

const requests = new Counter({
  name: 'emporium_graphql_requests_total',
  help: 'GraphQL requests answered, by operation name, operation type and outcome (OK or the first error\'s extensions.code).',
  labelNames: ['operation', 'type', 'code'] as const,
  registers: [registry],
});
const seconds = new Histogram({
  name: 'emporium_graphql_request_duration_seconds',
  help: 'Time from receiving a GraphQL request to sending its answer, by operation name and type.',
  labelNames: ['operation', 'type'] as const,
  buckets: [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
const refusals = new Counter({
  name: 'emporium_gateway_rate_limit_refusals_total',
  help: 'Requests answered TOO_MANY_REQUESTS (429), by extensions.reason: REQUESTS_PER_IP, the sign-up and log-in budgets, HASHING_BUSY.',
  labelNames: ['reason'] as const,
  registers: [registry],
});

interface Operation {
  readonly name: string;
  readonly type: string;
}

interface Outcome {
  operation?: Operation;
  code?: string;
}

const names = new Set<string>();
/** The label for an operation name: itself while fewer than MAX_OPERATION_NAMES were seen. */
function operationLabel(name: string | undefined): string {
  if (name === undefined) return 'anonymous';
  if (names.has(name)) return name;
  if (names.size >= MAX_OPERATION_NAMES) return 'other';
  names.add(name);
  return name;
}

/** An error code or reason as a label: our codes are SCREAMING_SNAKE_CASE; anything else is OTHER. */
const codeLabel = (value: unknown): string => (typeof value === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(value) ? value : 'OTHER');

function requestedOperationName(request: FastifyRequest): string | undefined {
  const parameters: unknown = request.method === 'GET' ? request.query : request.body;
  if (typeof parameters !== 'object' || parameters === null || !('operationName' in parameters)) return undefined;
  return typeof parameters.operationName === 'string' ? parameters.operationName : undefined;
}

/** Records what one GraphQL request was and how it ended; hooks it into the GraphQL scope. */
export class GraphqlMetrics {
  private readonly outcomes = new WeakMap<FastifyRequest, Outcome>();

  private outcomeOf(request: FastifyRequest): Outcome {
    let outcome = this.outcomes.get(request);
    if (outcome === undefined) {
      outcome = {};
      this.outcomes.set(request, outcome);
    }
    return outcome;
  }

  /** Call in the scope that holds the GraphQL route, after Mercurius is registered there. */
  register(api: FastifyInstance): void {
    api.graphql.addHook('preExecution', (_schema, document: DocumentNode, context) => {
      const request = context.reply.request;
      const operation = getOperationAST(document, requestedOperationName(request));
      if (operation !== null && operation !== undefined) {
        this.outcomeOf(request).operation = { name: operationLabel(operation.name?.value), type: operation.operation };
      }
      return Promise.resolve();
    });
    api.addHook('onResponse', (request, reply, done) => {
      const outcome = this.outcomes.get(request) ?? {};
      const operation = outcome.operation ?? { name: 'none', type: 'none' };
      const code = outcome.code ?? (reply.statusCode < 400 ? 'OK' : `HTTP_${reply.statusCode}`);
      requests.inc({ operation: operation.name, type: operation.type, code });
      seconds.observe({ operation: operation.name, type: operation.type }, reply.elapsedTime / 1000);
      done();
    });
  }

  /** Call from the error formatter with the errors it answers. */
  errorsAnswered(request: FastifyRequest, errors: ReadonlyArray<{ readonly extensions?: Readonly<Record<string, unknown>> | undefined }>): void {
    const [first] = errors;
    if (first === undefined) return;
    this.outcomeOf(request).code = codeLabel(first.extensions?.code);
    const refused = errors.find((error) => error.extensions?.code === 'TOO_MANY_REQUESTS');
    if (refused !== undefined) refusals.inc({ reason: codeLabel(refused.extensions?.reason) });
  }
}
