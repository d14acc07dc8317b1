import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

// A child process under test: started with only the environment it is given, its JSON log lines
// waited for, its CPU time and peak memory read from /proc, stopped gracefully.

/** How a process was run: the production build, TypeScript sources through tsx (no build for it), or another program (nats-server). */
export type RunMode = 'dist' | 'tsx-source' | 'program';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly mode: RunMode;
  /** performance.now() when it was spawned. */
  readonly startedAt: number;
  /** The first JSON log line matching (seen already or still to come); rejects if the process exits or time runs out. */
  waitForLine(predicate: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>>;
  /** Peak resident set size so far (VmHWM), in KiB; kept after the process has exited. */
  peakRssKiB(): number;
  /** CPU time (user + system) used so far, in seconds; undefined once the process is gone. */
  cpuSeconds(): number | undefined;
  /** The last lines the process wrote, for error messages. */
  recentOutput(): string[];
  /** SIGTERM (a graceful stop: CPU profiles are written then), SIGKILL after timeoutMs. Resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

/** Peak resident set size of a live process in KiB, from /proc (Linux); undefined once it is gone. */
export function readPeakRssKiB(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc/<pid>/stat times: USER_HZ, 100 on every mainstream Linux build. */
const USER_HZ = 100;

/** CPU time (user + system) of a live process in seconds, from /proc (Linux); undefined once it is gone. */
export function readCpuSeconds(pid: number, file = `/proc/${pid}/stat`): number | undefined {
  try {
    const stat = readFileSync(file, 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const user = Number(fields[11]);
    const system = Number(fields[12]);
    return Number.isFinite(user) && Number.isFinite(system) ? (user + system) / USER_HZ : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system) of a live process's main thread, the event loop's (its thread id is
 * the pid); the rest of readCpuSeconds is V8's workers (concurrent marking, compiling) and libuv's
 * pool. Undefined once the process is gone.
 */
export function readMainThreadCpuSeconds(pid: number): number | undefined {
  return readCpuSeconds(pid, `/proc/${pid}/task/${pid}/stat`);
}

export interface StartOptions {
  readonly name: string;
  /** The program; node (this one) unless given, e.g. nats-server. */
  readonly command?: string;
  /** Arguments to node: flags, then the script (or the program's own). */
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly mode: RunMode;
}

const KEPT_LINES = 200;
const RSS_SAMPLE_MS = 500;

export function startProcess(options: StartOptions): ManagedProcess {
  const startedAt = performance.now();
  const child: ChildProcess = spawn(options.command ?? process.execPath, [...options.args], {
    cwd: options.cwd,
    // Only what the process needs: a benchmark must not depend on the caller's shell.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name} did not start`);
  const recent: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const waiters = new Set<(line: Record<string, unknown>) => void>();
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, readPeakRssKiB(pid) ?? 0);
  };
  const sampler = setInterval(sample, RSS_SAMPLE_MS);
  sampler.unref();

  const keep = (text: string) => {
    recent.push(text);
    if (recent.length > KEPT_LINES) recent.shift();
  };
  const { stdout, stderr } = child;
  if (stdout === null || stderr === null) throw new Error(`${options.name} has no output pipes`);
  createInterface({ input: stdout }).on('line', (text) => {
    keep(text);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
    const line = Object.fromEntries(Object.entries(parsed));
    // Only the lines someone may still wait for are worth keeping; under load they are many.
    if (lines.length < 1000) lines.push(line);
    for (const waiter of waiters) waiter(line);
  });
  createInterface({ input: stderr }).on('line', keep);

  const exited = once(child, 'exit').then(([code]) => {
    clearInterval(sampler);
    return typeof code === 'number' ? code : null;
  });
  let exitedYet = false;
  void exited.then(() => {
    exitedYet = true;
  });

  const waitForLine = (predicate: (line: Record<string, unknown>) => boolean, timeoutMs: number) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const seen = lines.find(predicate);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${options.name} did not log the expected line within ${timeoutMs} ms:\n${recent.slice(-20).join('\n')}`));
      }, timeoutMs);
      const check = (line: Record<string, unknown>) => {
        if (!predicate(line)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(line);
      };
      waiters.add(check);
      void exited.then((code) => {
        clearTimeout(timer);
        if (waiters.delete(check)) reject(new Error(`${options.name} exited (${code}) while starting:\n${recent.slice(-20).join('\n')}`));
      });
    });

  return {
    name: options.name,
    pid,
    mode: options.mode,
    startedAt,
    waitForLine,
    peakRssKiB: () => {
      if (!exitedYet) sample();
      return peak;
    },
    cpuSeconds: () => (exitedYet ? undefined : readCpuSeconds(pid)),
    recentOutput: () => [...recent],
    exited,
    stop: async (timeoutMs = 15_000) => {
      if (exitedYet) return exited;
      sample();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
