import { once } from 'node:events';
import { createServer } from 'node:net';

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
