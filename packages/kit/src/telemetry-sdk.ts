import { context, propagation, trace } from '@opentelemetry/api';
import { processContextManager } from './context.js';
import type { Logger } from './logger.js';
import { databaseConventionsOf, startRecordingSpans, type DatabaseConventions } from './tracing.js';

/** What startTracing set up; shutdown() sends the spans still buffered. */
export interface Tracing {
  readonly enabled: boolean;
  shutdown(): Promise<void>;
}

const PROTOCOLS = ['http/protobuf', 'http/json'] as const;
type Protocol = (typeof PROTOCOLS)[number];

function isProtocol(value: string): value is Protocol {
  return (PROTOCOLS as readonly string[]).includes(value);
}

export interface TracingSettings {
  /** Where spans go: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces). */
  readonly endpoint: string | undefined;
  readonly protocol: Protocol;
  readonly disabled: boolean;
  /** The SQL spans' attributes: OTEL_SEMCONV_STABILITY_OPT_IN (database, database/dup), old ones by default. */
  readonly database: DatabaseConventions;
}

/**
 * The standard OpenTelemetry variables this process honours. The exporter and the sampler read
 * their own (endpoints, headers, OTEL_TRACES_SAMPLER[_ARG], OTEL_BSP_*); this decides whether
 * there is anything to export to, in which encoding, and which database conventions SQL spans follow.
 */
export function tracingSettings(env: NodeJS.ProcessEnv = process.env): TracingSettings {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  if (!isProtocol(protocol)) {
    throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL: "${protocol}" is not supported here; use http/protobuf (the default) or http/json`);
  }
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' || env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none';
  return { endpoint, protocol, disabled, database: databaseConventionsOf(env.OTEL_SEMCONV_STABILITY_OPT_IN) };
}

const off: Tracing = { enabled: false, shutdown: () => Promise.resolve() };

/**
 * Registers the OpenTelemetry SDK for this process when an OTLP endpoint is configured and the SDK
 * is not disabled. Otherwise nothing is loaded or registered: the kit's spans stay the API's
 * no-ops, which cost next to nothing. serviceName is the default of OTEL_SERVICE_NAME.
 */
export async function startTracing(serviceName: string, log: Logger): Promise<Tracing> {
  const settings = tracingSettings();
  if (settings.disabled || settings.endpoint === undefined) return off;
  // Loaded only when tracing is on.
  const [{ BasicTracerProvider, BatchSpanProcessor }, core, resources, exporter] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    settings.protocol === 'http/json' ? import('@opentelemetry/exporter-trace-otlp-http') : import('@opentelemetry/exporter-trace-otlp-proto'),
  ]);
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the env detector) win over the default name.
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': serviceName }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  // BasicTracerProvider takes its sampler from OTEL_TRACES_SAMPLER[_ARG] (default parentbased_always_on).
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new exporter.OTLPTraceExporter())],
  });
  // The kit's own AsyncLocalStorage carries the trace context too (context.ts: one store, not two).
  context.setGlobalContextManager(processContextManager);
  propagation.setGlobalPropagator(
    new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
  startRecordingSpans(settings.database);
  log.info({ endpoint: settings.endpoint, protocol: settings.protocol, database: settings.database }, 'exporting traces');
  return {
    enabled: true,
    shutdown: async () => {
      try {
        await provider.shutdown();
      } catch (error) {
        log.warn({ err: error }, 'could not send the last spans');
      }
    },
  };
}

/**
 * For entry points: starts tracing, then the process (start), whose stop() afterwards also sends
 * the spans still buffered.
 */
export async function withTracing<P extends { stop(): Promise<void> }>(serviceName: string, log: Logger, start: () => Promise<P>): Promise<P> {
  const tracing = await startTracing(serviceName, log);
  try {
    const running = await start();
    // The processes' handles are plain objects (RunningService, RunningGateway).
    return {
      ...running,
      stop: async () => {
        await running.stop();
        await tracing.shutdown();
      },
    };
  } catch (error) {
    await tracing.shutdown();
    throw error;
  }
}
