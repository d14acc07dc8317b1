import { once } from 'node:events';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { concurrently, type CloseEvent } from 'concurrently';
import { ConfigError } from '@emporium/kit/config.js';
import { checkHealth } from '@emporium/kit/grpc-health.js';
import { seedDemoData } from './demo-seed.js';
import { NatsServerMissing, startLocalNats, type LocalNats } from './local-nats.js';
import { startMailCatcher, type MailCatcher } from './mail-catcher.js';
import { youngGenerationFlags } from './node-flags.js';
import {
  METRICS_PORT_VARIABLE,
  SERVICES,
  addressOf,
  demoCredentials,
  hasOwnAdministrator,
  metricsPortOf,
  metricsUrlOf,
  runnerConfig,
  portOf,
  type Credentials,
  type RunnerConfig,
  type ServiceName,
} from './runner-config.js';

// The runner of `npm start` (scripts/start.mjs bundles it and calls main): the whole platform on
// one machine — five processes talking real gRPC, each service on its own embedded database (or
// PostgreSQL when <SERVICE>_DATABASE_URL is set), their events through NATS — then demo data.
// Beside them, two supporting processes the runner owns: a NATS server with JetStream (unless
// NATS_URL names one, or none is installed: then the events wait in the outboxes) and a mail
// catcher with a web inbox (unless SMTP_URL names a mail server).

const READY_TIMEOUT_MS = 120_000;

/**
 * Stack traces point into the TypeScript source. WebAssembly (the embedded PostgreSQL) is compiled
 * by the baseline compiler only: optimizing it runs in the background exactly while four processes
 * start side by side on a laptop's cores, and what it buys (faster embedded queries once warm) a
 * local demo barely notices. Production runs on PostgreSQL and never sees this flag. On Node 20, a
 * young generation the size of newer Nodes' (node-flags.ts).
 */
const NODE_FLAGS = ['--enable-source-maps', '--liftoff-only', ...youngGenerationFlags()];

function fail(message: string): never {
  process.stderr.write(`\n${message}\n`);
  process.exit(1);
}

async function assertPortFree(service: ServiceName, port: number, variable = `${service.toUpperCase()}_PORT`): Promise<void> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(
      code === 'EADDRINUSE'
        ? `port ${port} (${service}) is already in use — is Emporium already running? Otherwise set ${variable} to a free port.`
        : `cannot listen on port ${port} (${service}): ${code ?? String(error)}; set ${variable} to another port.`,
    );
  } finally {
    server.close();
  }
}

/** Where the services' events and e-mails go, as the runner arranged it. */
interface Surroundings {
  /** The NATS server's URL; undefined: none, the events wait in the outboxes. */
  readonly natsUrl: string | undefined;
  /** The notification service's SMTP server, and the inbox to read it in (the mail catcher's). */
  readonly smtpUrl: string | undefined;
}

function childEnvironment(config: RunnerConfig, service: ServiceName, dataDir: string, surroundings: Surroundings): Record<string, string> {
  const admin = demoCredentials(config).admin;
  const databaseUrl = {
    account: config.ACCOUNT_DATABASE_URL,
    catalog: config.CATALOG_DATABASE_URL,
    order: config.ORDER_DATABASE_URL,
    notification: config.NOTIFICATION_DATABASE_URL,
    gateway: undefined,
  }[service];
  return {
    LOG_LEVEL: config.LOG_LEVEL,
    HOST: '127.0.0.1',
    PORT: String(portOf(config, service)),
    METRICS_PORT: String(metricsPortOf(config, service)),
    DATA_DIR: join(dataDir, service),
    // Empty means unset: a DATABASE_URL in the user's shell must not point every service at one database.
    DATABASE_URL: databaseUrl ?? '',
    STORE_CURRENCY: config.STORE_CURRENCY,
    ACCOUNT_ADDRESS: addressOf(config, 'account'),
    CATALOG_ADDRESS: addressOf(config, 'catalog'),
    ORDER_ADDRESS: addressOf(config, 'order'),
    // The user's own ADMIN_EMAIL / ADMIN_PASSWORD reach the gateway from this environment as they are.
    ...(service === 'gateway' && !hasOwnAdministrator(config) ? { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password } : {}),
    // The services that publish or consume events; empty means unset (relay off, events kept).
    // The EVENTS_* settings pass through from this environment as they are.
    ...(service === 'gateway' ? {} : { NATS_URL: surroundings.natsUrl ?? '' }),
    ...(service === 'notification' ? notificationEnvironment(config, surroundings) : {}),
    // The other OTEL_* variables pass through from this environment as they are; one name for
    // four processes would make their spans indistinguishable.
    OTEL_SERVICE_NAME: service,
  };
}

