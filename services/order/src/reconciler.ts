import type { Logger } from '@emporium/kit/logger.js';
import { inRootSpan } from '@emporium/kit/tracing.js';
import { reconcilerPass } from './metrics.js';
import type { OrderService } from './service.js';

export interface ReconcilerOptions {
  /** Pause between passes; 0 disables the reconciler. */
  readonly intervalMs: number;
  /** Orders untouched for this long are the reconciler's. */
  readonly afterMs: number;
  /** PENDING orders this old are given up (stock released, REJECTED). */
  readonly timeoutMs: number;
}

export interface Reconciler {
  /** Waits for a pass in progress, then stops. */
  stop(): Promise<void>;
}

/**
 * Finishes what a crash, a timeout or an unreachable Catalog left unfinished: PENDING orders and
 * unconfirmed stock releases. Every step it takes is idempotent, so replicas may run it at once.
 */
export function startReconciler(service: OrderService, options: ReconcilerOptions, log: Logger): Reconciler {
  if (options.intervalMs === 0) return { stop: () => Promise.resolve() };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> = Promise.resolve();

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      // Each pass is a trace of its own (its RPCs and SQL under it), not part of any request.
      pass = inRootSpan('order.reconcile', () => service.reconcile(options.afterMs, options.timeoutMs))
        .then(
          (finished) => {
            reconcilerPass('ok');
            if (finished > 0) log.info({ finished }, 'reconciler finished orders');
          },
          (error: unknown) => {
            reconcilerPass('failed');
            log.warn({ err: error }, 'reconciler pass failed');
          },
        )
        .finally(schedule);
    }, options.intervalMs);
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await pass;
    },
  };
}
