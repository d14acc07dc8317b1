import { z } from 'zod';
import { serviceAddress, serviceConfigShape } from '@emporium/kit/config.js';

const ms = (max: number) => z.coerce.number().int().min(0).max(max);

export const orderConfigSchema = z.object({
  ...serviceConfigShape({ service: 'order', port: 50053, metricsPort: 9453 }),
  ACCOUNT_ADDRESS: serviceAddress.default('127.0.0.1:50051'),
  CATALOG_ADDRESS: serviceAddress.default('127.0.0.1:50052'),
  /** Deadline of each call to Account or Catalog (capped by the caller's own deadline). */
  UPSTREAM_DEADLINE_MS: ms(60_000).default(3_000),
  /** How often the reconciler looks for unfinished orders; 0 turns it off. */
  RECONCILE_INTERVAL_MS: ms(3_600_000).default(5_000),
  /** A PENDING order (or an unconfirmed release) this old is the reconciler's to finish. */
  RECONCILE_AFTER_MS: ms(86_400_000).default(30_000),
  /** A PENDING order this old is given up: its stock is released and it is REJECTED. */
  PENDING_TIMEOUT_MS: ms(7 * 86_400_000).default(15 * 60_000),
  /**
   * Test-only crash points: the process kills itself with SIGKILL at the named step of CreateOrder
   * (to prove the reconciler recovers), or after its outbox relay published a batch and before it
   * marked it published (to prove the event is handled once). Refused when NODE_ENV is production.
   */
  FAULT_INJECTION: z.enum(['crash-after-pending', 'crash-after-reserve', 'crash-after-publish']).optional(),
  NODE_ENV: z.string().optional(),
}).refine((config) => config.FAULT_INJECTION === undefined || config.NODE_ENV !== 'production', {
  path: ['FAULT_INJECTION'],
  message: 'must not be set in production',
});

export type OrderConfig = z.infer<typeof orderConfigSchema>;
