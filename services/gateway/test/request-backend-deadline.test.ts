import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, parseConfig } from '@emporium/kit/config.js';
import { createLogger } from '@emporium/kit/logger.js';
import { codes, graphql } from '@emporium/testkit/graphql.js';
import { useStack } from '@emporium/testkit/stack.js';
import { gatewayConfigSchema } from '../src/config.js';
import { startGateway } from '../src/main.js';

/*
 * REQUEST_BACKEND_DEADLINE_MS, the deadline of all of one GraphQL request's backend calls, was
 * called REQUEST_TIMEOUT_MS. The old name is still read, with a warning at start; both set to
 * different values is refused (README, Configuration).
 */

const stack = useStack();

describe('the configuration', () => {
  const deadlineOf = (env: Record<string, string>) => parseConfig(gatewayConfigSchema, env).REQUEST_BACKEND_DEADLINE_MS;

  it('reads the new name, the old one, and 15 s when neither is set', () => {
    expect(deadlineOf({ REQUEST_BACKEND_DEADLINE_MS: '2500' })).toBe(2500);
    expect(deadlineOf({ REQUEST_TIMEOUT_MS: '2500' })).toBe(2500);
    expect(deadlineOf({})).toBe(15_000);
    expect(deadlineOf({ REQUEST_BACKEND_DEADLINE_MS: '2500', REQUEST_TIMEOUT_MS: '2500' })).toBe(2500);
  });

  it('refuses both names set to different values, naming both', () => {
    expect(() => parseConfig(gatewayConfigSchema, { REQUEST_BACKEND_DEADLINE_MS: '2500', REQUEST_TIMEOUT_MS: '3000' })).toThrow(ConfigError);
    expect(() => parseConfig(gatewayConfigSchema, { REQUEST_BACKEND_DEADLINE_MS: '2500', REQUEST_TIMEOUT_MS: '3000' })).toThrow(
      /REQUEST_TIMEOUT_MS: .*REQUEST_BACKEND_DEADLINE_MS/,
    );
  });

  it('holds the old name to the same bounds', () => {
    expect(() => parseConfig(gatewayConfigSchema, { REQUEST_TIMEOUT_MS: '50' })).toThrow(/REQUEST_TIMEOUT_MS/);
    expect(() => parseConfig(gatewayConfigSchema, { REQUEST_BACKEND_DEADLINE_MS: '50' })).toThrow(/REQUEST_BACKEND_DEADLINE_MS/);
  });

  it('warns at start when the old name is set, and only then', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'emporium-gateway-deadline-'));
    const startWith = async (env: Record<string, string>) => {
      const log = createLogger('test', 'silent');
      const warn = vi.spyOn(log, 'warn');
      const gateway = await startGateway(parseConfig(gatewayConfigSchema, { PORT: '0', GRAPHIQL: 'false', DATA_DIR: dataDir, ...env }), log);
      await gateway.stop();
      return warn.mock.calls.filter((call) => JSON.stringify(call).includes('REQUEST_TIMEOUT_MS'));
    };
    try {
      const warnings = await startWith({ REQUEST_TIMEOUT_MS: '2500' });
      expect(warnings).toHaveLength(1);
      expect(JSON.stringify(warnings[0])).toContain('REQUEST_BACKEND_DEADLINE_MS');
      expect(await startWith({ REQUEST_BACKEND_DEADLINE_MS: '2500' })).toEqual([]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

/*
 * Through HTTP: a catalog that accepts the connection and never answers. Each call alone may take
 * BACKEND_DEADLINE_MS (a minute here); the request's deadline ends it long before. Without it the
 * request would hang past this test's own timeout.
 */
describe('the deadline of a request’s backend calls', () => {
  let silent: Server;
  let silentAddress = '';
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    silentAddress = `127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it.each(['REQUEST_BACKEND_DEADLINE_MS', 'REQUEST_TIMEOUT_MS'])(
    'ends a stalled backend call at %s',
    async (name) => {
      const gateway = await stack.startGateway({ CATALOG_ADDRESS: silentAddress, BACKEND_DEADLINE_MS: '60000', [name]: '300' });
      const response = await graphql(gateway.url, '{ products { totalCount } }');
      expect(codes(response)).toEqual(['UNAVAILABLE']);
      expect(response.errors?.[0]?.message).toMatch(/^the catalog service did not answer in time/);
    },
    20_000,
  );
});
