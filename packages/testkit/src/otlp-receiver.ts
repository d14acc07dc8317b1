import { createServer, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/*
 * An OTLP/HTTP trace receiver for tests and benchmarks: POST /v1/traces. Requests in http/json
 * (what the processes under test are told to send) are decoded into flat spans; http/protobuf
 * requests are only counted (their bytes).
 */

/** OTLP's span kinds (the API's plus one). */
export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
/** OTLP's status codes. */
export const STATUS = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export type AttributeValue = string | number | boolean;

export interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly status: { readonly code: number; readonly message: string };
}

const anyValue = z.object({
  stringValue: z.string().optional(),
  intValue: z.union([z.number(), z.string()]).optional(),
  doubleValue: z.number().optional(),
  boolValue: z.boolean().optional(),
});
const keyValues = z.array(z.object({ key: z.string(), value: anyValue })).default([]);
const exportRequest = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: z.object({ attributes: keyValues }).optional(),
        scopeSpans: z
          .array(
            z.object({
              spans: z
                .array(
                  z.object({
                    traceId: z.string(),
                    spanId: z.string(),
                    parentSpanId: z.string().optional(),
                    name: z.string(),
                    kind: z.number(),
                    attributes: keyValues,
                    status: z.object({ code: z.number().optional(), message: z.string().optional() }).optional(),
                  }),
                )
                .default([]),
            }),
          )
          .default([]),
      }),
    )
    .default([]),
});

function attributesOf(list: z.infer<typeof keyValues>): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const { key, value } of list) {
    const scalar = value.stringValue ?? (value.intValue === undefined ? undefined : Number(value.intValue)) ?? value.doubleValue ?? value.boolValue;
    if (scalar !== undefined) attributes[key] = scalar;
  }
  return attributes;
}

function spansOf(body: unknown): ReceivedSpan[] {
  const request = exportRequest.parse(body);
  return request.resourceSpans.flatMap((resourceSpans) => {
    const service = String(attributesOf(resourceSpans.resource?.attributes ?? [])['service.name'] ?? '');
    return resourceSpans.scopeSpans.flatMap((scope) =>
      scope.spans.map((span) => ({
        service,
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        kind: span.kind,
        attributes: attributesOf(span.attributes),
        status: { code: span.status?.code ?? STATUS.UNSET, message: span.status?.message ?? '' },
      })),
    );
  });
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

export interface OtlpReceiver {
  /** http://127.0.0.1:port, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string;
  readonly port: number;
  /** Every span received in http/json, in arrival order. */
  readonly spans: ReceivedSpan[];
  /** Export requests received in http/protobuf, and their bytes. */
  readonly protobuf: { requests: number; bytes: number };
  close(): Promise<void>;
}

/**
 * host: the address to listen on, 127.0.0.1 unless containers must reach it (then 0.0.0.0);
 * port: 0 (the default) picks a free one.
 */
export async function startOtlpReceiver(options: { host?: string; port?: number } = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const protobuf = { requests: 0, bytes: 0 };
  const server = createServer((request, response) => {
    bodyOf(request).then(
      (body) => {
        if (request.method !== 'POST' || request.url !== '/v1/traces') {
          response.writeHead(404).end();
          return;
        }
        const type = request.headers['content-type'] ?? '';
        if (type.startsWith('application/x-protobuf')) {
          protobuf.requests += 1;
          protobuf.bytes += body.length;
          // An empty ExportTraceServiceResponse: full success.
          response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
          return;
        }
        spans.push(...spansOf(JSON.parse(body.toString('utf8'))));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      },
      () => response.writeHead(400).end(),
    );
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    spans,
    protobuf,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
