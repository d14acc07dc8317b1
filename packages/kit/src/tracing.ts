import {
  SpanKind,
  SpanStatusCode,
  context,
  isSpanContextValid,
  propagation,
  trace,
  type Attributes,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import type { Metadata } from '@grpc/grpc-js';
import type { DatabaseConnection, Dialect, Driver, TransactionSettings } from 'kysely';

/*
 * Explicit instrumentation on the OpenTelemetry API only. Until a process registers the SDK
 * (telemetry-sdk.ts, when an OTLP endpoint is configured) the calls below return at once (see
 * `recording`): no span, not even the API's no-op one, and no context or attributes are made.
 * The reconciler's root span is the exception (one no-op span a pass).
 */

// A proxy: it finds the SDK's tracer once one is registered, the no-op one until then.
const kitTracer = trace.getTracer('@emporium/kit');
const tracer = () => kitTracer;

// Whether this process records spans (telemetry-sdk.ts registered the SDK). Until then the kit
// skips its instrumentation altogether: not even no-op spans, attributes or context copies.
let recording = false;

/**
 * Which semantic conventions SQL spans follow, chosen the standard way by OTEL_SEMCONV_STABILITY_OPT_IN:
 * `old` (the default) db.system and db.statement; `stable` (`database`) db.system.name,
 * db.query.text and db.operation.name; `both` (`database/dup`, which wins over `database`) all of them.
 * One set by default: every attribute is encoded and sent with every statement, the SQL text twice
 * in `both`.
 */
export type DatabaseConventions = 'old' | 'stable' | 'both';

export function databaseConventionsOf(optIn: string | undefined): DatabaseConventions {
  const values = (optIn ?? '').split(',').map((value) => value.trim().toLowerCase());
  if (values.includes('database/dup')) return 'both';
  return values.includes('database') ? 'stable' : 'old';
}

let sqlAttributes: (sql: string, operation: string) => Attributes = oldSqlAttributes;

/** From now on the kit makes spans (called once the SDK is registered). */
export function startRecordingSpans(database: DatabaseConventions = 'old'): void {
  sqlAttributes = database === 'old' ? oldSqlAttributes : database === 'stable' ? stableSqlAttributes : bothSqlAttributes;
  statements.clear();
  recording = true;
}

/** Whether spans are being recorded in this process: instrumentation elsewhere skips its work otherwise. */
export function isRecordingSpans(): boolean {
  return recording;
}

/** trace_id and span_id of the active span, for every log line (pino's mixin); empty outside a trace. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const spanContext = span.spanContext();
  return isSpanContextValid(spanContext) ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : {};
}

// gRPC status codes by number, for span attributes (0 OK .. 16 UNAUTHENTICATED).
const GRPC_OK = 0;

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => {
    const values = metadata.get(key).filter((value): value is string => typeof value === 'string');
    return values.length === 0 ? undefined : values;
  },
};

const metadataSetter: TextMapSetter<Metadata> = {
  set: (metadata, key, value) => {
    metadata.set(key, value);
  },
};

interface RpcNames {
  readonly spanName: string;
  readonly attributes: Attributes;
}

// By method path; the paths are the services' methods, a few dozen. The SDK copies the attributes.
const rpcNames = new Map<string, RpcNames>();

/** "/emporium.order.v1.OrderService/CreateOrder" -> the span's name and its service and method. */
function rpcNamesOf(path: string): RpcNames {
  const known = rpcNames.get(path);
  if (known !== undefined) return known;
  const [, service = '', method = ''] = path.split('/');
  const names = {
    spanName: path.startsWith('/') ? path.slice(1) : path,
    attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method },
  };
  rpcNames.set(path, names);
  return names;
}

/** Ends an RPC span with its gRPC status code; any code but OK is an error. */
function endRpcSpan(span: Span, code: number, message?: string): void {
  span.setAttribute('rpc.grpc.status_code', code);
  if (code !== GRPC_OK) span.setStatus({ code: SpanStatusCode.ERROR, ...(message === undefined ? {} : { message }) });
  span.end();
}

export interface ServerSpan {
  /** Runs fn with the server span active (what fn awaits and logs belongs to it). */
  run<T>(fn: () => T): T;
  /** Ends the span with the call's gRPC status code. */
  end(code: number, message?: string): void;
}

const notRecorded: ServerSpan = { run: (fn) => fn(), end: () => undefined };

/** The server span of one gRPC call, a child of the trace context the caller sent in the metadata. */
export function startServerSpan(path: string, metadata: Metadata): ServerSpan {
  if (!recording) return notRecorded;
  const parent = propagation.extract(context.active(), metadata, metadataGetter);
  const names = rpcNamesOf(path);
  const span = tracer().startSpan(names.spanName, { kind: SpanKind.SERVER, attributes: names.attributes }, parent);
  const active = trace.setSpan(parent, span);
  return {
    run: (fn) => context.with(active, fn),
    end: (code, message) => {
      endRpcSpan(span, code, message);
    },
  };
}

