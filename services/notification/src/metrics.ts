import { Counter, Gauge, Histogram } from 'prom-client';
import { Sources, registry } from '@emporium/kit/metrics.js';
import type { MailKind } from './model.js';

/*
 * The mail queue's metrics: mails queued (one per business fact), what each delivery attempt came
 * to, how long the SMTP server took, and how many mails wait and for how long (read from the
 * database when scraped).
 */

const queued = new Counter({
  name: 'emporium_mail_queued_total',
  help: 'Mails queued, one per business fact, by kind (welcome, order-confirmed, order-cancelled).',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export function mailQueued(kind: MailKind): void {
  queued.inc({ kind });
}

/** What a delivery attempt came to: sent, retry (a temporary failure) or failed (for good). */
export type DeliveryOutcome = 'sent' | 'retry' | 'failed';

const deliveries = new Counter({
  name: 'emporium_mail_deliveries_total',
  help: 'SMTP delivery attempts, by outcome: sent, retry (temporary failure, tried again later), failed (permanent, or attempts spent).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
const deliverySeconds = new Histogram({
  name: 'emporium_mail_delivery_seconds',
  help: 'Time of one SMTP delivery attempt, whatever its outcome.',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export function mailDelivery(outcome: DeliveryOutcome, seconds: number): void {
  deliveries.inc({ outcome });
  deliverySeconds.observe(seconds);
}

/** Reads the PENDING mails and the age in seconds of the oldest. */
export const pendingSources = new Sources<() => Promise<{ pending: number; oldestAgeSeconds: number }>>();

async function readPending(): Promise<{ pending: number; oldestAgeSeconds: number }> {
  let pending = 0;
  let oldestAgeSeconds = 0;
  try {
    for (const read of pendingSources.values()) {
      const stats = await read();
      pending += stats.pending;
      oldestAgeSeconds = Math.max(oldestAgeSeconds, stats.oldestAgeSeconds);
    }
  } catch {
    // The database is away: say "unknown" rather than fail the whole scrape.
    return { pending: Number.NaN, oldestAgeSeconds: Number.NaN };
  }
  return { pending, oldestAgeSeconds };
}

new Gauge({
  name: 'emporium_mail_pending',
  help: 'Mails queued and not yet sent or failed, read from the database at scrape time.',
  registers: [registry],
  async collect() {
    this.set((await readPending()).pending);
  },
});
new Gauge({
  name: 'emporium_mail_oldest_pending_age_seconds',
  help: 'Age of the oldest mail still PENDING (0 when none is), read from the database at scrape time.',
  registers: [registry],
  async collect() {
    this.set((await readPending()).oldestAgeSeconds);
  },
});
