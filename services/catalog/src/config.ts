import { z } from 'zod';
import { currencyCode, serviceConfigShape } from '@emporium/kit/config.js';

export const catalogConfigSchema = z.object({
  ...serviceConfigShape({ service: 'catalog', port: 50052, metricsPort: 9452 }),
  /** ISO 4217 code every price is in. Changing it later does not convert stored prices. */
  STORE_CURRENCY: currencyCode.default('USD'),
});

export type CatalogConfig = z.infer<typeof catalogConfigSchema>;

/**
 * Settings for every session of the catalog's database. With the planner's default
 * random_page_cost (4, made for spinning disks) a search for a common word scans the whole
 * product table rather than read the GIN index. 1.1 is the usual value for SSDs and cached data.
 * Public, so that the benchmark's monolith floor and pgbench ceiling plan as the catalog does.
 */
export const CATALOG_SESSION_SETTINGS: Readonly<Record<string, string>> = { random_page_cost: '1.1' };
