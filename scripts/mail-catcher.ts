import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The mail catcher of `npm start`: MailDev (a devDependency of the repository) takes every e-mail
// the notification service sends over SMTP and shows it in a web inbox, so an order placed in the
// shop can be read as its customer would. Both on loopback ports free at start; the e-mails are
// kept in the data directory (`npm run reset` empties the inbox).

export interface MailCatcher {
  /** The notification service's SMTP_URL. */
  readonly smtpUrl: string;
  /** The web inbox. */
  readonly inboxUrl: string;
  /** Resolves with its exit code (null after a signal) once it has exited. */
  readonly exited: Promise<number | null>;
  /** True once the inbox answers. */
  ready(): Promise<boolean>;
  stop(): Promise<void>;
}

/** A loopback port free right now (the catcher binds it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no TCP port was assigned');
  return address.port;
}

/** maildev's command-line entry point, beside the module its package exports. */
function maildevBin(): string {
  return fileURLToPath(new URL('./bin/maildev.js', import.meta.resolve('maildev')));
}

/** Starts MailDev as a child process and returns at once; ready() tells when it answers. */
export async function startMailCatcher(dataDir: string): Promise<MailCatcher> {
  const smtpPort = await freePort();
  const webPort = await freePort();
  const mailDir = join(dataDir, 'mail');
  mkdirSync(mailDir, { recursive: true });
  const child = spawn(
    process.execPath,
    [
      maildevBin(),
      ...['--smtp', String(smtpPort), '--ip', '127.0.0.1'],
      ...['--web', String(webPort), '--web-ip', '127.0.0.1'],
      ...['--mail-directory', mailDir, '--silent'],
    ],
    // Its settings are the arguments above; MAILDEV_* variables of this environment would change them.
    { stdio: ['ignore', 'ignore', 'inherit'], env: withoutMaildevVariables(process.env) },
  );
  // Below the services: it is not what `npm start` waits for, and they start on the same cores.
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, 10);
    } catch {
      // Not allowed here: it runs at the services' priority, a little slower to start.
    }
  }
  const exited = once(child, 'exit').then(([code]: unknown[]) => (typeof code === 'number' ? code : null));
  const inboxUrl = `http://127.0.0.1:${webPort}/`;
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    inboxUrl,
    exited,
    ready: async () => {
      try {
        return (await fetch(new URL('api/healthz', inboxUrl), { signal: AbortSignal.timeout(1_000) })).ok;
      } catch {
        return false;
      }
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function withoutMaildevVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('MAILDEV_')));
}
