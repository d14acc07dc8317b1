import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { serviceConfigShape } from '@emporium/kit/config.js';

export const accountConfigSchema = z.object({
  ...serviceConfigShape({ service: 'account', port: 50051, metricsPort: 9451 }),
  /** scrypt cost as log2(N). 17 is OWASP's recommendation (128 MiB per hash); tests use less. */
  SCRYPT_LOG_N: z.coerce.number().int().min(10).max(20).default(17),
  /**
   * Password hashes running at once: a core each, less one core left to the event loops (gRPC, the
   * database) so that refusals and log-ins stay quick; at most libuv's thread pool (4), above which
   * hashes would wait there, out of reach of cancellation (the sign-up burst in bench/README.md measures it).
   */
  HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(Math.max(1, Math.min(availableParallelism() - 1, 4))),
  /** Calls waiting for a hash, per kind (log-ins, sign-ups); one more is refused at once. */
  HASH_QUEUE_MAX: z.coerce.number().int().min(0).max(10_000).default(8),
  /** A call expected to wait longer than this for its hash to start (from recent hash times) is refused at once. */
  HASH_MAX_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
});

export type AccountConfig = z.infer<typeof accountConfigSchema>;
