import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// The NATS server of `npm start` when NATS_URL names none: the machine's `nats-server` with
// JetStream, its store in the data directory (so events published and not yet consumed outlive a
// restart), on a loopback port it picks itself. The runner starts it before the services, so
// their relays find it, and stops it after them.

const READY_TIMEOUT_MS = 10_000;
const LISTENING = /Listening for client connections on 127\.0\.0\.1:(\d+)/;

export interface LocalNats {
  readonly url: string;
  /** Its store directory (-sd). */
  readonly storeDir: string;
  /** Its log (everything it printed). */
  readonly logFile: string;
  /** Resolves with its exit code (null after a signal) once it has exited. */
  readonly exited: Promise<number | null>;
  /** SIGINT (its graceful stop) and wait for it to exit. */
  stop(): Promise<void>;
}

/** What the runner tells the user instead, when there is no nats-server to start. */
export class NatsServerMissing extends Error {}

/**
 * Starts `nats-server -js -sd <dataDir>/nats` on a free loopback port; resolves once it is ready.
 * Throws NatsServerMissing when no nats-server is on the PATH, and an Error with its last lines
 * when it exits before it is ready (its store in use by another server, say).
 */
export async function startLocalNats(dataDir: string): Promise<LocalNats> {
  const storeDir = join(dataDir, 'nats');
  const logFile = join(dataDir, 'nats-server.log');
  // -p -1: a port of its own choosing, which it logs; nothing else can take it in between.
  const child = spawn('nats-server', ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', '-1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', resolve);
  });
  if (spawned !== undefined) {
    if (isErrno(spawned) && spawned.code === 'ENOENT') throw new NatsServerMissing('nats-server is not on the PATH');
    throw spawned;
  }
  // nats-server makes its store directory; the log goes beside it.
  mkdirSync(dataDir, { recursive: true });
  const exited = once(child, 'exit').then(([code]: unknown[]) => (typeof code === 'number' ? code : null));
  const log = createWriteStream(logFile, { flags: 'a' });
  const lastLines: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    let listening: number | undefined;
    const timer = setTimeout(() => reject(new Error(`nats-server was not ready within ${READY_TIMEOUT_MS / 1000} s (log: ${logFile})`)), READY_TIMEOUT_MS);
    createInterface({ input: stderrOf(child) }).on('line', (line) => {
      log.write(`${line}\n`);
      lastLines.push(line);
      if (lastLines.length > 5) lastLines.shift();
      const match = LISTENING.exec(line);
      if (match?.[1] !== undefined) listening = Number(match[1]);
      if (line.endsWith('Server is ready') && listening !== undefined) {
        clearTimeout(timer);
        resolve(listening);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited (${code ?? 'signal'}) before it was ready:\n${lastLines.join('\n')}`));
    });
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    storeDir,
    logFile,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
      log.end();
    },
  };
}

function stderrOf(child: ChildProcess): NodeJS.ReadableStream {
  if (child.stderr === null) throw new Error('nats-server was started without a stderr pipe');
  return child.stderr;
}

function isErrno(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}
