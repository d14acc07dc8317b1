import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Metadata, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { REQUEST_ID_HEADER, currentContext, requestIdFrom } from './context.js';
import { fromServiceError, isServiceError, statusCodeOf } from './grpc-errors.js';
import type { MethodDefinitionLike, RequestOf, ResponseOf, ServiceDefinitionLike } from './grpc-types.js';
import { inClientSpan } from './tracing.js';

export interface CallOptions {
  /** Overrides the client's default deadline for this call (still capped by the caller's own deadline). */
  readonly deadlineMs?: number;
}

export interface GrpcClientOptions<S extends ServiceDefinitionLike> {
  /**
   * host:port, or a gRPC target such as dns:///catalog:50052. A name is resolved through DNS to
   * every address it has (each replica behind a headless Service or a scaled Compose service), and
   * calls are spread over all of them (round_robin).
   */
  readonly address: string;
  /** RPCs that are safe to repeat: only these are retried, and only on UNAVAILABLE. */
  readonly idempotent: ReadonlyArray<keyof S & string>;
  /** Deadline of every call unless the call says otherwise. */
  readonly deadlineMs?: number;
  /** Attempts in all, including the first. */
  readonly maxAttempts?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** What a service's client.ts lets its users tune. */
export type ClientTuning = Pick<GrpcClientOptions<ServiceDefinitionLike>, 'deadlineMs' | 'maxAttempts' | 'initialBackoffMs' | 'maxBackoffMs'>;

/** A service as one promise-returning function per RPC; failures reject with a DomainError. */
export type PromiseClient<S extends ServiceDefinitionLike> = {
  readonly [K in keyof S]: (request: RequestOf<S[K]>, options?: CallOptions) => Promise<ResponseOf<S[K]>>;
} & {
  /** Closes the channel. */
  close(): void;
};

/**
 * The channel's load balancing: a connection to every address the name resolves to, calls taken in
 * turn (grpc-js's default, pick_first, would send everything to the first replica). The servers
 * bound the age of a connection (grpc-server.ts), so the name is resolved again and replicas added
 * since are picked up.
 */
export const ROUND_ROBIN_SERVICE_CONFIG = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });

function unaryOnce(
  client: Client,
  method: MethodDefinitionLike,
  request: unknown,
  metadata: Metadata,
  deadline: number,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      method.path,
      method.requestSerialize as (value: unknown) => Buffer,
      method.responseDeserialize,
      request,
      metadata,
      { deadline },
      (error: ServiceError | null, response?: unknown) => {
        if (error) reject(error);
        else resolve(response);
      },
    );
  });
}

/**
 * A typed client for one service. Every call has a deadline: the client default, or the caller's
 * remaining deadline when we are inside a server call, whichever is sooner. The request id of the
 * call being served travels on. Idempotent RPCs are retried with jittered exponential backoff on
 * UNAVAILABLE while the deadline allows.
 */
export function createGrpcClient<S extends ServiceDefinitionLike>(
  definition: S,
  options: GrpcClientOptions<S>,
): PromiseClient<S> {
  const client = new Client(options.address, credentials.createInsecure(), {
    // grpc-js waits 1 s before reconnecting to a server it could not reach, then 1.6× longer each
    // time up to 2 minutes, and fails calls at once meanwhile: a service that comes up (start-up
    // order, a restart) would go unnoticed for seconds, defeating the retries below. Services
    // restart in seconds; try again soon and never wait long.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 2_000,
    'grpc.service_config': ROUND_ROBIN_SERVICE_CONFIG,
  });
  const defaultDeadlineMs = options.deadlineMs ?? 5_000;
  // 5 attempts 100 ms .. 1.6 s apart ride out a restart of the other service (about 3 s).
  const maxAttempts = options.maxAttempts ?? 5;
  const initialBackoffMs = options.initialBackoffMs ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 2_000;
  const idempotent = new Set<string>(options.idempotent);

  const call = async (name: string, method: MethodDefinitionLike, request: unknown, callOptions?: CallOptions) => {
    const context = currentContext();
    const deadline = Math.min(
      Date.now() + (callOptions?.deadlineMs ?? defaultDeadlineMs),
      context?.deadline?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    const metadata = new Metadata();
    metadata.set(REQUEST_ID_HEADER, requestIdFrom(context?.requestId));
    return inClientSpan(method.path, metadata, statusCodeOf, () => attempts(name, method, request, metadata, deadline));
  };

  // One client span for the call (above); its retries are its own business.
  const attempts = async (name: string, method: MethodDefinitionLike, request: unknown, metadata: Metadata, deadline: number) => {
    const context = currentContext();
    for (let attempt = 1; ; attempt++) {
      try {
        return await unaryOnce(client, method, request, metadata, deadline);
      } catch (error) {
        if (!isServiceError(error)) throw error;
        const backoff = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        const retry =
          error.code === status.UNAVAILABLE &&
          idempotent.has(name) &&
          attempt < maxAttempts &&
          Date.now() + backoff < deadline;
        if (!retry) throw fromServiceError(error);
        context?.log.debug({ method: method.path, attempt, backoffMs: Math.round(backoff) }, 'retrying after UNAVAILABLE');
        await sleep(backoff);
      }
    }
  };

  const methods: Record<string, unknown> = {
    close: () => {
      client.close();
    },
  };
  for (const [name, method] of Object.entries(definition)) {
    methods[name] = (request: unknown, callOptions?: CallOptions) => call(name, method, request, callOptions);
  }
  return methods as PromiseClient<S>;
}
