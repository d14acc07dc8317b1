import { Counter, Gauge } from 'prom-client';
import { Sources, registry } from '@emporium/kit/metrics.js';
import type { OrderStatus } from './model.js';

/*
 * The order saga's metrics: every status change the database accepted, what the reconciler does,
 * and how old the oldest PENDING order is (read from the database when scraped).
 */

const transitions = new Counter({
  name: 'emporium_order_transitions_total',
  help: 'Order status changes written, by status left ("none" for a new order) and status entered.',
  labelNames: ['from', 'to'] as const,
  registers: [registry],
});

/** Counts one status change the database accepted. */
export function orderTransition(from: OrderStatus | 'none', to: OrderStatus): void {
  transitions.inc({ from, to });
}

/** What the reconciler does to one order: settle a PENDING one, give one up, or finish a release. */
export type ReconcilerAction = 'settle' | 'give_up' | 'release';

const reconcilerActions = new Counter({
  name: 'emporium_reconciler_actions_total',
  help: 'Orders the reconciler acted on, by action (settle, give_up, release) and result (ok, failed).',
  labelNames: ['action', 'result'] as const,
  registers: [registry],
});
const reconcilerPasses = new Counter({
  name: 'emporium_reconciler_passes_total',
  help: 'Reconciler passes, by result: ok, or failed (the pass itself could not run, e.g. the database).',
  labelNames: ['result'] as const,
  registers: [registry],
});
const reconcilerLastSuccess = new Gauge({
  name: 'emporium_reconciler_last_success_timestamp_seconds',
  help: 'Unix time of the end of the last reconciler pass that ran (0: none yet).',
  registers: [registry],
});

export function reconcilerAction(action: ReconcilerAction, result: 'ok' | 'failed'): void {
  reconcilerActions.inc({ action, result });
}

export function reconcilerPass(result: 'ok' | 'failed'): void {
  reconcilerPasses.inc({ result });
  if (result === 'ok') reconcilerLastSuccess.set(Date.now() / 1000);
}

/** Reads the age in seconds of the oldest PENDING order (0 when there is none). */
export const oldestPendingSources = new Sources<() => Promise<number>>();

new Gauge({
  name: 'emporium_order_oldest_pending_age_seconds',
  help: 'Age of the oldest order still PENDING (0 when none is), read from the database at scrape time.',
  registers: [registry],
  async collect() {
    let oldest = 0;
    try {
      for (const read of oldestPendingSources.values()) oldest = Math.max(oldest, await read());
    } catch {
      // The database is away: say "unknown" rather than fail the whole scrape.
      oldest = Number.NaN;
    }
    this.set(oldest);
  },
});
