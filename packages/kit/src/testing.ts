import { once } from 'node:events';
import { createServer } from 'node:net';

// The test helpers live in @emporium/testkit (packages/testkit, dev only). This one stays in the
// kit because the benchmark (bench/lib/coldstart.ts) picks ports with it too.

/** A TCP port that was free a moment ago (for tests that must restart a server on the same port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}
