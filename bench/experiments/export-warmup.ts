// Experiment behind scenario 7's warm-up (bench/results/2026-12-04-tracing-cost.md): what exporting a batch of
// spans costs a process that has exported few so far. The same 512 finished spans (half gRPC client
// spans, half SQL spans with an INSERT's text, as the kit makes them) are exported again and again
// in http/protobuf, the default, to a receiver in this process; CPU per span (process.cpuUsage, the
// receiver's reading included) of the first batch, the next 4, the next 50 and the next 500.
// Run: npx tsx --conditions=@emporium/source bench/experiments/export-warmup.ts
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startOtlpReceiver } from '@emporium/testkit/otlp-receiver.js';

const BATCH = 512;
const INSERT =
  'insert into "order_item" ("order_id", "product_id", "quantity", "unit_price_currency", "unit_price_minor", "line_total_minor") values ($1, $2, $3, $4, $5, $6)';

function finishedSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'export-warmup' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('@emporium/kit');
  for (let n = 0; n < BATCH; n++) {
    const span =
      n % 2 === 0
        ? tracer.startSpan('emporium.catalog.v1.CatalogService/ReserveStock', {
            attributes: { 'rpc.system': 'grpc', 'rpc.service': 'emporium.catalog.v1.CatalogService', 'rpc.method': 'ReserveStock' },
          })
        : tracer.startSpan('INSERT', { attributes: { 'db.system': 'postgresql', 'db.statement': INSERT } });
    if (n % 2 === 0) span.setAttribute('rpc.grpc.status_code', 0);
    span.end();
  }
  return memory.getFinishedSpans();
}

const receiver = await startOtlpReceiver();
const exporter = new OTLPTraceExporter({ url: `${receiver.endpoint}/v1/traces` });
const spans = finishedSpans();

function exportOnce(): Promise<void> {
  return new Promise((resolve, reject) => {
    exporter.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) resolve();
      else reject(result.error ?? new Error('export failed'));
    });
  });
}

/** CPU microseconds per span over the next `batches` exports. */
async function microsPerSpan(batches: number): Promise<number> {
  const before = process.cpuUsage();
  for (let n = 0; n < batches; n++) await exportOnce();
  const used = process.cpuUsage(before);
  return Number(((used.user + used.system) / (batches * BATCH)).toFixed(2));
}

const results: Record<string, number> = {};
let done = 0;
for (const batches of [1, 4, 50, 500]) {
  results[`batches ${done + 1}-${done + batches}`] = await microsPerSpan(batches);
  done += batches;
}
await exporter.shutdown();
await receiver.close();
process.stdout.write(`${JSON.stringify({ node: process.version, spansPerBatch: BATCH, microsPerSpan: results, exported: receiver.protobuf }, null, 2)}\n`);
