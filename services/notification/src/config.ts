import { z } from 'zod';
import { serviceAddress, serviceConfigShape } from '@emporium/kit/config.js';

const ms = (max: number) => z.coerce.number().int().min(0).max(max);

const smtpUrl = z
  .string()
  .refine((value) => /^smtps?:\/\//.test(value) && URL.canParse(value), 'must be an smtp:// or smtps:// URL');
const httpUrl = z
  .string()
  .refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), 'must be an http:// or https:// URL')
  // Links are built by appending paths: one form of the base, without its trailing slash.
  .transform((value) => value.replace(/\/+$/, ''));
// An address, not a display name: the shop's name is the display name (SHOP_NAME).
const mailbox = z.string().regex(/^[^\s@<>"]+@[^\s@<>"]+$/, 'must be an address such as shop@example.com');

export const notificationConfigSchema = z
  .object({
    ...serviceConfigShape({ service: 'notification', port: 50054, metricsPort: 9454 }),
    /** Where the recipients of order mails are looked up. */
    ACCOUNT_ADDRESS: serviceAddress.default('127.0.0.1:50051'),
    /** Deadline of each call to the Account service. */
    UPSTREAM_DEADLINE_MS: ms(60_000).default(3_000),
    /** The SMTP server mails are delivered to; smtps:// for implicit TLS (STARTTLS is used when offered). */
    SMTP_URL: smtpUrl.default('smtp://127.0.0.1:1025'),
    /** SMTP credentials (secrets); unset: no authentication. */
    SMTP_USER: z.string().min(1).optional(),
    SMTP_PASSWORD: z.string().min(1).optional(),
    /** Connection, greeting and socket timeout of each SMTP conversation. */
    SMTP_TIMEOUT_MS: ms(300_000).min(100).default(10_000),
    /** SMTP connections the sender keeps open at most (one message at a time on each). */
    SMTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100).default(2),
    /** Wait before the first retry after a temporary failure (4xx, no connection); doubled each time. */
    SMTP_RETRY_INITIAL_MS: ms(3_600_000).min(1).default(5_000),
    /** The longest wait between two attempts. */
    SMTP_RETRY_MAX_MS: ms(86_400_000).min(1).default(3_600_000),
    /** Attempts before a mail that keeps failing temporarily is recorded FAILED (16: about 5 hours by default). */
    SMTP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(16),
    /** The sender's address; the display name is SHOP_NAME. */
    MAIL_FROM: mailbox.default('no-reply@emporium.localhost'),
    /** How often the sender looks for due mails besides being woken when one is queued. */
    MAIL_POLL_INTERVAL_MS: ms(3_600_000).min(10).default(5_000),
    /** Mails one sender pass claims at most. */
    MAIL_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(20),
    /**
     * How long a claimed mail is the claiming replica's: another replica takes it over only after
     * this (a replica that died mid-send). Longer than an SMTP conversation can take.
     */
    MAIL_LEASE_MS: ms(3_600_000).min(1_000).default(60_000),
    /** The shop's name, in the sender's name, subjects and bodies. */
    SHOP_NAME: z.string().trim().min(1).max(100).default('Emporium'),
    /** The shop's address, for links in mails; its host names the Message-IDs. */
    SHOP_URL: httpUrl.default('http://127.0.0.1:8080'),
  })
  .refine((config) => config.MAIL_LEASE_MS > 3 * config.SMTP_TIMEOUT_MS, {
    path: ['MAIL_LEASE_MS'],
    message: 'must be longer than an SMTP conversation can take (3 x SMTP_TIMEOUT_MS)',
  })
  .refine((config) => (config.SMTP_USER === undefined) === (config.SMTP_PASSWORD === undefined), {
    path: ['SMTP_PASSWORD'],
    message: 'SMTP_USER and SMTP_PASSWORD are set together or not at all',
  })
  .refine((config) => config.SMTP_RETRY_INITIAL_MS <= config.SMTP_RETRY_MAX_MS, {
    path: ['SMTP_RETRY_MAX_MS'],
    message: 'must not be below SMTP_RETRY_INITIAL_MS',
  });

export type NotificationConfig = z.infer<typeof notificationConfigSchema>;
