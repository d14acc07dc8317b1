import { SpanKind, SpanStatusCode, context, propagation, trace, type Context, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DocumentNode, GraphQLResolveInfo, OperationDefinitionNode } from 'graphql';
import { DomainError } from '@emporium/kit/errors.js';
import { isRecordingSpans } from '@emporium/kit/tracing.js';
import { Kind } from '../graphql/runtime.js';
import { GatewayError, classifyDomainError } from './error-codes.js';

/*
 * The gateway's spans, made by hand: the HTTP request (a child of the caller's traceparent, if
 * any), the GraphQL operation, and each top-level field's resolver. graphql-jit runs compiled
 * resolvers that OpenTelemetry's graphql instrumentation never sees, and this ESM code base runs
 * without an auto-instrumentation loader. With no SDK registered (no endpoint, the default) none
 * of this is installed: a request pays for no span, not even a no-op one.
 */

const tracer = trace.getTracer('@emporium/gateway');

interface RequestTrace {
  readonly span: Span;
  readonly context: Context;
  operation?: { readonly span: Span; readonly context: Context };
}

const traces = new WeakMap<FastifyRequest, RequestTrace>();

/** The code a resolver's failure shows the client (GraphQL extensions.code). */
function errorCodeOf(error: unknown): string {
  if (error instanceof GatewayError) return error.code;
  if (error instanceof DomainError) return classifyDomainError(error).extensions.code;
  return 'INTERNAL';
}

function failed(span: Span, error: unknown): void {
  span.setAttribute('error.type', errorCodeOf(error));
  span.setStatus({ code: SpanStatusCode.ERROR, ...(error instanceof Error ? { message: error.message } : {}) });
}

function endRequest(request: FastifyRequest, statusCode: number | undefined): void {
  const requestTrace = traces.get(request);
  if (requestTrace === undefined) return;
  traces.delete(request);
  requestTrace.operation?.span.end();
  const { span } = requestTrace;
  if (statusCode === undefined) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client went away before the answer' });
  } else {
    span.setAttribute('http.response.status_code', statusCode);
    if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * A server span per HTTP request, active for the rest of the request's hooks and its handler
 * (fastify calls the next step from done(), so what runs after it inherits the context).
 */
export function traceHttpRequests(app: FastifyInstance): void {
  if (!isRecordingSpans()) return;
  app.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(context.active(), request.headers);
    const route = request.routeOptions.url ?? request.url.split('?')[0] ?? '/';
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'url.path': request.url.split('?')[0] ?? '/',
          'url.scheme': request.protocol,
          'client.address': request.ip,
          'user_agent.original': request.headers['user-agent'] ?? '',
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    traces.set(request, { span, context: active });
    context.with(active, done);
  });
  // The body is read between onRequest and preValidation, outside any context: enter it again.
  const reenter = (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    const requestTrace = traces.get(request);
    if (requestTrace === undefined) done();
    else context.with(requestTrace.context, done);
  };
  app.addHook('preValidation', reenter);
  app.addHook('preHandler', reenter);
  app.addHook('onResponse', (request, reply, done) => {
    endRequest(request, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    endRequest(request, undefined);
    done();
  });
}

function operationOf(document: DocumentNode): OperationDefinitionNode | undefined {
  return document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
}

/** The codes of a result's errors: Mercurius hands onResolution the errors as formatted for the client. */
function errorsOf(errors: readonly { readonly extensions?: Readonly<Record<string, unknown>> }[]): string[] {
  return [...new Set(errors.map((error) => (typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL')))];
}

/** The GraphQL operation's span (name and type), a child of the HTTP request's, ended with its result. */
export function traceGraphqlOperations(api: FastifyInstance): void {
  if (!isRecordingSpans()) return;
  api.graphql.addHook('preExecution', (_schema, document, gatewayContext) => {
    const requestTrace = traces.get(gatewayContext.reply.request);
    if (requestTrace === undefined) return Promise.resolve();
    const operation = operationOf(document);
    const type = operation?.operation ?? 'query';
    const name = operation?.name?.value;
    const span = tracer.startSpan(
      name === undefined ? type : `${type} ${name}`,
      { kind: SpanKind.INTERNAL, attributes: { 'graphql.operation.type': type, ...(name === undefined ? {} : { 'graphql.operation.name': name }) } },
      requestTrace.context,
    );
    requestTrace.operation = { span, context: trace.setSpan(requestTrace.context, span) };
    return Promise.resolve();
  });
  api.graphql.addHook('onResolution', (execution, gatewayContext) => {
    const operation = traces.get(gatewayContext.reply.request)?.operation;
    if (operation === undefined) return Promise.resolve();
    const errors = execution.errors ?? [];
    if (errors.length > 0) {
      operation.span.setAttribute('error.type', errorsOf(errors).join(','));
      operation.span.setStatus({ code: SpanStatusCode.ERROR, message: errors[0]?.message ?? 'error' });
    }
    return Promise.resolve();
  });
}

type Resolver = (parent: unknown, args: unknown, gatewayContext: { reply: FastifyReply }, info: GraphQLResolveInfo) => unknown;

function isPromise(value: unknown): value is Promise<unknown> {
  return value instanceof Promise;
}

/** The resolver in a span of its own, active while it runs (its backend calls are its children). */
function traced(type: string, field: string, resolve: Resolver): Resolver {
  const name = `resolve ${type}.${field}`;
  return (parent, args, gatewayContext, info) => {
    const requestTrace = traces.get(gatewayContext.reply.request);
    const parentContext = requestTrace?.operation?.context ?? requestTrace?.context ?? context.active();
    const span = tracer.startSpan(
      name,
      { kind: SpanKind.INTERNAL, attributes: { 'graphql.field.name': field, 'graphql.field.path': String(info.path.key), 'graphql.parent.type': type } },
      parentContext,
    );
    let result: unknown;
    try {
      result = context.with(trace.setSpan(parentContext, span), () => resolve(parent, args, gatewayContext, info));
    } catch (error) {
      failed(span, error);
      span.end();
      throw error;
    }
    if (!isPromise(result)) {
      span.end();
      return result;
    }
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        failed(span, error);
        span.end();
        throw error;
      },
    );
  };
}

function tracedFields<T extends object>(type: string, fields: T | undefined): T | undefined {
  if (fields === undefined) return undefined;
  const entries = Object.entries(fields).map(([field, resolve]: [string, unknown]) =>
    typeof resolve === 'function' ? [field, traced(type, field, resolve as Resolver)] : [field, resolve],
  );
  return Object.fromEntries(entries) as T;
}

/**
 * Every Query and Mutation field's resolver in a span. Fields below them are not spanned one by
 * one (a list of fifty products has hundreds of them, most reading a property); their backend
 * calls go through the loaders and still belong to the request's trace.
 */
export function traceResolvers<Map extends { readonly Query?: object; readonly Mutation?: object }>(resolvers: Map): Map {
  if (!isRecordingSpans()) return resolvers;
  return { ...resolvers, Query: tracedFields('Query', resolvers.Query), Mutation: tracedFields('Mutation', resolvers.Mutation) };
}
