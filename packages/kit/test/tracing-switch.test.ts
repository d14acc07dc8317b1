import { context, propagation, trace } from '@opentelemetry/api';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@emporium/testkit/databases.js';
import { startOtlpReceiver, type OtlpReceiver } from '@emporium/testkit/otlp-receiver.js';
import { openDatabase, type Database } from '../src/database.js';
import { createLogger } from '../src/logger.js';
import { startTracing } from '../src/telemetry-sdk.js';
import { inRootSpan, isRecordingSpans, startRecordingSpans } from '../src/tracing.js';

// The kit's instrumentation costs nothing until the SDK is registered (no endpoint: the default),
// and from then on every statement is a span under the active one. One process, real PostgreSQL,
// the SDK exporting http/json to a receiver in this test.

const log = createLogger('tracing-switch', 'silent');

describe('the kit records spans only once the SDK is registered', () => {
  let database: TestDatabase;
  let opened: Database<unknown>;
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    database = await createTestDatabase();
    opened = await openDatabase<unknown>({ url: database.url, dataDir: '', log });
    receiver = await startOtlpReceiver();
  });

  afterAll(async () => {
    await opened.close();
    await database.drop();
    await receiver.close();
    // This worker process registered the SDK globally: leave nothing behind.
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('makes no span without an endpoint, then one per statement, parented to the active span', async () => {
    const env = { endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT, protocol: process.env.OTEL_EXPORTER_OTLP_PROTOCOL };
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    const off = await startTracing('tracing-switch', log);
    expect(off.enabled).toBe(false);
    expect(isRecordingSpans()).toBe(false);
    await inRootSpan('before', () => sql`select 1 as before_sdk`.execute(opened.db));

    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint;
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
    try {
      const on = await startTracing('tracing-switch', log);
      expect(on.enabled).toBe(true);
      expect(isRecordingSpans()).toBe(true);
      await inRootSpan('after', () => sql`select 2 as after_sdk`.execute(opened.db));
      // What OTEL_SEMCONV_STABILITY_OPT_IN=database/dup and =database choose (telemetry-settings.test.ts),
      // for the very statement already spanned: what the kit keeps per statement text follows the switch.
      startRecordingSpans('both');
      await inRootSpan('both', () => sql`select 2 as after_sdk`.execute(opened.db));
      startRecordingSpans('stable');
      await inRootSpan('stable', () => sql`select 2 as after_sdk`.execute(opened.db));
      await on.shutdown();
    } finally {
      if (env.endpoint === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
      else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = env.endpoint;
      if (env.protocol === undefined) delete process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
      else process.env.OTEL_EXPORTER_OTLP_PROTOCOL = env.protocol;
    }

    const texts = receiver.spans.map((span) => String(span.attributes['db.statement'] ?? span.attributes['db.query.text'] ?? span.name));
    expect(texts.some((text) => text.includes('before_sdk'))).toBe(false);
    expect(receiver.spans.some((span) => span.name === 'before')).toBe(false);
    const statementUnder = (rootName: string) => {
      const root = receiver.spans.find((span) => span.name === rootName);
      expect(root, rootName).toBeDefined();
      const statements = receiver.spans.filter((span) => span.parentSpanId === root?.spanId);
      expect(statements, `statements under ${rootName}`).toHaveLength(1);
      expect(statements[0]).toMatchObject({ name: 'SELECT', traceId: root?.traceId });
      return statements[0]?.attributes ?? {};
    };
    // The default: the old conventions only, the statement once.
    expect(statementUnder('after')).toEqual({ 'db.system': 'postgresql', 'db.statement': 'select 2 as after_sdk' });
    expect(statementUnder('both')).toEqual({
      'db.system': 'postgresql',
      'db.statement': 'select 2 as after_sdk',
      'db.system.name': 'postgresql',
      'db.query.text': 'select 2 as after_sdk',
      'db.operation.name': 'SELECT',
    });
    expect(statementUnder('stable')).toEqual({
      'db.system.name': 'postgresql',
      'db.query.text': 'select 2 as after_sdk',
      'db.operation.name': 'SELECT',
    });
  });
});
