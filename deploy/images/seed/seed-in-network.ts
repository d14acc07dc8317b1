// The entry of the seed image (deploy/Dockerfile, target seed; deploy/compose.yaml, profile seed):
// runs `npm run seed` — scripts/seed.ts, bundled beside this file as seed.mjs — inside the Compose
// network. scripts/seed.ts dials the processes on 127.0.0.1 at the ports of the local runner
// (ACCOUNT_PORT, CATALOG_PORT, ...), as `npm start` lays them out; here each is another container.
// So this process relays one free loopback port per process to that process's container and gives
// the seed those ports, for as long as the seed runs. The seed's own code is not changed for it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseConfig } from '@emporium/kit/config.js';

const hostPort = z.string().regex(/^[\w.-]+:\d{1,5}$/, 'must be host:port');

/** Where each process is on the Compose network, by the runner's variable naming its local port. */
const configSchema = z.object({
  ACCOUNT_ADDRESS: hostPort,
  CATALOG_ADDRESS: hostPort,
  ORDER_ADDRESS: hostPort,
  GATEWAY_ADDRESS: hostPort,
  /** The runner's data directory: the demo customer's credentials are kept there (a volume). */
  EMPORIUM_DATA_DIR: z.string().min(1),
});

const SEED_SCRIPT = fileURLToPath(new URL('seed.mjs', import.meta.url));

/** A loopback listener whose every connection is piped to `target` (host:port). */
async function relayTo(target: string): Promise<Server> {
  const colon = target.lastIndexOf(':');
  const host = target.slice(0, colon);
  const port = Number(target.slice(colon + 1));
  const server = createServer((client) => {
    const upstream = connect({ host, port });
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

function portOf(server: Server): string {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('a relay is not listening on a TCP port');
  return String(address.port);
}

/** Runs the seed with the relayed ports; resolves with its exit code. */
async function runSeed(ports: Readonly<Record<string, string>>): Promise<number> {
  const seed = spawn(process.execPath, [SEED_SCRIPT], { stdio: 'inherit', env: { ...process.env, ...ports } });
  // `docker compose run` stopped (Ctrl-C, docker stop): the seed stops too.
  const stop = () => seed.kill('SIGTERM');
  process.once('SIGTERM', stop).once('SIGINT', stop);
  return new Promise((resolve, reject) => {
    seed.once('error', reject);
    seed.once('exit', (code) => resolve(code ?? 1));
  });
}

const credentialsFile = z.object({ customer: z.object({ email: z.string(), password: z.string() }) });

/** The demo customer the seed created (or found), so the shop can be tried as a customer. */
async function printDemoCustomer(dataDir: string): Promise<void> {
  const text = await readFile(join(dataDir, 'demo-credentials.json'), 'utf8').catch(() => undefined);
  const parsed = text === undefined ? undefined : credentialsFile.safeParse(JSON.parse(text));
  if (parsed?.success === true) process.stdout.write(`demo customer: ${parsed.data.customer.email} / ${parsed.data.customer.password}\n`);
}

async function main(): Promise<void> {
  const config = parseConfig(configSchema);
  const relays = {
    ACCOUNT_PORT: await relayTo(config.ACCOUNT_ADDRESS),
    CATALOG_PORT: await relayTo(config.CATALOG_ADDRESS),
    ORDER_PORT: await relayTo(config.ORDER_ADDRESS),
    GATEWAY_PORT: await relayTo(config.GATEWAY_ADDRESS),
  };
  try {
    const code = await runSeed(Object.fromEntries(Object.entries(relays).map(([variable, server]) => [variable, portOf(server)])));
    if (code === 0) await printDemoCustomer(config.EMPORIUM_DATA_DIR);
    process.exitCode = code;
  } finally {
    for (const server of Object.values(relays)) server.close();
  }
}

await main();
