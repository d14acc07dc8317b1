import type { Logger } from './logger.js';

/**
 * Runs until SIGTERM or SIGINT, then calls stop once and exits 0 (1 if stopping failed).
 * A second signal while stopping exits at once.
 */
export function stopOnSignals(stop: () => Promise<void>, log: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal while stopping; exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'failed to stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** For entry points: logs a start-up failure plainly and exits 1. */
export function exitOnStartFailure(log: Logger): (error: unknown) => never {
  return (error) => {
    log.fatal({ err: error }, error instanceof Error ? error.message : 'failed to start');
    process.exit(1);
  };
}
