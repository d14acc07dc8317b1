import { once } from 'node:events';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { resolveTarget, runHealthcheck } from '@emporium/kit/healthcheck.js';
import { freePort } from '@emporium/testkit/ports.js';

/* The image's HEALTHCHECK script (packages/kit/src/healthcheck.ts); deploy/containers/images.test.ts runs it in the real images. */

describe('container health check', () => {
  it("targets the container's own PORT unless told otherwise", () => {
    expect(resolveTarget(['grpc'], { PORT: '50051' })).toEqual({ kind: 'grpc', address: '127.0.0.1:50051' });
    expect(resolveTarget(['grpc', 'account:50051'], {})).toEqual({ kind: 'grpc', address: 'account:50051' });
    expect(resolveTarget(['http'], { PORT: '8080' })).toEqual({ kind: 'http', url: 'http://127.0.0.1:8080/readyz' });
    expect(resolveTarget(['http', '/healthz'], { PORT: '8080' })).toEqual({ kind: 'http', url: 'http://127.0.0.1:8080/healthz' });
    expect(resolveTarget(['http', 'http://gateway:8080/readyz'], {})).toEqual({ kind: 'http', url: 'http://gateway:8080/readyz' });
  });

  it('refuses arguments it cannot act on', () => {
    expect(() => resolveTarget([], { PORT: '1' })).toThrow('usage');
    expect(() => resolveTarget(['grpc'], {})).toThrow('PORT');
    expect(() => resolveTarget(['http', 'readyz'], { PORT: '1' })).toThrow('path starting with /');
    expect(() => resolveTarget(['grpc', 'a:1', 'extra'], {})).toThrow('unexpected');
  });

  it('is unhealthy, with the reason, when nothing answers or the answer is not 2xx', async () => {
    const closed = await runHealthcheck({ kind: 'grpc', address: `127.0.0.1:${await freePort()}` }, { timeoutMs: 1_000 });
    expect(closed.healthy).toBe(false);
    let status = 503;
    const server = createServer((_request, response) => response.writeHead(status).end('{}'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const { port } = address;
    try {
      const url = `http://127.0.0.1:${port}/readyz`;
      expect(await runHealthcheck({ kind: 'http', url })).toEqual({ healthy: false, reason: `${url}: HTTP 503` });
      status = 200;
      expect(await runHealthcheck({ kind: 'http', url })).toEqual({ healthy: true });
    } finally {
      server.close();
    }
  });
});
