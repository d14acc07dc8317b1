import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from './logger.js';

/*
 * Prometheus metrics of this process (text format, prom-client). One registry per process: the
 * kit's RPC and database metrics, each service's domain metrics, and the process defaults (CPU,
 * memory, event loop lag, GC) once the process serves them. Recording is a counter increment and
 * a histogram observation per call; gauges that need a look at the world (pool sizes, queue
 * depths, the oldest PENDING order) are computed when scraped, from sources registered here.
 */

export const registry = new Registry();

let processMetricsOn = false;
/**
 * Adds prom-client's process metrics (CPU, memory, handles, event loop lag, GC) once; their CPU
 * counters count from this call on.
 */
export function enableProcessMetrics(): void {
  if (processMetricsOn) return;
  processMetricsOn = true;
  collectDefaultMetrics({ register: registry });
}

/** The Prometheus text exposition of every metric of this process, with its content type. */
export async function exposition(): Promise<{ contentType: string; body: string }> {
  enableProcessMetrics();
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** A set of things a gauge reads when scraped; add() returns the function that removes it again. */
export class Sources<T> {
  private readonly items = new Set<T>();
  add(item: T): () => void {
    this.items.add(item);
    return () => {
      this.items.delete(item);
    };
  }
  values(): IterableIterator<T> {
    return this.items.values();
  }
}

// ---- gRPC server calls (the names of go-grpc-prometheus, which dashboards already know) ----

const rpcHandled = new Counter({
  name: 'grpc_server_handled_total',
  help: 'RPCs completed on the server, by service, method and status code.',
  labelNames: ['grpc_service', 'grpc_method', 'grpc_code'] as const,
  registers: [registry],
});
const rpcSeconds = new Histogram({
  name: 'grpc_server_handling_seconds',
  help: 'Time from receiving an RPC to answering it, by service and method.',
  labelNames: ['grpc_service', 'grpc_method'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** "OK", "NOT_FOUND"...: the name of a gRPC status code. */
export function grpcCodeName(code: number): string {
  return GrpcStatus[code] ?? String(code);
}

/**
 * Starts timing one server call of `path` ("/emporium.order.v1.OrderService/CreateOrder"); the
 * returned function records its end with the status code it was answered with.
 */
export function rpcServerCall(path: string): (code: number) => void {
  const [, service = '', method = ''] = path.split('/');
  const started = performance.now();
  return (code) => {
    rpcHandled.inc({ grpc_service: service, grpc_method: method, grpc_code: grpcCodeName(code) });
    rpcSeconds.observe({ grpc_service: service, grpc_method: method }, (performance.now() - started) / 1000);
  };
}

// ---- database connection pool ----

/** A database pool's state now: connections in use and idle, callers waiting for one. */
export interface PoolState {
  readonly inUse: number;
  readonly idle: number;
  readonly waiting: number;
  readonly max: number;
}

/** The pools of this process (one per opened database), read at scrape time. */
export const pools = new Sources<() => PoolState>();

function poolGauge(name: string, help: string, read: (state: PoolState) => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      let sum = 0;
      for (const state of pools.values()) sum += read(state());
      this.set(sum);
    },
  });
}
poolGauge('emporium_db_pool_in_use_connections', 'Database connections running a query or holding a transaction.', (s) => s.inUse);
poolGauge('emporium_db_pool_idle_connections', 'Open database connections not in use.', (s) => s.idle);
poolGauge('emporium_db_pool_waiting_requests', 'Queries or transactions waiting for a database connection.', (s) => s.waiting);
poolGauge('emporium_db_pool_max_connections', 'The most database connections the pool opens.', (s) => s.max);

// ---- the /metrics endpoint of a process ----

export interface MetricsServer {
  /** The bound port (the real one when 0 was asked). */
  readonly port: number;
  close(): Promise<void>;
}

/** Serves GET /metrics on its own small HTTP server (every process's METRICS_PORT). */
export async function startMetricsServer(options: { host: string; port: number; log: Logger }): Promise<MetricsServer> {
  // Now, at the process's start, not at the first scrape: prom-client counts CPU from the moment
  // its process metrics are enabled, so a first scrape would otherwise show next to none.
  enableProcessMetrics();
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at /metrics\n');
      return;
    }
    exposition().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType }).end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        options.log.error({ err: error }, 'collecting metrics failed');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n');
      },
    );
  });
  server.listen(options.port, options.host);
  try {
    await once(server, 'listening');
  } catch (error) {
    throw new Error(`metrics server cannot listen on ${options.host}:${options.port}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  options.log.info({ address: `${options.host}:${port}` }, 'metrics at /metrics');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
