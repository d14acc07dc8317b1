import { afterAll, beforeAll } from 'vitest';
import type { Transaction } from 'kysely';
import { Role } from '@emporium/contracts/emporium/account/v1/account.js';
import type { Mail } from '@emporium/contracts/emporium/notification/v1/notification.js';
import { MailStatus } from '@emporium/contracts/emporium/notification/v1/notification.js';
import { createAccountClient, type AccountClient } from '@emporium/account/client.js';
import { parseConfig } from '@emporium/kit/config.js';
import { createTestDatabase, type TestDatabase } from '@emporium/testkit/databases.js';
import { eventually } from '@emporium/testkit/eventually.js';
import { startSmtpSink, type SmtpSink } from '@emporium/testkit/smtp-sink.js';
import { log, useServices, type ServiceStack } from '@emporium/testkit/stack.js';
import { uniqueEmail } from '@emporium/testkit/unique.js';
import { createNotificationClient, type NotificationClient } from '../src/client.js';
import { notificationConfigSchema } from '../src/config.js';
import { startNotificationService, type NotificationOptions, type RunningNotificationService } from '../src/main.js';
import type { NotificationDatabase } from '../src/tables.js';

type Env = Readonly<Record<string, string>>;

/** A service to ask: its address. */
export interface Dialable {
  readonly address: string;
}

export const SHOP_URL = 'https://shop.example';
export const SHOP_HOST = 'shop.example';

/** The notification service's test settings: quick retries and polls, so tests wait little. */
const TEST_ENV: Env = {
  PORT: '0',
  SHOP_NAME: 'Emporium Test',
  SHOP_URL,
  MAIL_FROM: 'shop@shop.example',
  SMTP_RETRY_INITIAL_MS: '20',
  SMTP_RETRY_MAX_MS: '200',
  MAIL_POLL_INTERVAL_MS: '50',
  SMTP_TIMEOUT_MS: '5000',
};

export interface NewAccount {
  readonly id: string;
  readonly name: string;
  readonly email: string;
}

/** The Account service (testkit's stack), an SMTP sink, and the notification service on its own database. */
export interface NotificationHarness {
  readonly services: ServiceStack;
  readonly sink: SmtpSink;
  /** The notification service's database. */
  readonly databaseUrl: string;
  readonly notification: RunningNotificationService;
  readonly client: NotificationClient;
  readonly accounts: AccountClient;
  newAccount(name?: string): Promise<NewAccount>;
  /** Runs fn in a transaction of the notification database, as the kit's consumer runs a handler. */
  inTransaction<T>(fn: (trx: Transaction<NotificationDatabase>) => Promise<T>): Promise<T>;
  /** Another notification service on the same database (its variables over the harness's); stopped after the tests. */
  startReplica(env?: Env): Promise<RunningNotificationService>;
  /** The mails of a fact (prefix) as the API lists them (of the harness's service, or of `via`). */
  mailsOf(factPrefix: string, via?: Dialable): Promise<Mail[]>;
  /** The fact's one mail once it is SENT or FAILED. */
  settled(fact: string, via?: Dialable): Promise<Mail>;
}

interface Started {
  readonly sink: SmtpSink;
  readonly database: TestDatabase;
  readonly notification: RunningNotificationService;
  readonly client: NotificationClient;
  readonly accounts: AccountClient;
  readonly replicas: RunningNotificationService[];
}

let sequence = 0;

/** env: the notification service's variables over the test settings; options: what it consumes. */
export function useNotificationHarness(env: Env = {}, options: NotificationOptions = {}): NotificationHarness {
  const services = useServices();
  let started: Started | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  const configOf = (database: TestDatabase, sink: SmtpSink, extra: Env) =>
    parseConfig(notificationConfigSchema, {
      ...TEST_ENV,
      DATABASE_URL: database.url,
      ACCOUNT_ADDRESS: services.account.address,
      SMTP_URL: sink.url,
      ...env,
      ...extra,
    });

  beforeAll(async () => {
    // Each piece is cleaned up even when a later one fails to start.
    const sink = await startSmtpSink();
    cleanups.push(() => sink.close());
    const database = await createTestDatabase('emporium_notification');
    cleanups.push(() => database.drop());
    const notification = await startNotificationService(configOf(database, sink, {}), log, options);
    cleanups.push(() => notification.stop());
    const client = createNotificationClient(notification.address);
    const accounts = createAccountClient(services.account.address);
    cleanups.push(() => Promise.resolve().then(() => {
      client.close();
      accounts.close();
    }));
    started = { sink, database, notification, client, accounts, replicas: [] };
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const get = () => {
    if (started === undefined) throw new Error('the harness is not started: use it inside a test or a hook');
    return started;
  };
  const mailsOf = async (factPrefix: string, via?: Dialable) => {
    const request = { accountId: '', factPrefix, pageSize: 100, pageToken: '' };
    if (via === undefined) return (await get().client.listMails(request)).mails;
    const client = createNotificationClient(via.address);
    try {
      return (await client.listMails(request)).mails;
    } finally {
      client.close();
    }
  };

  return {
    services,
    get sink() {
      return get().sink;
    },
    get databaseUrl() {
      return get().database.url;
    },
    get notification() {
      return get().notification;
    },
    get client() {
      return get().client;
    },
    get accounts() {
      return get().accounts;
    },
    newAccount: async (name = `Buyer ${sequence++}`) => {
      const email = uniqueEmail('buyer');
      const { account } = await get().accounts.createAccount({ name, email, password: 'long enough password', role: Role.ROLE_CUSTOMER });
      if (!account) throw new Error('no account');
      return { id: account.id, name, email };
    },
    inTransaction: (fn) => get().notification.database.db.transaction().execute(fn),
    startReplica: async (extra = {}) => {
      const { database, sink } = get();
      const replica = await startNotificationService(configOf(database, sink, extra), log, options);
      cleanups.push(() => replica.stop());
      return replica;
    },
    mailsOf,
    settled: async (fact, via) => {
      const [mail] = await eventually(
        () => mailsOf(fact, via),
        (mails) => mails.length === 1 && mails[0]?.status !== MailStatus.MAIL_STATUS_PENDING,
      );
      if (!mail) throw new Error(`no mail for ${fact}`);
      return mail;
    },
  };
}
