import { createTransport } from 'nodemailer';
import { MAX_ERROR_LENGTH, type DeliveryResult, type MailTransport, type OutgoingMail } from './model.js';

// The SMTP server behind the MailTransport port: nodemailer's pooled SMTP transport, and what its
// errors mean for a mail (another attempt later, or never).

export interface SmtpOptions {
  /** smtp:// or smtps:// URL. */
  readonly url: string;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  /** Connection, greeting and socket timeout. */
  readonly timeoutMs: number;
  readonly maxConnections: number;
  /** The From header. */
  readonly from: { readonly name: string; readonly address: string };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** What went wrong, in the server's words when it answered (its reply), else the client's. */
function describe(error: unknown): string {
  if (!isRecord(error)) return String(error);
  const { response, message, code } = error;
  const text =
    typeof response === 'string' && response !== ''
      ? response
      : `${typeof code === 'string' ? `${code}: ` : ''}${typeof message === 'string' ? message : 'unknown error'}`;
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

/**
 * A failed attempt's verdict. An SMTP 5xx reply to the message (RFC 5321: permanent negative
 * completion) will be the same next time; 503 (bad sequence of commands) is about the session,
 * not the message. Everything else is worth another attempt: 4xx replies, no connection, timeouts,
 * and credentials the server refused (535 is the server's configuration, not this mail's fault:
 * failing every mail for it would lose them all until someone fixes the password).
 */
export function verdictOf(error: unknown): DeliveryResult {
  const text = describe(error);
  if (!isRecord(error)) return { kind: 'temporary', error: text };
  const { responseCode, code } = error;
  const permanent = typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600 && responseCode !== 503 && code !== 'EAUTH';
  return permanent ? { kind: 'permanent', error: text } : { kind: 'temporary', error: text };
}

export function smtpTransport(options: SmtpOptions): MailTransport {
  const transporter = createTransport({
    pool: true,
    url: options.url,
    ...(options.user !== undefined && options.password !== undefined ? { auth: { user: options.user, pass: options.password } } : {}),
    maxConnections: options.maxConnections,
    // One attempt is one try: a message whose connection closed mid-send comes back to the
    // sender, which retries it with backoff like any other temporary failure.
    maxRequeues: 0,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  });
  return {
    deliver: async (mail: OutgoingMail): Promise<DeliveryResult> => {
      try {
        const info = await transporter.sendMail({
          from: { name: options.from.name, address: options.from.address },
          to: { name: mail.recipient.name, address: mail.recipient.email },
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
        });
        return { kind: 'sent', response: info.response };
      } catch (error) {
        return verdictOf(error);
      }
    },
    close: () => {
      transporter.close();
    },
  };
}
