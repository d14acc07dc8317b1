import { exitOnStartFailure, stopOnSignals } from './lifecycle.js';
import type { Logger } from './logger.js';
import { startMetricsServer, type MetricsServer } from './metrics.js';

/** What a service's entry point reads to serve its metrics. */
export interface MetricsConfig {
  readonly HOST: string;
  readonly METRICS_PORT: number | 'off';
}

/**
 * A process's entry point (the gRPC services' and the gateway's): serves /metrics on METRICS_PORT
 * (unless off), starts the process's server, and stops both on SIGTERM/SIGINT. Tests that start a
 * service inside their own process call its start function directly and serve no metrics port.
 */
export function runServiceProcess(config: MetricsConfig, log: Logger, start: () => Promise<{ stop(): Promise<void> }>): void {
  const run = async () => {
    const metrics: MetricsServer | undefined =
      config.METRICS_PORT === 'off' ? undefined : await startMetricsServer({ host: config.HOST, port: config.METRICS_PORT, log });
    try {
      const service = await start();
      stopOnSignals(async () => {
        await service.stop();
        await metrics?.close();
      }, log);
    } catch (error) {
      await metrics?.close();
      throw error;
    }
  };
  run().catch(exitOnStartFailure(log));
}