/**
 * The notification service's mail settings: the mail catcher's SMTP server (which wants no
 * credentials), or the user's SMTP_URL with their SMTP_USER / SMTP_PASSWORD / MAIL_FROM as they are;
 * links in its e-mails lead to this shop.
 */
function notificationEnvironment(config: RunnerConfig, surroundings: Surroundings): Record<string, string> {
  const shop = { SHOP_URL: process.env.SHOP_URL ?? `http://${addressOf(config, 'gateway')}` };
  if (config.SMTP_URL !== undefined || surroundings.smtpUrl === undefined) return shop;
  return { ...shop, SMTP_URL: surroundings.smtpUrl, SMTP_USER: '', SMTP_PASSWORD: '' };
}

async function isReady(config: RunnerConfig, service: ServiceName): Promise<boolean> {
  try {
    if (service !== 'gateway') return (await checkHealth(addressOf(config, service), '', 1_000)) === 'SERVING';
    const response = await fetch(`http://${addressOf(config, 'gateway')}/readyz`, { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function waitUntilReady(config: RunnerConfig, stopped: Promise<unknown>, mail: MailCatcher | undefined): Promise<void> {
  let exited = false;
  void stopped.finally(() => {
    exited = true;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const checks: [string, () => Promise<boolean>][] = SERVICES.map((service) => [service, () => isReady(config, service)]);
  if (mail !== undefined) checks.push(['the mail catcher', () => mail.ready()]);
  for (const [name, ready] of checks) {
    while (!(await ready())) {
      if (exited) fail('a service stopped while starting (see its output above).');
      if (Date.now() > deadline) fail(`${name} did not become ready within ${READY_TIMEOUT_MS / 1000} s.`);
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

/**
 * The NATS server the services use: NATS_URL's; else one of the runner's own when nats-server is
 * installed; else none (undefined).
 */
async function eventsServer(config: RunnerConfig, dataDir: string): Promise<LocalNats | string | undefined> {
  if (config.NATS_URL !== undefined) return config.NATS_URL;
  try {
    return await startLocalNats(dataDir);
  } catch (error) {
    if (error instanceof NatsServerMissing) return undefined;
    throw error;
  }
}

/** The one line saying where the events go. */
function eventsLine(nats: LocalNats | string | undefined): string {
  if (nats === undefined) {
    return "  events    no NATS server: events wait in the services' outboxes, nothing is lost; they flow once one is there (apt-get install nats-server, or set NATS_URL, and start again)";
  }
  if (typeof nats === 'string') return `  events    ${redactedUrl(nats)}  (NATS_URL)`;
  return `  events    ${nats.url}  (nats-server, JetStream in ${nats.storeDir})`;
}

/** A URL as it may be printed: without its password. */
function redactedUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== '') url.password = '***';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '(NATS_URL)';
  }
}

function describeExit(events: readonly CloseEvent[]): string {
  const first = [...events].sort((a, b) => a.timings.endDate.getTime() - b.timings.endDate.getTime())[0];
  if (!first) return 'the platform stopped';
  // concurrently gives a signal's name where a process did not exit by itself.
  const how = typeof first.exitCode === 'number' ? `exited with code ${first.exitCode}` : `was killed by ${first.exitCode}`;
  return `${first.command.name} ${how}; the other services were stopped`;
}

async function run(bundles: Readonly<Record<string, string>>): Promise<void> {
  let config: RunnerConfig;
  try {
    config = runnerConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  for (const service of SERVICES) await assertPortFree(service, portOf(config, service));
  for (const service of SERVICES) await assertPortFree(service, metricsPortOf(config, service), METRICS_PORT_VARIABLE[service]);
  const dataDir = resolve(config.EMPORIUM_DATA_DIR);
  const credentials = demoCredentials(config);
  // Once a stop has begun, a supporting process ending is no news. (concurrently handles these
  // signals too, passing them to the services, so listening changes nothing else.)
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stopping = true;
    });
  }
  // The supporting processes first: the relays find their NATS server as they start. Stopped after
  // the services (below), or with this process whatever ends it.
  const mail = config.SMTP_URL === undefined ? await startMailCatcher(dataDir) : undefined;
  const helpers: { stop(): Promise<void> }[] = mail === undefined ? [] : [mail];
  process.on('exit', () => {
    for (const helper of helpers) void helper.stop();
  });
  const nats = await eventsServer(config, dataDir);
  if (typeof nats === 'object') {
    helpers.push(nats);
    // Not the end of the shop: the services keep their events in their outboxes meanwhile.
    void nats.exited.then((code) => {
      if (!stopping) process.stderr.write(`\nnats-server exited (${code ?? 'signal'}; log: ${nats.logFile}); events wait in the outboxes until it is back\n`);
    });
  }
  void mail?.exited.then((code) => {
    if (!stopping) process.stderr.write(`\nthe mail catcher exited (${code ?? 'signal'}); e-mails wait in the notification service until it is back\n`);
  });
  const surroundings: Surroundings = { natsUrl: typeof nats === 'object' ? nats.url : nats, smtpUrl: mail?.smtpUrl };
  const { result } = concurrently(
    SERVICES.map((service) => ({
      name: service,
      // exec: the shell becomes the service, so signals reach it directly and its exit code is reported.
      command: `exec "${process.execPath}" ${NODE_FLAGS.join(' ')} "${bundleOf(bundles, service)}"`,
      env: childEnvironment(config, service, dataDir, surroundings),
    })),
    {
      prefix: 'name',
      padPrefix: true,
      prefixColors: ['cyan', 'magenta', 'yellow', 'blue', 'green'],
      // One service down means the shop is down: stop them all, and say which one went first.
      killOthersOn: ['failure', 'success'],
      killSignal: 'SIGTERM',
      killTimeout: 15_000,
    },
  );
  const servicesStopped = result.then(
    () => 0,
    (events: CloseEvent[]) => {
      const bySignal = events.every((event) => event.killed || event.exitCode === 0);
      if (!bySignal) process.stderr.write(`\n${describeExit(events)}\n`);
      return bySignal ? 0 : 1;
    },
  );
  // Then the supporting processes: the services' last events and e-mails still had them.
  const stopped = servicesStopped.then(async (code) => {
    stopping = true;
    await Promise.all(helpers.map((helper) => helper.stop()));
    return code;
  });

  await waitUntilReady(config, servicesStopped, mail);
  const seeded = await seedDemoData(config, credentials.customer, { reload: false });
  // From this process's start: what the user waited for, but for npm's own start before it.
  const seconds = (performance.now() / 1000).toFixed(1);
  const gateway = `http://${addressOf(config, 'gateway')}`;
  process.stdout.write(
    [
      '',
      `Emporium is ready (${seconds} s)${seeded.created > 0 ? `; loaded ${seeded.created} demo products` : ''}.`,
      '',
      `  Shop      ${gateway}/`,
      mail === undefined ? '  Inbox     none: e-mails go to SMTP_URL' : `  Inbox     ${mail.inboxUrl}  (every e-mail the shop sends)`,
      `  GraphQL   ${gateway}/graphql`,
      `  GraphiQL  ${gateway}/graphiql`,
      '',
      eventsLine(nats),
      '',
      ...SERVICES.map((service, index) => `  ${index === 0 ? 'metrics' : '       '}   ${metricsUrlOf(config, service)}  (${service})`),
      '',
      administratorLine(config, credentials.admin),
      `  customer  ${credentials.customer.email} / ${credentials.customer.password}`,
      '',
      `  data      ${dataDir}  (npm run reset wipes it; npm run seed reloads the demo data)`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  process.exit(await stopped);
}

/**
 * The administrator to log in as. A password the user chose is theirs, and terminals and CI logs
 * keep what is printed: only the generated demo password is shown.
 */
function administratorLine(config: RunnerConfig, demoAdmin: Credentials): string {
  if (!hasOwnAdministrator(config)) return `  admin     ${demoAdmin.email} / ${demoAdmin.password}`;
  return `  admin     ${config.ADMIN_EMAIL ?? '(ADMIN_EMAIL unset)'}  (password: ADMIN_PASSWORD)`;
}

function bundleOf(bundles: Readonly<Record<string, string>>, service: ServiceName): string {
  const bundle = bundles[service];
  if (bundle === undefined) fail(`no bundle of the ${service} service: run the platform with npm start (scripts/start.mjs)`);
  return bundle;
}

/** Run by scripts/start.mjs with each service's bundle. */
export function main(bundles: Readonly<Record<string, string>>): Promise<void> {
  return run(bundles).catch((error: unknown) => fail(`could not start: ${error instanceof Error ? error.message : String(error)}`));
}
