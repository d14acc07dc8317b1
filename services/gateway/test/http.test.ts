import { connect, type Socket } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/main.js';
import { useStack } from '@emporium/testkit/stack.js';

/*
 * The HTTP edge: request ids the gateway takes from a client, and clients that stall.
 */

const stack = useStack();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('x-request-id', () => {
  const withRequestId = (requestId: string) =>
    fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });

  it('takes a short token of safe characters from the caller', async () => {
    const response = await withRequestId('trace-me-123');
    expect(response.headers.get('x-request-id')).toBe('trace-me-123');
  });

  it.each([
    ['8 KB', 'x'.repeat(8192)],
    ['65 characters', 'x'.repeat(65)],
    ['spaces and quotes', 'id "with" spaces'],
    ['a colon', 'a:b'],
  ])('replaces one of %s with its own', async (_name, requestId) => {
    const response = await withRequestId(requestId);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(UUID);
  });
});

/*
 * Stalled clients, on a raw TCP socket: each holds a connection open by sending too little. With
 * small timeouts the gateway must close every such connection by itself. (Without the timeouts
 * they stay open, and `closed` below never settles: the test fails at its own timeout.)
 */
describe('stalled requests', () => {
  let gateway: RunningGateway;
  const HEADERS_TIMEOUT_MS = 1_000;

  beforeAll(async () => {
    gateway = await stack.startGateway({
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: '1500',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '300',
      HTTP_IDLE_TIMEOUT_MS: '2000',
    });
  });

  interface Conversation {
    /** Everything the server sent, once it closed the connection (rejected on a reset or other socket error). */
    readonly closed: Promise<string>;
    /** Whether the server ended the connection in order (its FIN) before it closed. */
    readonly endedByServer: () => boolean;
    readonly socket: Socket;
  }

  function open(): Conversation {
    const socket = connect(gateway.port, '127.0.0.1');
    let received = '';
    let ended = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('end', () => {
      ended = true;
    });
    const closed = new Promise<string>((resolve, reject) => {
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    return { closed, endedByServer: () => ended, socket };
  }

  it('cuts a request whose body stops half-way', async () => {
    const { closed, socket } = open();
    socket.write(
      'POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query": "{ vi',
    );
    const answer = await closed;
    // Node answers 408 Request Timeout before closing.
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('cuts a request whose headers stop half-way', async () => {
    const { closed, socket } = open();
    socket.write('GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-Slow: ');
    expect(await closed).toMatch(/^HTTP\/1\.1 408/);
  });

  it('answers a connection that never sends anything 408 at its header timeout, closes it, and goes on serving', async () => {
    // Not before the timeout: a marker due at half of it must come first (a crash or a refusal
    // would close the connection at once). Half, so that a slow machine cannot swap the two.
    let markerPassed = false;
    const marker = setTimeout(() => {
      markerPassed = true;
    }, HEADERS_TIMEOUT_MS / 2);
    const { closed, endedByServer } = open();
    const answer = await closed;
    const passedAtClose = markerPassed;
    clearTimeout(marker);
    expect(passedAtClose).toBe(true);
    // The answer of the header timeout (fastify's client-error handler), then the server's own FIN.
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(answer).toContain('"statusCode":408');
    expect(endedByServer()).toBe(true);
    // The server is still there and answers the next client.
    const response = await fetch(`${gateway.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('closes an idle keep-alive connection after its request was answered', async () => {
    const { closed, socket } = open();
    socket.write('GET /healthz HTTP/1.1\r\nHost: gateway\r\nConnection: keep-alive\r\n\r\n');
    const answer = await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toContain('{"status":"ok"}');
  });

  it('still serves a request that arrives in time', async () => {
    const response = await fetch(`${gateway.url}/healthz`);
    expect(response.status).toBe(200);
  });
});
