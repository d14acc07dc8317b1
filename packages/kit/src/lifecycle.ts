import type { Logger } from './logger.js';

/**
 * A terminal's Ctrl-C reaches a service twice: from the terminal (the whole process group) and
 * from the process runner passing it on. Repeats this close to the first are that one request.
 */
const REPEAT_WINDOW_MS = 1_000;

/**
 * Runs until SIGTERM or SIGINT, then calls stop once and exits 0 (1 if stopping failed).
 * Another signal while stopping, over a second after the first, exits at once.
 */
export function stopOnSignals(stop: () => Promise<void>, log: Logger): void {
  let stoppingSince: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (performance.now() - stoppingSince < REPEAT_WINDOW_MS) return;
      log.warn({ signal }, 'second signal while stopping; exiting now');
      process.exit(1);
    }
    stoppingSince = performance.now();
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
