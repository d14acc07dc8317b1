import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '@emporium/kit/testing.js';
import type { ColdStart } from './report.js';


const READY = /Emporium is ready \(([\d.]+) s\)(?:; loaded (\d+) demo products)?/;
// eslint-disable-next-line no-control-regex -- concurrently colours its output; the escapes must go
const ANSI = /\x1b\[[0-9;]*m/g;

/** What `npm start` printed when ready: seconds and demo products loaded; undefined for other lines. */
export function parseReadyLine(line: string): { seconds: number; demoProducts: number } | undefined {
  const match = READY.exec(line.replace(ANSI, ''));
  if (match?.[1] === undefined) return undefined;
  return { seconds: Number(match[1]), demoProducts: match[2] === undefined ? 0 : Number(match[2]) };
}

/**
 * `npm start` on an empty data directory, as a new user's first start: four processes, four
 * embedded PGlite databases created and migrated, demo data loaded. Own ports and data directory,
 * so it cannot meet anything else running here; stopped with Ctrl-C's SIGINT, as a user would.
 */
export async function measureColdStart(root: string, timeoutMs = 180_000): Promise<ColdStart> {
  const dataDir = await mkdtemp(join(tmpdir(), 'emporium-bench-cold-'));
  const ports = { GATEWAY_PORT: await freePort(), ACCOUNT_PORT: await freePort(), CATALOG_PORT: await freePort(), ORDER_PORT: await freePort() };
  const started = performance.now();
  // Its own process group, so that the signal reaches npm, tsx, concurrently and the services.
  const child = spawn('npm', ['start'], {
    cwd: root,
    detached: true,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      EMPORIUM_DATA_DIR: dataDir,
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('npm start did not start');
  const exited = once(child, 'exit');
  const output: string[] = [];
  try {
    const ready = await new Promise<{ seconds: number; demoProducts: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start was not ready within ${timeoutMs / 1000} s`)), timeoutMs);
      const onLine = (line: string) => {
        output.push(line);
        const parsed = parseReadyLine(line);
        if (parsed) {
          clearTimeout(timer);
          resolve(parsed);
        }
      };
      if (child.stdout === null || child.stderr === null) return reject(new Error('npm start has no output pipes'));
      createInterface({ input: child.stdout }).on('line', onLine);
      createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`npm start exited before it was ready:\n${output.slice(-20).join('\n')}`));
      });
    });
    return {
      reportedSeconds: ready.seconds,
      wallSeconds: (performance.now() - started) / 1000,
      demoProductsLoaded: ready.demoProducts,
    };
  } finally {
    signalGroup(pid, 'SIGINT');
    const killer = setTimeout(() => signalGroup(pid, 'SIGKILL'), 20_000);
    await exited;
    // npm may exit before the services it started have drained: wait for the whole group.
    while (groupAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 200));
    clearTimeout(killer);
    await rm(dataDir, { recursive: true, force: true });
  }
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
