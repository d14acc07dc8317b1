import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

/*
 * A real SMTP server for tests: it listens on an ephemeral loopback port, parses every message it
 * accepts (mailparser) and keeps them in order. refuseNext(code, times) makes it answer the next
 * messages with that reply instead of accepting them (421: try again later, 550: never), so a test
 * can watch a sender retry or give up.
 */

export interface SmtpSinkOptions {
  /** Interface to listen on; 127.0.0.1 by default. */
  readonly host?: string;
  /** Runs when a message is read and kept, before the sender gets its 250 (a test breaks something there). */
  readonly beforeAccept?: () => Promise<void> | void;
}

/** A message the sink answered with an error instead of accepting. */
export interface Refusal {
  readonly code: number;
  readonly messageId: string | undefined;
}

export interface SmtpSink {
  readonly port: number;
  /** smtp://host:port, for a sender's SMTP_URL. */
  readonly url: string;
  /** The messages accepted so far, in the order they were accepted. */
  readonly messages: readonly ParsedMail[];
  /** The messages refused so far (refuseNext). */
  readonly refusals: readonly Refusal[];
  /** Resolves once at least n messages were accepted (the test's timeout bounds the wait). */
  waitForMessages(n: number): Promise<readonly ParsedMail[]>;
  /** Answers the next `times` messages with `code` (a 4xx or 5xx reply) after reading them. */
  refuseNext(code: number, times?: number): void;
  /** Stops listening and drops the open connections. */
  close(): Promise<void>;
}

const REPLY_TEXT: Record<number, string> = {
  421: 'Service not available, try again later',
  450: 'Mailbox unavailable, try again later',
  451: 'Local error in processing, try again later',
  452: 'Insufficient storage, try again later',
  550: 'Mailbox unavailable',
  552: 'Message exceeds storage allocation',
  554: 'Transaction failed',
};

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const host = options.host ?? '127.0.0.1';
  const messages: ParsedMail[] = [];
  const refusals: Refusal[] = [];
  const refusing: number[] = [];
  const waiters = new Set<{ n: number; resolve: (messages: readonly ParsedMail[]) => void }>();

  const accepted = (message: ParsedMail) => {
    messages.push(message);
    for (const waiter of waiters) {
      if (messages.length >= waiter.n) {
        waiters.delete(waiter);
        waiter.resolve(messages);
      }
    }
  };

  const server = new SMTPServer({
    // A plain, open relay on loopback: no TLS to negotiate, no credentials asked (any are accepted).
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    onAuth: (_auth, _session, callback) => callback(null, { user: 'test' }),
    logger: false,
    closeTimeout: 1_000,
    onData: (stream, _session, callback) => {
      simpleParser(stream)
        .then((message) => {
          const code = refusing.shift();
          if (code !== undefined) {
            refusals.push({ code, messageId: message.messageId });
            callback(Object.assign(new Error(REPLY_TEXT[code] ?? 'Refused by the test'), { responseCode: code }));
            return;
          }
          accepted(message);
          return Promise.resolve(options.beforeAccept?.()).then(() => callback());
        })
        .catch((error: unknown) => {
          callback(error instanceof Error ? error : new Error(String(error)));
        });
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    const listening = server.listen(0, host, () => {
      server.off('error', reject);
      const address = listening.address();
      if (address === null || typeof address === 'string') reject(new Error('the SMTP sink has no TCP address'));
      else resolve(address.port);
    });
  });
  // An error after start (a client misbehaving) is the connection's, not the test's.
  server.on('error', () => undefined);

  return {
    port,
    url: `smtp://${host}:${port}`,
    messages,
    refusals,
    waitForMessages: (n) =>
      messages.length >= n ? Promise.resolve(messages) : new Promise((resolve) => waiters.add({ n, resolve })),
    refuseNext: (code, times = 1) => {
      if (!Number.isInteger(code) || code < 400 || code > 599) throw new Error(`refuseNext: ${code} is not a 4xx or 5xx reply code`);
      for (let i = 0; i < times; i++) refusing.push(code);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
