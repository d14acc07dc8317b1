import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/*
 * A NATS server of the test's own (the real `nats-server`, with JetStream, on a free loopback port
 * and a temporary store), for tests that stop, kill or restart the broker. Tests that only need a
 * broker use the machine's (NATS_TEST_URL, 127.0.0.1:4222) with a namespace of their own.
 */

export const SHARED_NATS_URL = process.env.NATS_TEST_URL ?? 'nats://127.0.0.1:4222';

/** A namespace (EVENTS_NAMESPACE) no other test uses: its subjects and streams are its own. */
export function uniqueNamespace(prefix = 't'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export interface TestNatsServer {
  readonly url: string;
  readonly port: number;
  /** Stops the server gracefully (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the server (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store (after stop or kill). */
  start(): Promise<void>;
  /** Stops it and deletes its store. */
  close(): Promise<void>;
}

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

export async function startNatsServer(): Promise<TestNatsServer> {
  const port = await freePort();
  const store = await mkdtemp(join(tmpdir(), 'emporium-nats-'));
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    output = '';
    const started = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child = started;
    const exited = once(started, 'exit').then(() => {
      throw new Error(`nats-server exited while starting:\n${output}`);
    });
    // It also exits when a test stops it later: nobody waits for that one.
    exited.catch(() => undefined);
    for (let attempt = 0; attempt < 200; attempt++) {
      // JetStream is ready once the server accepts clients and has said so.
      if (output.includes('Server is ready') && (await acceptsConnections(port))) return;
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 50)), exited]);
    }
    started.kill('SIGKILL');
    throw new Error(`nats-server did not become ready:\n${output}`);
  };

  const halt = async (signal: NodeJS.Signals) => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill(signal);
    await exited;
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    start,
    close: async () => {
      await halt('SIGKILL');
      await rm(store, { recursive: true, force: true });
    },
  };
}