/**
 * Runs one outgoing gRPC call (all its attempts) in a client span whose context travels in the
 * metadata (W3C traceparent/tracestate). codeOf tells the gRPC status code of a failure.
 */
export async function inClientSpan<T>(
  path: string,
  metadata: Metadata,
  codeOf: (error: unknown) => number,
  fn: () => Promise<T>,
): Promise<T> {
  if (!recording) return fn();
  const names = rpcNamesOf(path);
  const span = tracer().startSpan(names.spanName, { kind: SpanKind.CLIENT, attributes: names.attributes });
  const active = trace.setSpan(context.active(), span);
  propagation.inject(active, metadata, metadataSetter);
  try {
    const result = await context.with(active, fn);
    endRpcSpan(span, GRPC_OK);
    return result;
  } catch (error) {
    endRpcSpan(span, codeOf(error), error instanceof Error ? error.message : undefined);
    throw error;
  }
}

/**
 * A root trace of its own (a background pass, not part of any request): fn runs with the span
 * active; a failure marks it as an error.
 */
export async function inRootSpan<T>(name: string, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { root: true, kind: SpanKind.INTERNAL }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, ...(error instanceof Error ? { message: error.message } : {}) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The first keyword of a statement ("select", "insert", "begin"...), for the span name. */
function operationOf(sql: string): string {
  const match = /^\s*([A-Za-z]+)/.exec(sql);
  return (match?.[1] ?? 'query').toUpperCase();
}

interface SqlNames {
  readonly operation: string;
  readonly attributes: Attributes;
}

// By statement text: the services' queries compile to a few hundred texts. Bounded all the same (an
// `in` list of each length is a text of its own); past the bound a statement's names are made anew.
const STATEMENTS_KEPT = 1_000;
const statements = new Map<string, SqlNames>();

/** The span name and attributes of a statement, made once per text. */
function sqlNamesOf(sql: string): SqlNames {
  const known = statements.get(sql);
  if (known !== undefined) return known;
  const operation = operationOf(sql);
  const names = { operation, attributes: sqlAttributes(sql, operation) };
  if (statements.size < STATEMENTS_KEPT) statements.set(sql, names);
  return names;
}

function oldSqlAttributes(sql: string): Attributes {
  return { 'db.system': 'postgresql', 'db.statement': sql };
}

function stableSqlAttributes(sql: string, operation: string): Attributes {
  return { 'db.system.name': 'postgresql', 'db.query.text': sql, 'db.operation.name': operation };
}

function bothSqlAttributes(sql: string, operation: string): Attributes {
  return { ...oldSqlAttributes(sql), ...stableSqlAttributes(sql, operation) };
}

/**
 * Runs one SQL statement in a client span: the statement as Kysely compiled it, with placeholders,
 * never values. The span is not made active while the driver runs: nothing under a statement makes
 * spans, and a context and an async-context frame per statement would be work for nothing.
 */
async function inSqlSpan<T>(sql: string, fn: () => Promise<T>): Promise<T> {
  const names = sqlNamesOf(sql);
  const span = tracer().startSpan(names.operation, { kind: SpanKind.CLIENT, attributes: names.attributes });
  try {
    return await fn();
  } catch (error) {
    // The SQLSTATE, not the message: a message may quote values.
    const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'error';
    span.setAttribute('db.response.status_code', code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: `SQLSTATE ${code}` });
    throw error;
  } finally {
    span.end();
  }
}

function tracedConnection(connection: DatabaseConnection): DatabaseConnection {
  return {
    executeQuery: (query) => (recording ? inSqlSpan(query.sql, () => connection.executeQuery(query)) : connection.executeQuery(query)),
    // Streams are not spanned (the kit does not stream); passed through as they are.
    streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
  };
}

/** The driver's connections, each statement (transaction control included) in its own span. */
class TracingDriver implements Driver {
  private readonly inner = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(private readonly driver: Driver) {}

  private unwrap(connection: DatabaseConnection): DatabaseConnection {
    const inner = this.inner.get(connection);
    if (inner === undefined) throw new Error('a connection this driver did not hand out');
    return inner;
  }

  init(): Promise<void> {
    return this.driver.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.driver.acquireConnection();
    const traced = tracedConnection(connection);
    this.inner.set(traced, connection);
    return traced;
  }

  // Transaction control goes to the wrapped connection, so begin/commit are spans too.
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.driver.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.rollbackTransaction(connection);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(this.unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }
}

/** A dialect whose every SQL statement is a span (db.system postgresql), on PostgreSQL and PGlite alike. */
export function tracedDialect(dialect: Dialect): Dialect {
  return {
    createDriver: () => {
      const driver = dialect.createDriver();
      const traced = new TracingDriver(driver);
      // Savepoints only where the driver has them (Kysely checks for the methods).
      const savepoints = ['savepoint', 'rollbackToSavepoint', 'releaseSavepoint'] as const;
      for (const name of savepoints) {
        const method = driver[name]?.bind(driver);
        if (method !== undefined) Object.assign(traced, { [name]: method });
      }
      return traced;
    },
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
