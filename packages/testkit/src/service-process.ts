import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** A service started as its own process, with its JSON log lines parsed as they arrive. */
export interface ServiceProcess {
  readonly process: ChildProcess;
  readonly lines: Array<Record<string, unknown>>;
  readonly stderr: string[];
  /** Exit code, or null when killed by a signal. */
  readonly exited: Promise<number | null>;
  /** The first log line matching the predicate (already seen or still to come); rejects if the process exits first. */
  waitFor(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** host:port from the "gRPC server listening" line. */
  listening(): Promise<string>;
}

/** Runs a service's main.ts (TypeScript sources, via tsx) as a child process, as production would run it. */
export function startServiceProcess(mainScript: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--conditions=@emporium/source', '--import', 'tsx', mainScript], {
    // A free metrics port unless the test names one: the default ports would collide between tests.
    env: { PATH: process.env.PATH, NODE_ENV: 'test', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  const waiters = new Set<{ predicate: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }>();
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: unknown;
    try {
      line = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof line !== 'object' || line === null) return;
    const entry = line as Record<string, unknown>;
    lines.push(entry);
    for (const waiter of waiters) {
      if (waiter.predicate(entry)) {
        waiters.delete(waiter);
        waiter.resolve(entry);
      }
    }
  });
  createInterface({ input: child.stderr }).on('line', (text) => stderr.push(text));
  const exited = once(child, 'exit').then(([code]) => (typeof code === 'number' ? code : null));
  const waitFor = (predicate: (line: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const seen = lines.find(predicate);
      if (seen) return resolve(seen);
      waiters.add({ predicate, resolve });
      void exited.then((code) => reject(new Error(`process exited (${code}) first: ${stderr.join('\n')}`)));
    });
  return {
    process: child,
    lines,
    stderr,
    exited,
    waitFor,
    listening: async () => String((await waitFor((line) => line.msg === 'gRPC server listening')).address),
  };
}
