import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CatalogServiceService } from '@emporium/contracts/emporium/catalog/v1/catalog.js';
import { serviceAddress } from '../src/config.js';
import { ROUND_ROBIN_SERVICE_CONFIG, createGrpcClient, type PromiseClient } from '../src/grpc-client.js';
import { grpcService, startGrpcServer, type RunningGrpcServer } from '../src/grpc-server.js';
import { createLogger } from '../src/logger.js';

/*
 * Scale-out: a client resolves a name to every replica and spreads its calls over them
 * (round_robin), and a server bounds the age of a connection so that clients resolve again and
 * find replicas added since.
 */
const definition = { getProduct: CatalogServiceService.getProduct };
type Definition = typeof definition;

/** A server that answers getProduct with its own label as the product name. */
function serve(
  label: string,
  options: { log?: ReturnType<typeof createLogger>; maxConnectionAgeMs?: number; maxConnectionAgeGraceMs?: number } = {},
): Promise<RunningGrpcServer> {
  return startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    log: options.log ?? createLogger('scale-out-test', 'silent'),
    shutdownTimeoutMs: 1_000,
    maxConnectionAgeMs: options.maxConnectionAgeMs,
    maxConnectionAgeGraceMs: options.maxConnectionAgeGraceMs,
    services: [
      grpcService(definition, {
        getProduct: () =>
          Promise.resolve({
            product: { id: '', name: label, description: '', price: undefined, stock: 0, createTime: undefined, updateTime: undefined },
          }),
      }),
    ],
  });
}

const servers: RunningGrpcServer[] = [];
const clients: PromiseClient<Definition>[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => server.shutdown()));
});

async function names(client: PromiseClient<Definition>, calls: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < calls; i++) {
    const { product } = await client.getProduct({ id: 'p' });
    const name = product?.name ?? 'none';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

describe('gRPC scale-out', () => {
  it('accepts dns:/// addresses in the configuration, and nothing else with a scheme', () => {
    for (const good of ['catalog:50052', 'dns:///catalog:50052', 'dns:///catalog.emporium.svc.cluster.local:50052', '[::1]:50052']) {
      expect(serviceAddress.safeParse(good).success, good).toBe(true);
    }
    for (const bad of ['dns://catalog:50052', 'http://catalog:50052', 'dns:///catalog', 'unix:///tmp/x.sock', 'catalog']) {
      expect(serviceAddress.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('asks for round_robin load balancing in the service config', () => {
    expect(JSON.parse(ROUND_ROBIN_SERVICE_CONFIG)).toEqual({ loadBalancingConfig: [{ round_robin: {} }] });
  });

  it('calls a server through a dns:/// name', async () => {
    const server = await serve('only');
    servers.push(server);
    const client = createGrpcClient(definition, { address: `dns:///localhost:${server.port}`, idempotent: ['getProduct'] });
    clients.push(client);
    expect(await names(client, 5)).toEqual(new Map([['only', 5]]));
  });

  it('spreads calls over every address the target resolves to', async () => {
    const [one, two] = await Promise.all([serve('one'), serve('two')]);
    servers.push(one, two);
    // Two addresses for one target (as a name with two replicas resolves): with pick_first every
    // call would go to the first.
    const client = createGrpcClient(definition, {
      address: `ipv4:127.0.0.1:${one.port},127.0.0.1:${two.port}`,
      idempotent: ['getProduct'],
    });
    clients.push(client);
    // round_robin starts picking once a first connection is ready; let both connect.
    await names(client, 2);
    await sleep(200);
    const counts = await names(client, 40);
    console.log('calls per server:', Object.fromEntries(counts));
    expect(counts.get('one')).toBeGreaterThanOrEqual(15);
    expect(counts.get('two')).toBeGreaterThanOrEqual(15);
  });

  it('closes connections older than the maximum age while the client carries on without errors', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const server = await serve('aged', { log: pino({ level: 'debug' }, sink), maxConnectionAgeMs: 1_000, maxConnectionAgeGraceMs: 500 });
    servers.push(server);
    // No retries: a call lost to the closing connection would fail the test.
    const client = createGrpcClient(definition, { address: `dns:///127.0.0.1:${server.port}`, idempotent: [], maxAttempts: 1 });
    clients.push(client);
    const until = Date.now() + 3_500;
    let calls = 0;
    while (Date.now() < until) {
      const { product } = await client.getProduct({ id: 'p' });
      expect(product?.name).toBe('aged');
      calls++;
      await sleep(20);
    }
    const peers = new Set(
      lines
        .map((line) => JSON.parse(line) as { msg?: string; peer?: string })
        .filter((line) => line.msg === 'call started')
        .map((line) => line.peer),
    );
    console.log(`${calls} calls over ${peers.size} connections`);
    expect(calls).toBeGreaterThan(20);
    // About one connection a second: at least a second and a third one after the first was aged out.
    expect(peers.size).toBeGreaterThanOrEqual(3);
  });
});
