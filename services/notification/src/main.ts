import type { Kysely } from 'kysely';
import { createAccountClient } from '@emporium/account/client.js';
import { accountCreated } from '@emporium/account/events.js';
import { orderCancelled, orderPlaced } from '@emporium/order/events.js';
import { loadConfig } from '@emporium/kit/config.js';
import { runServiceProcess } from '@emporium/kit/run-process.js';
import { createLogger, type Logger } from '@emporium/kit/logger.js';
import { isEntryPoint } from '@emporium/kit/entry-point.js';
import { withTracing } from '@emporium/kit/telemetry-sdk.js';
import { startService, type RunningService } from '@emporium/kit/start-service.js';
import { migrations } from '../migrations/index.js';
import { notificationConfigSchema, type NotificationConfig } from './config.js';
import { mailHandlers, startMailConsumers, type MailEvents, type MailHandlers } from './consumers.js';
import { pendingSources } from './metrics.js';
import type { Shop } from './model.js';
import { MAIL_CHANNEL, MailRepository } from './repository.js';
import { startSender, type MailSender } from './sender.js';
import { notificationServer } from './server.js';
import { NotificationService } from './service.js';
import { smtpTransport } from './smtp.js';
import type { NotificationDatabase } from './tables.js';
import { recipientDirectory } from './upstream.js';

export interface RunningNotificationService extends RunningService<NotificationDatabase> {
  /** The event handlers, as the consumers call them (tests call them directly too). */
  readonly handlers: MailHandlers;
}

export interface NotificationOptions {
  /**
   * The event types to consume (with NATS_URL set): the account and order services' by default;
   * a test may put stand-ins of its own in their place.
   */
  readonly events?: MailEvents;
}

/** What the service consumes: the producers' own event types. */
export const MAIL_EVENTS: MailEvents = { accountCreated, orderPlaced, orderCancelled };

export function shopOf(config: NotificationConfig): Shop {
  return { name: config.SHOP_NAME, url: config.SHOP_URL, host: new URL(config.SHOP_URL).hostname };
}

interface Wired {
  readonly service: NotificationService;
  readonly handlers: MailHandlers;
  readonly sender: MailSender;
  readonly unwatchPending: () => void;
}

export async function startNotificationService(
  config: NotificationConfig,
  log: Logger,
  options: NotificationOptions = {},
): Promise<RunningNotificationService> {
  const accounts = createAccountClient(config.ACCOUNT_ADDRESS, { deadlineMs: config.UPSTREAM_DEADLINE_MS });
  let wired: Wired | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  // The kit starts the consumers before it builds the gRPC services: whichever comes first wires.
  const wire = (db: Kysely<NotificationDatabase>): Wired => {
    if (wired) return wired;
    const repository = new MailRepository(db);
    const transport = smtpTransport({
      url: config.SMTP_URL,
      user: config.SMTP_USER,
      password: config.SMTP_PASSWORD,
      timeoutMs: config.SMTP_TIMEOUT_MS,
      maxConnections: config.SMTP_MAX_CONNECTIONS,
      from: { name: config.SHOP_NAME, address: config.MAIL_FROM },
    });
    const sender = startSender(
      repository,
      transport,
      {
        pollIntervalMs: config.MAIL_POLL_INTERVAL_MS,
        batchSize: config.MAIL_BATCH_SIZE,
        leaseMs: config.MAIL_LEASE_MS,
        retryInitialMs: config.SMTP_RETRY_INITIAL_MS,
        retryMaxMs: config.SMTP_RETRY_MAX_MS,
        maxAttempts: config.SMTP_MAX_ATTEMPTS,
      },
      log,
    );
    const service = new NotificationService(repository, recipientDirectory(accounts), shopOf(config));
    wired = { service, handlers: mailHandlers(service), sender, unwatchPending: pendingSources.add(() => repository.pendingStats()) };
    return wired;
  };
  const events = options.events ?? MAIL_EVENTS;
  const running = await startService<NotificationDatabase>({
    config,
    log,
    migrations,
    events: {
      service: 'notification',
      outbox: false,
      consumers: (db, bus) => startMailConsumers(wire(db).handlers, events, db, bus, config, log),
    },
    build: (db) => [notificationServer(wire(db).service)],
    beforeClose: async () => {
      await unlisten?.();
      wired?.unwatchPending();
      await wired?.sender.stop();
      accounts.close();
    },
  });
  try {
    if (!wired) throw new Error('the service was not built');
    const { sender, handlers } = wired;
    // Every committed mail, this replica's or another's, wakes the sender; its poll is the fallback.
    unlisten = await running.database.listen(MAIL_CHANNEL, () => sender.wake());
    return { ...running, handlers };
  } catch (error) {
    await running.stop();
    throw error;
  }
}

if (isEntryPoint(import.meta.url)) {
  const config = loadConfig(notificationConfigSchema);
  const log = createLogger('notification', config.LOG_LEVEL);
  runServiceProcess(config, log, () => withTracing('notification', log, () => startNotificationService(config, log)));
}
