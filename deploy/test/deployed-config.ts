import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { accountConfigSchema } from '@emporium/account/config.js';
import { catalogConfigSchema } from '@emporium/catalog/config.js';
import { gatewayConfigSchema } from '@emporium/gateway/config.js';
import { parseConfig } from '@emporium/kit/config.js';
import { notificationConfigSchema } from '@emporium/notification/config.js';
import { orderConfigSchema } from '@emporium/order/config.js';

/** The repository root and deploy/, wherever the tests run from. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEPLOY_DIR = fileURLToPath(new URL('../', import.meta.url));

export const GRPC_SERVICES = ['account', 'catalog', 'order', 'notification'] as const;
export const PROCESSES = [...GRPC_SERVICES, 'gateway'] as const;
export type GrpcService = (typeof GRPC_SERVICES)[number];
export type ProcessName = (typeof PROCESSES)[number];

export function isProcessName(value: string): value is ProcessName {
  return (PROCESSES as readonly string[]).includes(value);
}

/** What the deployment checks need from any process's parsed configuration. */
export interface DeployedConfig {
  readonly HOST: string;
  readonly PORT: number;
  readonly SHUTDOWN_TIMEOUT_MS: number;
  readonly DATABASE_URL?: string | undefined;
  /** The other processes this one calls, by name: host:port. */
  readonly upstreams: Readonly<Partial<Record<ProcessName, string>>>;
  readonly STORE_CURRENCY?: string | undefined;
  readonly JWT_SECRET?: string | undefined;
  /** The gateway's shared Redis (rate-limit budgets). */
  readonly REDIS_URL?: string | undefined;
  /** The NATS server of the services' events (unset: the relay is off). */
  readonly NATS_URL?: readonly string[] | undefined;
  /** The notification service's mail server. */
  readonly SMTP_URL?: string | undefined;
}

/**
 * Parses an environment with the process's own zod schema, through the same parseConfig its
 * main.ts uses (so empty values count as unset exactly as they will at start). Throws the
 * process's own "invalid configuration" message when it would refuse to start.
 */
export function parseProcessEnv(name: ProcessName, env: Record<string, string>): DeployedConfig {
  switch (name) {
    case 'account': {
      const config = parseConfig(accountConfigSchema, env);
      return { ...config, upstreams: {} };
    }
    case 'catalog': {
      const config = parseConfig(catalogConfigSchema, env);
      return { ...config, upstreams: {} };
    }
    case 'order': {
      const config = parseConfig(orderConfigSchema, env);
      return { ...config, upstreams: { account: config.ACCOUNT_ADDRESS, catalog: config.CATALOG_ADDRESS } };
    }
    case 'notification': {
      const config = parseConfig(notificationConfigSchema, env);
      return { ...config, upstreams: { account: config.ACCOUNT_ADDRESS } };
    }
    case 'gateway': {
      const config = parseConfig(gatewayConfigSchema, env);
      return {
        ...config,
        upstreams: { account: config.ACCOUNT_ADDRESS, catalog: config.CATALOG_ADDRESS, order: config.ORDER_ADDRESS },
      };
    }
  }
}

/** The zod object at the root of a config schema, under any refinements and transforms. */
function objectShapeOf(schema: z.core.$ZodType): Readonly<Record<string, unknown>> {
  if (schema instanceof z.ZodObject) return schema.shape;
  if (schema instanceof z.ZodPipe) return objectShapeOf(schema.in);
  throw new Error('a config schema is an object, possibly refined or transformed');
}

const CONFIG_SCHEMAS: Readonly<Record<ProcessName, z.ZodType>> = {
  account: accountConfigSchema,
  catalog: catalogConfigSchema,
  order: orderConfigSchema,
  notification: notificationConfigSchema,
  gateway: gatewayConfigSchema,
};

/** Every environment variable the process's config schema reads, from the schema itself. */
export function variablesRead(name: ProcessName): string[] {
  return Object.keys(objectShapeOf(CONFIG_SCHEMAS[name])).sort();
}

/** host and port of a host:port or dns:///host:port address, and whether it names the dns resolver. */
export function splitAddress(address: string): { host: string; port: number; dns: boolean } {
  const dns = address.startsWith('dns:///');
  const hostPort = dns ? address.slice('dns:///'.length) : address;
  const colon = hostPort.lastIndexOf(':');
  return { host: hostPort.slice(0, colon), port: Number(hostPort.slice(colon + 1)), dns };
}
