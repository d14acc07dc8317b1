import { z } from 'zod';
import { serviceConfigShape } from '@emporium/kit/config.js';

export const accountConfigSchema = z.object({
  ...serviceConfigShape({ service: 'account', port: 50051 }),
  /** scrypt cost as log2(N). 17 is OWASP's recommendation (128 MiB per hash); tests use less. */
  SCRYPT_LOG_N: z.coerce.number().int().min(10).max(20).default(17),
});

export type AccountConfig = z.infer<typeof accountConfigSchema>;
