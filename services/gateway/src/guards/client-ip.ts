import { normalizeIP } from '@fastify/rate-limit';
import type { GatewayConfig } from '../config.js';

// Who the client is, as the budgets count it: request.ip, from the peer or a trusted proxy.

/** Fastify's trustProxy: the configured proxies only; none means X-Forwarded-For is ignored. */
export function trustProxy(config: Pick<GatewayConfig, 'TRUSTED_PROXIES'>): false | string[] {
  return config.TRUSTED_PROXIES.length === 0 ? false : [...config.TRUSTED_PROXIES];
}

/** IPv4 as is, IPv6 by its /64 (one host usually owns a whole /64), mapped IPv4 as IPv4. */
export const ipKey = (ip: string): string => normalizeIP(ip);
