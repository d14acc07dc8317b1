import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { freePort } from './ports.js';

/*
 * `npm start` (or another npm script) as a child process in its own process group, the way a user
 * runs it in a terminal: what it prints, when it says it is ready, and Ctrl-C for the whole group.
 * Used by the tests of the runner (scripts/test), the shop's end-to-end tests (apps/storefront/test)
 * and the benchmarks that start the platform (bench/).
 */

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const READY = /Emporium is ready \(([\d.]+) s\)(?:; loaded (\d+) demo products)?/;
// eslint-disable-next-line no-control-regex -- concurrently colours its output; the escapes must go
const ANSI = /\x1b\[[0-9;]*m/g;

export interface ReadyLine {
  /** The runner's own figure: seconds from its process start. */
  readonly seconds: number;
  /** Demo products loaded by this start (0 when the shop was stocked already). */
  readonly demoProducts: number;
}

/** What `npm start` printed when ready; undefined for other lines. */
export function parseReadyLine(line: string): ReadyLine | undefined {
  const match = READY.exec(line.replace(ANSI, ''));
  if (match?.[1] === undefined) return undefined;
  return { seconds: Number(match[1]), demoProducts: match[2] === undefined ? 0 : Number(match[2]) };
}

/** The variables giving each process of `npm start` its port: all set, so nothing meets a default port. */
const PORT_VARIABLES = [
  'GATEWAY_PORT',
  'ACCOUNT_PORT',
  'CATALOG_PORT',
  'ORDER_PORT',
  'NOTIFICATION_PORT',
  'GATEWAY_METRICS_PORT',
  'ACCOUNT_METRICS_PORT',
  'CATALOG_METRICS_PORT',
  'ORDER_METRICS_PORT',
  'NOTIFICATION_METRICS_PORT',
] as const;

export interface StartSetup {
  /** The environment for runNpm: the data directory, a free port for every process, and extra. */
  readonly env: Record<string, string>;
  /** The gateway's base URL (no trailing slash): the shop, /graphql, /graphiql. */
  readonly gateway: string;
}

/**
 * What `npm start` needs to run beside anything else on this machine, another start included: its
 * own data directory and a free port for each of its processes.
 */
export async function newStartSetup(dataDir: string, extra: Record<string, string> = {}): Promise<StartSetup> {
  const env: Record<string, string> = { EMPORIUM_DATA_DIR: dataDir, ...extra };
  for (const name of PORT_VARIABLES) env[name] = String(await freePort());
  return { env, gateway: `http://127.0.0.1:${env.GATEWAY_PORT}` };
}

export interface PrintedCredentials {
  readonly email: string;
  readonly password: string;
}

/** The credentials the ready message prints: "  customer  email / password". */
export function printedCredentials(output: readonly string[], who: 'admin' | 'customer'): PrintedCredentials {
  const line = output.find((text) => text.trimStart().startsWith(`${who} `));
  const match = /(\S+@\S+) \/ (\S+)/.exec(line ?? '');
  if (!match?.[1] || !match[2]) throw new Error(`no ${who} credentials printed:\n${output.join('\n')}`);
  return { email: match[1], password: match[2] };
}

export interface NpmProcess {
  /** Every line printed so far, stdout and stderr, colours removed. */
  readonly output: string[];
  /** The ready line; rejects if the process exits first or timeoutMs passes. */
  readonly ready: Promise<ReadyLine>;
  /** npm's exit code (null after a signal). */
  readonly exited: Promise<number | null>;
  /** Sends a signal to the whole process group, as a terminal's Ctrl-C does. */
  signal(signal: NodeJS.Signals): void;
  /** Sends a signal to npm alone, as a process manager or `kill <pid>` does. */
  signalNpm(signal: NodeJS.Signals): void;
  /** Resolves once no process of the group is left (npm may exit before its children). */
  gone(): Promise<void>;
  /**
   * Stops it (by default Ctrl-C to the group; `send` to stop it another way) and resolves once the
   * whole group is gone; whatever is left after graceMs is killed.
   */
  stop(send?: () => void, graceMs?: number): Promise<void>;
}

/**
 * Runs `npm <args>` from the repository root with only PATH and HOME from this environment plus env
 * (so a DATABASE_URL or port of the caller's cannot leak in).
 */
export function runNpm(args: readonly string[], env: Record<string, string>, timeoutMs = 180_000): NpmProcess {
  const child = spawn('npm', args, {
    cwd: REPO_ROOT,
    detached: true,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`npm ${args.join(' ')} did not start`);
  const output: string[] = [];
  const exited = once(child, 'exit').then(([code]) => (typeof code === 'number' ? code : null));
  const ready = new Promise<ReadyLine>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm ${args.join(' ')} was not ready within ${timeoutMs / 1000} s`)), timeoutMs);
    const onLine = (raw: string) => {
      const line = raw.replace(ANSI, '');
      output.push(line);
      const parsed = parseReadyLine(line);
      if (parsed) {
        clearTimeout(timer);
        resolve(parsed);
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`npm ${args.join(' ')} exited before it was ready:\n${output.slice(-30).join('\n')}`));
    });
  });
  // Callers that never wait for readiness (a start meant to fail) must not leave a rejection unhandled.
  ready.catch(() => undefined);
  const gone = async () => {
    await exited;
    while (groupAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 100));
  };
  return {
    output,
    ready,
    exited,
    signal: (signal) => signalGroup(pid, signal),
    signalNpm: (signal) => child.kill(signal),
    gone,
    stop: async (send = () => signalGroup(pid, 'SIGINT'), graceMs = 30_000) => {
      send();
      const killer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
      try {
        await gone();
      } finally {
        clearTimeout(killer);
      }
    },
  };
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}
