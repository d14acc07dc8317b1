import {
  Server,
  status as GrpcStatus,
  ServerCredentials,
  type Metadata,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type sendUnaryData,
  status as grpcStatus,
} from '@grpc/grpc-js';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';
import * as protoLoader from '@grpc/proto-loader';
import { descriptorSet } from '@emporium/contracts/descriptor.js';
import { REQUEST_ID_HEADER, requestIdFrom, runInContext } from './context.js';
import { toStatus } from './grpc-errors.js';
import { serviceNameOf, type Handlers, type ServiceDefinitionLike } from './grpc-types.js';
import type { Logger } from './logger.js';
import { rpcServerCall } from './metrics.js';
import { startServerSpan } from './tracing.js';

/** One service to serve: its generated definition and one async function per RPC. */
export interface GrpcService<S extends ServiceDefinitionLike = ServiceDefinitionLike> {
  readonly definition: S;
  readonly handlers: Handlers<S>;
}

/** Binds a definition to its handlers with the types checked, then forgets the type for the server. */
export function grpcService<S extends ServiceDefinitionLike>(definition: S, handlers: Handlers<S>): GrpcService {
  return { definition, handlers };
}

export interface GrpcServerOptions {
  readonly host: string;
  readonly port: number;
  readonly services: readonly GrpcService[];
  readonly log: Logger;
  /** How long shutdown() waits for in-flight calls before cancelling them. */
  readonly shutdownTimeoutMs: number;
  /**
   * A client connection older than this is asked to go away (GOAWAY, the client then reconnects
   * after resolving the name again), so new replicas get their share of long-lived clients.
   * Default 2 minutes.
   */
  readonly maxConnectionAgeMs?: number;
  /** How long calls already running on such a connection may still take. Default 30 s. */
  readonly maxConnectionAgeGraceMs?: number;
}

export const DEFAULT_MAX_CONNECTION_AGE_MS = 120_000;
export const DEFAULT_MAX_CONNECTION_AGE_GRACE_MS = 30_000;

export interface RunningGrpcServer {
  /** The bound port (the real one when 0 was asked). */
  readonly port: number;
  readonly health: HealthImplementation;
  /** Stops accepting calls, lets in-flight calls finish (bounded), then closes. Idempotent. */
  shutdown(): Promise<void>;
}

function requestIdOf(metadata: Metadata): string {
  const [value] = metadata.get(REQUEST_ID_HEADER);
  return requestIdFrom(value);
}

function deadlineOf(call: ServerUnaryCall<unknown, unknown>): Date | undefined {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? new Date(at) : undefined;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Aborted when the client cancels the call or its deadline passes, whichever comes first; release()
 * stops watching once the call is answered.
 */
function callSignal(call: ServerUnaryCall<unknown, unknown>, deadline: Date | undefined): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onCancelled = () => {
    controller.abort(new Error('the caller cancelled the call'));
  };
  call.once('cancelled', onCancelled);
  const remainingMs = deadline === undefined ? Number.POSITIVE_INFINITY : deadline.getTime() - Date.now();
  // A timer longer than 2^31 - 1 ms would fire at once; a deadline that far away is no deadline.
  const timer =
    remainingMs > MAX_TIMER_MS
      ? undefined
      : setTimeout(() => {
          controller.abort(new Error('the deadline of the call passed'));
        }, Math.max(0, remainingMs)).unref();
  return {
    signal: controller.signal,
    release: () => {
      clearTimeout(timer);
      call.removeListener('cancelled', onCancelled);
    },
  };
}

type UnaryHandler = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void;

function adaptHandler(
  method: string,
  handler: (request: unknown) => Promise<unknown>,
  baseLog: Logger,
): UnaryHandler {
  return (call, callback) => {
    const requestId = requestIdOf(call.metadata);
    const log = baseLog.child({ requestId, method });
    const started = performance.now();
    const recordEnd = rpcServerCall(method);
    // The peer (the client's address and port) tells connections apart: a new port, a new connection.
    log.debug({ peer: call.getPeer() }, 'call started');
    const deadline = deadlineOf(call);
    const { signal, release } = callSignal(call, deadline);
    const span = startServerSpan(method, call.metadata);
    // The answer's log line is written inside the span too, so it carries the trace id.
    void span.run(() => runInContext({ requestId, deadline, signal, log }, () => handler(call.request)).then(
      (response) => {
        release();
        span.end(grpcStatus.OK);
        log.debug({ ms: Math.round(performance.now() - started) }, 'call ok');
        recordEnd(0);
        callback(null, response);
      },
      (error: unknown) => {
        release();
        const status = toStatus(error, log);
        span.end(status.code ?? grpcStatus.UNKNOWN, status.details);
        log.info({ ms: Math.round(performance.now() - started), code: status.code, error: status.details }, 'call failed');
        recordEnd(status.code ?? GrpcStatus.UNKNOWN);
        callback(status, null);
      },
    ));
  };
}

function implementationOf(service: GrpcService, log: Logger): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  const handlers = service.handlers as Record<string, (request: unknown) => Promise<unknown>>;
  for (const [name, method] of Object.entries(service.definition)) {
    const handler = handlers[name];
    if (handler === undefined) throw new Error(`no handler for ${method.path}`);
    implementation[name] = adaptHandler(method.path, handler, log);
  }
  return implementation;
}

/** Everything the reflection service can describe: our contracts plus grpc.health.v1. */
function reflectionPackage(): protoLoader.PackageDefinition {
  return {
    ...protoLoader.loadFileDescriptorSetFromBuffer(Buffer.from(descriptorSet)),
    ...protoLoader.loadSync(healthProtoPath),
  };
}

/**
 * Starts a gRPC server with the given services, grpc.health.v1 (every service and "" SERVING once
 * bound) and server reflection.
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const { log } = options;
  const server = new Server({
    'grpc.max_receive_message_length': 4 * 1024 * 1024,
    'grpc.max_connection_age_ms': options.maxConnectionAgeMs ?? DEFAULT_MAX_CONNECTION_AGE_MS,
    'grpc.max_connection_age_grace_ms': options.maxConnectionAgeGraceMs ?? DEFAULT_MAX_CONNECTION_AGE_GRACE_MS,
  });
  const names = options.services.map((service) => serviceNameOf(service.definition));
  const health = new HealthImplementation(Object.fromEntries(['', ...names].map((name) => [name, 'NOT_SERVING'])));
  for (const service of options.services) {
    server.addService(service.definition as unknown as ServiceDefinition, implementationOf(service, log));
  }
  health.addToServer(server);
  // Reflection describes what this server serves, not every contract in the descriptor set.
  new ReflectionService(reflectionPackage(), { services: [...names, 'grpc.health.v1.Health'] }).addToServer(server);

  const address = `${options.host}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, bound) => {
      if (error) reject(new Error(`gRPC server cannot listen on ${address}: ${error.message}`));
      else resolve(bound);
    });
  });
  for (const name of ['', ...names]) health.setStatus(name, 'SERVING');
  log.info({ address: `${options.host}:${port}`, services: names }, 'gRPC server listening');

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => {
      for (const name of ['', ...names]) health.setStatus(name, 'NOT_SERVING');
      const timer = setTimeout(() => {
        log.warn({ timeoutMs: options.shutdownTimeoutMs }, 'in-flight calls did not finish in time; cancelling them');
        server.forceShutdown();
        resolve();
      }, options.shutdownTimeoutMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return stopping;
  };
  return { port, health, shutdown };
}
