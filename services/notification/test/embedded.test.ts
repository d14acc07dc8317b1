import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MailStatus } from '@emporium/contracts/emporium/notification/v1/notification.js';
import { parseConfig } from '@emporium/kit/config.js';
import { newId } from '@emporium/kit/ids.js';
import { eventually } from '@emporium/testkit/eventually.js';
import { startSmtpSink } from '@emporium/testkit/smtp-sink.js';
import { log } from '@emporium/testkit/stack.js';
import { createNotificationClient } from '../src/client.js';
import { notificationConfigSchema } from '../src/config.js';
import { startNotificationService } from '../src/main.js';

describe('notification service on embedded PGlite', () => {
  it('queues once per fact and delivers with the same SQL (SKIP LOCKED claims, starts_with filters)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emporium-notification-'));
    const sink = await startSmtpSink();
    try {
      sink.refuseNext(451, 1);
      const config = parseConfig(notificationConfigSchema, {
        PORT: '0',
        DATA_DIR: dir,
        SMTP_URL: sink.url,
        SMTP_RETRY_INITIAL_MS: '20',
        MAIL_POLL_INTERVAL_MS: '50',
      });
      const service = await startNotificationService(config, log);
      const client = createNotificationClient(service.address);
      try {
        const accountId = newId();
        const created = { accountId, name: 'Ada', email: 'ada@example.com' };
        const queue = () => service.database.db.transaction().execute((trx) => service.handlers.accountCreated(created, trx, newId()));
        expect(await queue()).toBe(true);
        expect(await queue()).toBe(false);
        const [message] = await sink.waitForMessages(1);
        expect(message?.subject).toBe('Welcome to Emporium');
        const { mails } = await eventually(
          () => client.listMails({ accountId: '', factPrefix: 'welcome:', pageSize: 10, pageToken: '' }),
          (page) => page.mails[0]?.status === MailStatus.MAIL_STATUS_SENT,
        );
        expect(mails).toMatchObject([{ fact: `welcome:${accountId}`, attempts: 2, messageId: `<welcome.${accountId}@127.0.0.1>` }]);
        expect(sink.messages.map((message) => message.messageId)).toEqual([`<welcome.${accountId}@127.0.0.1>`]);
      } finally {
        client.close();
        await service.stop();
      }
    } finally {
      await sink.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
