import { z } from 'zod';
import { serviceConfigShape } from '@emporium/kit/config.js';

const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export const catalogConfigSchema = z.object({
  ...serviceConfigShape({ service: 'catalog', port: 50052 }),
  /** ISO 4217 code every price is in. Changing it later does not convert stored prices. */
  STORE_CURRENCY: z
    .string()
    .transform((value) => value.trim().toUpperCase())
    .refine((value) => /^[A-Z]{3}$/.test(value) && KNOWN_CURRENCIES.has(value), 'must be an ISO 4217 currency code such as USD')
    .default('USD'),
});

export type CatalogConfig = z.infer<typeof catalogConfigSchema>;
