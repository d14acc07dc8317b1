import { Counter } from 'prom-client';
import { registry } from '@emporium/kit/metrics.js';
import type { ReleaseOutcome, ReserveOutcome } from './model.js';

/** Stock reservations and releases, by what came of them. */

const reservations = new Counter({
  name: 'emporium_stock_reservations_total',
  help: 'ReserveStock outcomes: reserved, existing (a repeated reservation id), insufficientStock, unknownProducts, priceOutOfRange, totalOutOfRange.',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
const releases = new Counter({
  name: 'emporium_stock_releases_total',
  help: 'ReleaseStock outcomes: RELEASED, ALREADY_RELEASED, NOT_FOUND.',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export function stockReservation(outcome: ReserveOutcome['kind']): void {
  reservations.inc({ outcome });
}

export function stockRelease(outcome: ReleaseOutcome): ReleaseOutcome {
  releases.inc({ outcome });
  return outcome;
}
