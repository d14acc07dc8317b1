import { createAccountClient } from '@emporium/account/client.js';
import { loadConfig } from '@emporium/kit/config.js';
import { runServiceProcess } from '@emporium/kit/run-process.js';
import { createLogger, type Logger } from '@emporium/kit/logger.js';
import { isEntryPoint } from '@emporium/kit/entry-point.js';
import { withTracing } from '@emporium/kit/telemetry-sdk.js';
import { startService, type RunningService } from '@emporium/kit/start-service.js';
import { migrations } from '../migrations/index.js';
import { notificationConfigSchema, type NotificationConfig } from './config.js';
import { mailHandlers, type MailHandlers } from './consumers.js';
import { pendingSources } from './metrics.js';
import type { Shop } from './model.js';
import { MailRepository } from './repository.js';
import { startSender, type MailSender } from './sender.js';
import { notificationServer } from './server.js';
import { NotificationService } from './service.js';
import { smtpTransport } from './smtp.js';
import type { NotificationDatabase } from './tables.js';
import { recipientDirectory } from './upstream.js';

export interface RunningNotificationService extends RunningService<NotificationDatabase> {
  /** The event handlers, as the consumer calls them (tests call them directly too). */
  readonly handlers: MailHandlers;
}

export function shopOf(config: NotificationConfig): Shop {
  return { name: config.SHOP_NAME, url: config.SHOP_URL, host: new URL(config.SHOP_URL).hostname };
}

export async function startNotificationService(config: NotificationConfig, log: Logger): Promise<RunningNotificationService> {
  const accounts = createAccountClient(config.ACCOUNT_ADDRESS, { deadlineMs: config.UPSTREAM_DEADLINE_MS });
  const shop = shopOf(config);
  let sender: MailSender | undefined;
  let unwatchPending: (() => void) | undefined;
  let handlers: MailHandlers | undefined;
  const running = await startService<NotificationDatabase>({
    config,
    log,
    migrations,
    build: (db) => {
      const repository = new MailRepository(db);
      unwatchPending = pendingSources.add(() => repository.pendingStats());
      const transport = smtpTransport({
        url: config.SMTP_URL,
        user: config.SMTP_USER,
        password: config.SMTP_PASSWORD,
        timeoutMs: config.SMTP_TIMEOUT_MS,
        maxConnections: config.SMTP_MAX_CONNECTIONS,
        from: { name: config.SHOP_NAME, address: config.MAIL_FROM },
      });
      const mailSender = startSender(
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
      sender = mailSender;
      const service = new NotificationService(repository, recipientDirectory(accounts), shop, () => mailSender.wake());
      handlers = mailHandlers(service);
      return [notificationServer(service)];
    },
    beforeClose: async () => {
      unwatchPending?.();
      await sender?.stop();
      accounts.close();
    },
  });
  if (handlers === undefined) {
    await running.stop();
    throw new Error('the service was not built');
  }
  return { ...running, handlers };
}

if (isEntryPoint(import.meta.url)) {
  const config = loadConfig(notificationConfigSchema);
  const log = createLogger('notification', config.LOG_LEVEL);
  runServiceProcess(config, log, () => withTracing('notification', log, () => startNotificationService(config, log)));
}
