import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '@emporium/testkit/ports.js';
import { startProcess, type ManagedProcess } from './managed-process.js';

// The NATS server of a benchmark: the real nats-server with JetStream, on a free loopback port and
// a store in the run's scratch directory, run as a process under test (its CPU is read like the
// services').

export interface BenchNats {
  readonly url: string;
  readonly process: ManagedProcess;
}

const START_TIMEOUT_MS = 30_000;

async function acceptsConnections(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

/** Starts nats-server (on the PATH) and waits until JetStream is ready; pushed onto `started` at once. */
export async function startBenchNats(scratch: string, started: ManagedProcess[]): Promise<BenchNats> {
  const port = await freePort();
  const store = join(scratch, 'nats');
  await mkdir(store, { recursive: true });
  const managed = startProcess({
    name: 'nats-server',
    command: 'nats-server',
    args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store],
    env: {},
    cwd: scratch,
    mode: 'program',
  });
  started.push(managed);
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  void managed.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    if (managed.recentOutput().some((line) => line.includes('Server is ready')) && (await acceptsConnections(port))) {
      return { url: `nats://127.0.0.1:${port}`, process: managed };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nats-server did not become ready:\n${managed.recentOutput().slice(-20).join('\n')}`);
}
