// Micro-benchmark behind bench/results/2026-12-04-tracing-cost.md: the CPU one span of ours costs (the kit's
// gRPC client span: start, W3C context into the metadata, the context made active, end), without
// the SDK (the default, no endpoint) and with it at 100% sampling, batched and exported in
// http/protobuf to a receiver in this process (its CPU counted too). The same process does both, so
// a loaded machine slows both alike.
// Run: npx tsx --conditions=@emporium/source bench/experiments/span-cost.ts
import { Metadata } from '@grpc/grpc-js';
import { createLogger } from '@emporium/kit/logger.js';
import { startTracing } from '@emporium/kit/telemetry-sdk.js';
import { inClientSpan } from '@emporium/kit/tracing.js';
import { startOtlpReceiver } from '@emporium/testkit/otlp-receiver.js';
import { setImmediate } from 'node:timers';

const SPANS = 50_000;
const PATH = '/emporium.catalog.v1.CatalogService/BatchGetProducts';
const ok = () => 0;

/** CPU microseconds (user + system) per span over SPANS calls. */
async function microsPerSpan(): Promise<number> {
  const before = process.cpuUsage();
  for (let n = 0; n < SPANS; n++) {
    await inClientSpan(PATH, new Metadata(), ok, () => Promise.resolve(n));
    // Let the batch processor export as it would between requests (its queue holds 2,048 spans).
    if (n % 256 === 255) await new Promise((resolve) => setImmediate(resolve));
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / SPANS;
}

// Warm-up, then the API alone (no SDK registered yet: what runs when no endpoint is set).
await microsPerSpan();
const without = await microsPerSpan();
const baseline = await microsPerSpan();

const receiver = await startOtlpReceiver();
process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint;
process.env.OTEL_TRACES_SAMPLER = 'always_on';
const tracing = await startTracing('span-cost', createLogger('span-cost', 'warn'));
await microsPerSpan();
const before = process.cpuUsage();
const withSdk = await microsPerSpan();
await tracing.shutdown();
// Everything the export cost, after the loop too (the last batches, the receiver's reading).
const all = process.cpuUsage(before);
await receiver.close();

process.stdout.write(
  `${JSON.stringify(
    {
      spans: SPANS,
      noSdkMicrosPerSpan: Number(((without + baseline) / 2).toFixed(2)),
      fullSamplingMicrosPerSpan: Number(withSdk.toFixed(2)),
      fullSamplingWithExportMicrosPerSpan: Number(((all.user + all.system) / SPANS).toFixed(2)),
      exported: receiver.protobuf,
    },
    null,
    2,
  )}\n`,
);
