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

  beforeAll(async () => {
    gateway = await stack.startGateway({
      HTTP_HEADERS_TIMEOUT_MS: '300',
      HTTP_REQUEST_TIMEOUT_MS: '600',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '300',
      HTTP_IDLE_TIMEOUT_MS: '2000',
    });
  });

  interface Conversation {
    /** Everything the server sent, once it closed the connection. */
    readonly closed: Promise<string>;
    readonly socket: Socket;
  }

  function open(): Conversation {
    const socket = connect(gateway.port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    const closed = new Promise<string>((resolve, reject) => {
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    return { closed, socket };
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

  it('cuts a connection that never sends anything', async () => {
    const { closed } = open();
    await expect(closed).resolves.toBeTypeOf('string');
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
