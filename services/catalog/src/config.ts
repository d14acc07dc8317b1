import { z } from 'zod';
import { currencyCode, serviceConfigShape } from '@emporium/kit/config.js';

export const catalogConfigSchema = z.object({
  ...serviceConfigShape({ service: 'catalog', port: 50052, metricsPort: 9452 }),
  /** ISO 4217 code every price is in. Changing it later does not convert stored prices. */
  STORE_CURRENCY: currencyCode.default('USD'),
});

export type CatalogConfig = z.infer<typeof catalogConfigSchema>;
