import { connect, createServer, type Socket } from 'node:net';

export interface TcpRelay {
  /** The relay's port on 127.0.0.1: point a client at it instead of the target. */
  readonly port: number;
  /** Takes the target away: open connections are dropped and new ones refused. */
  cut(): void;
  /** Lets connections through again. */
  restore(): void;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

/**
 * A TCP relay in front of a real server (`redis://host:port` or any URL with host and port), so a
 * test can take that server away from a client mid-test and give it back.
 */
export async function tcpRelay(target: string, defaultPort: number): Promise<TcpRelay> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let open = true;
  const server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = connect(Number(port || defaultPort), hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the relay has no port');
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  let closed: Promise<void> | undefined;
  return {
    port: address.port,
    cut: () => {
      open = false;
      dropAll();
    },
    restore: () => {
      open = true;
    },
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        dropAll();
      })),
  };
}
