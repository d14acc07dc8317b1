import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirOwner } from '@emporium/kit/embedded.js';
import { createTestDatabase, type TestDatabase } from '@emporium/testkit/databases.js';
import { graphql } from '@emporium/testkit/graphql.js';
import { scrape } from '@emporium/testkit/metrics.js';
import { startOtlpReceiver } from '@emporium/testkit/otlp-receiver.js';
import { eventually } from '@emporium/testkit/eventually.js';
import { newStartSetup, printedCredentials, runNpm, type StartSetup } from '@emporium/testkit/npm-process.js';
import { startNatsServer } from '@emporium/testkit/nats.js';
import { z } from 'zod';

/*
 * `npm start`, `npm run seed` and `npm run reset` as a user runs them: the real command in its own
 * process group, on its own ports and data directory, stopped with Ctrl-C. The shop it starts is
 * used through the gateway over HTTP.
 */

const SERVICES = ['account', 'catalog', 'order', 'notification'] as const;
const MINUTE = 60_000;

/** The demo catalog's desk lamp costs 59.00 USD (scripts/demo-data.ts), written here again on purpose. */
const DESK_LAMP_PRICE_MINOR = 5_900;

/** An amount in cents as the gateway writes it ("118.00"), in integers only. */
const decimalOf = (minor: number) => `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;

/** The data of a request to the gateway at url; throws on any GraphQL error. */
async function dataOf(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<unknown> {
  const response = await graphql(url, query, { variables, token });
  if (response.errors !== undefined) throw new Error(JSON.stringify(response.errors));
  return response.data;
}

/** The metrics URLs the ready message prints: "  metrics   http://.../metrics  (service)", then one a line. */
function printedMetricsUrls(output: readonly string[]): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const line of output) {
    const match = /^\s+(?:metrics\s+)?(http:\/\/\S+\/metrics)\s+\((\w+)\)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) urls[match[2]] = match[1];
  }
  return urls;
}

/** The inbox URL the ready message prints: "  Inbox     http://.../  (...)". */
function printedInbox(output: readonly string[]): string {
  const url = output.map((line) => /^ {2}Inbox {5}(http:\/\/\S+)/.exec(line)?.[1]).find((found) => found !== undefined);
  if (url === undefined) throw new Error(`no inbox printed:\n${output.join('\n')}`);
  return url;
}

/** What the ready message says about events: "  events    ...". */
const eventsLines = (output: readonly string[]) => output.filter((line) => line.startsWith('  events    '));

const inboxSchema = z.array(z.looseObject({ subject: z.string(), to: z.array(z.looseObject({ address: z.string() })), text: z.string().optional() }));

/** The e-mails in the mail catcher's inbox, through its web inbox's API. */
async function inbox(url: string): Promise<z.infer<typeof inboxSchema>> {
  const response = await fetch(new URL('api/email', url));
  if (!response.ok) throw new Error(`the inbox answered ${response.status}`);
  return inboxSchema.parse(await response.json());
}

async function logIn(url: string, credentials: { email: string; password: string }): Promise<string> {
  const data = await dataOf(url, 'mutation($input: LogInInput!) { logIn(input: $input) { token } }', { input: credentials });
  return (data as { logIn: { token: string } }).logIn.token;
}

async function productCount(url: string): Promise<number> {
  return ((await dataOf(url, '{ products(first: 1) { totalCount } }')) as { products: { totalCount: number } }).products.totalCount;
}

/** Runs an npm script to its end; its exit code and output. */
async function npmRun(script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const run = runNpm(['run', script], env);
  const code = await run.exited;
  await run.gone();
  return { code, output: run.output.join('\n') };
}

/** Lines saying a service did not stop by itself: forced out by a second signal, a failed stop, or calls cut off. */
const forcedStops = (output: readonly string[]) => output.filter((line) => /second signal|failed to stop|did not finish/.test(line));

async function embeddedDirs(dataDir: string): Promise<string[]> {
  return (await readdir(dataDir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

const workDirs: string[] = [];
afterAll(async () => {
  await Promise.all(workDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function workDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'emporium-start-test-'));
  workDirs.push(dir);
  return join(dir, 'data');
}

describe('npm start on the embedded databases', () => {
  let dataDir: string;
  let setup: StartSetup;

  beforeAll(async () => {
    dataDir = await workDir();
    setup = await newStartSetup(dataDir);
  });

  it('starts a working shop with demo data, and stops every process cleanly on Ctrl-C', { timeout: 3 * MINUTE }, async () => {
    const running = runNpm(['start'], setup.env);
    try {
      const ready = await running.ready;
      expect(ready.demoProducts).toBe(50);
      expect(running.output).toContain(`  GraphiQL  http://127.0.0.1:${setup.env.GATEWAY_PORT}/graphiql`);
      // Every process's metrics URL is printed, and each serves the Prometheus text format.
      const metricsUrls = printedMetricsUrls(running.output);
      expect(metricsUrls).toEqual({
        account: `http://127.0.0.1:${setup.env.ACCOUNT_METRICS_PORT}/metrics`,
        catalog: `http://127.0.0.1:${setup.env.CATALOG_METRICS_PORT}/metrics`,
        order: `http://127.0.0.1:${setup.env.ORDER_METRICS_PORT}/metrics`,
        notification: `http://127.0.0.1:${setup.env.NOTIFICATION_METRICS_PORT}/metrics`,
        gateway: `http://127.0.0.1:${setup.env.GATEWAY_METRICS_PORT}/metrics`,
      });
      for (const url of Object.values(metricsUrls)) expect((await scrape(url)).get('process_cpu_user_seconds_total'), url).toBeGreaterThan(0);
      // The web shop (built by npm install) at the URL it prints.
      expect(running.output).toContain(`  Shop      http://127.0.0.1:${setup.env.GATEWAY_PORT}/`);
      const shop = await fetch(`${setup.gateway}/`);
      expect(shop.status).toBe(200);
      expect(await shop.text()).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js">/);
      expect(await productCount(setup.gateway)).toBe(50);

      // As a newcomer would: the printed customer logs in, finds a product and orders it.
      const token = await logIn(setup.gateway, printedCredentials(running.output, 'customer'));
      const found = (await dataOf(setup.gateway, '{ products(first: 1, query: "lamp") { nodes { id name price { amount } } } }')) as {
        products: { nodes: { id: string; name: string; price: { amount: string } }[] };
      };
      const lamp = found.products.nodes[0];
      expect(lamp?.name).toBe('Desk Lamp');
      const ordered = (await dataOf(
        setup.gateway,
        'mutation($input: CreateOrderInput!) { createOrder(input: $input) { status total { amount } } }',
        { input: { items: [{ productId: lamp?.id, quantity: 2 }] } },
        token,
      )) as { createOrder: { status: string; total: { amount: string } } };
      expect(ordered.createOrder.status).toBe('PLACED');
      expect(ordered.createOrder.total.amount).toBe(decimalOf(2 * DESK_LAMP_PRICE_MINOR));
      // nats-server is on this machine's PATH: the runner started one on its data directory and gave
      // the services its URL, so the order's confirmation reaches the printed inbox (MailDev).
      const [events, ...moreEvents] = eventsLines(running.output);
      expect(moreEvents).toEqual([]);
      expect(events).toMatch(/^ {2}events {4}nats:\/\/127\.0\.0\.1:\d+ {2}\(nats-server, JetStream in (.+)\)$/);
      expect(events).toContain(`JetStream in ${join(dataDir, 'nats')})`);
      const customer = printedCredentials(running.output, 'customer').email;
      const mails = await eventually(
        () => inbox(printedInbox(running.output)),
        (all) => all.some((mail) => mail.to.some((to) => to.address === customer) && /order/i.test(mail.subject)),
        60_000,
      );
      const confirmation = mails.find((mail) => mail.to.some((to) => to.address === customer) && /order/i.test(mail.subject));
      expect(confirmation?.text).toContain(decimalOf(2 * DESK_LAMP_PRICE_MINOR));
      // The printed administrator is one.
      const adminToken = await logIn(setup.gateway, printedCredentials(running.output, 'admin'));
      const accounts = (await dataOf(setup.gateway, '{ accounts(first: 10) { totalCount } }', {}, adminToken)) as { accounts: { totalCount: number } };
      expect(accounts.accounts.totalCount).toBe(2);

      // While it runs: seed puts the demo products back; reset refuses to wipe.
      const seeded = await npmRun('seed', setup.env);
      expect(seeded.code).toBe(0);
      expect(seeded.output).toContain('demo data loaded: 0 products created, 50 reset');
      const refused = await npmRun('reset', setup.env);
      expect(refused.code).toBe(1);
      expect(refused.output).toMatch(/service \(process \d+\) is still running: stop the platform first/);
    } finally {
      await running.stop();
    }
    // Every service stopped itself (concurrently reports 0 for anything after a Ctrl-C, so its
    // word is not taken): no forced exit, and each embedded database closed, releasing its lock.
    expect(forcedStops(running.output)).toEqual([]);
    for (const service of SERVICES) expect(existsSync(join(dataDir, service, 'emporium.lock'))).toBe(false);
    // Beside the services' data: the mail catcher's e-mails and the NATS server's JetStream store.
    expect(await embeddedDirs(dataDir)).toEqual(['account', 'catalog', 'gateway', 'mail', 'nats', 'notification', 'order']);
    expect(await readdir(join(dataDir, 'nats'))).toEqual(['jetstream']);
  });

  it('starts again on the same data without loading anything twice; one service dying stops them all', { timeout: 3 * MINUTE }, async () => {
    const running = runNpm(['start'], setup.env);
    try {
      expect((await running.ready).demoProducts).toBe(0);
      expect(await productCount(setup.gateway)).toBe(50);
      const catalog = dataDirOwner(join(dataDir, 'catalog'));
      // Never process.kill(0 or undefined): that would signal this test's own process group.
      if (catalog === undefined) throw new Error('the catalog service holds no lock on its data directory');
      process.kill(catalog, 'SIGKILL');
      expect(await running.exited).toBe(1);
      await running.gone();
      expect(running.output.join('\n')).toContain('catalog was killed by SIGKILL; the other services were stopped');
      // The others were stopped gracefully; the killed one's lock names a dead process, which the next start takes over.
      for (const service of ['account', 'order', 'notification']) expect(existsSync(join(dataDir, service, 'emporium.lock'))).toBe(false);
      expect(dataDirOwner(join(dataDir, 'catalog'))).toBeUndefined();
    } finally {
      await running.stop();
    }
  });

  it('npm run reset wipes the data once nothing runs', { timeout: MINUTE }, async () => {
    const reset = await npmRun('reset', setup.env);
    expect(reset.code).toBe(0);
    expect(reset.output).toContain(`removed ${dataDir}`);
    await expect(readdir(dataDir)).rejects.toThrow(/ENOENT/);
  });
});

describe('npm start with tracing', () => {
  it('passes the OTEL_* variables to every process: each exports its spans, SQL on PGlite included', { timeout: 3 * MINUTE }, async () => {
    const receiver = await startOtlpReceiver();
    const setup = await newStartSetup(await workDir(), {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const running = runNpm(['start'], setup.env);
    try {
      await running.ready;
      expect(await productCount(setup.gateway)).toBe(50);
      const services = await eventually(
        () => Promise.resolve(new Set(receiver.spans.map((span) => span.service))),
        (names) => ['account', 'catalog', 'order', 'notification', 'gateway'].every((name) => names.has(name)),
      );
      expect([...services].sort()).toEqual(['account', 'catalog', 'gateway', 'notification', 'order']);
      // The embedded databases' statements are spans too (the migrations and the demo data at least).
      for (const service of SERVICES) {
        expect(receiver.spans.some((span) => span.service === service && span.attributes['db.system'] === 'postgresql')).toBe(true);
      }
    } finally {
      await running.stop();
      await receiver.close();
    }
  });
});

describe('npm start configuration', () => {
  it('names a port that is taken and exits, starting nothing', { timeout: MINUTE }, async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const dataDir = await workDir();
      const setup = await newStartSetup(dataDir);
      const running = runNpm(['start'], { ...setup.env, ORDER_PORT: String(port) });
      expect(await running.exited).toBe(1);
      await running.gone();
      expect(running.output.join('\n')).toContain(`port ${port} (order) is already in use`);
      expect(running.output.join('\n')).toContain('set ORDER_PORT to a free port');
      await expect(readdir(dataDir)).rejects.toThrow(/ENOENT/);
    } finally {
      blocker.close();
    }
  });

  it('names a bad variable and exits', { timeout: MINUTE }, async () => {
    const setup = await newStartSetup(await workDir());
    const running = runNpm(['start'], { ...setup.env, CATALOG_DATABASE_URL: 'mysql://nope' });
    expect(await running.exited).toBe(1);
    await running.gone();
    expect(running.output.join('\n')).toMatch(/CATALOG_DATABASE_URL.*must be a postgres:\/\/ URL/);
  });
});

describe('npm start with an administrator of your own', () => {
  it('gives the gateway ADMIN_EMAIL and ADMIN_PASSWORD instead of its demo administrator, and prints the email only', { timeout: 3 * MINUTE }, async () => {
    const admin = { email: 'owner@shop.example', password: randomBytes(18).toString('base64url') };
    const setup = await newStartSetup(await workDir(), { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password });
    const running = runNpm(['start'], setup.env);
    try {
      await running.ready;
      expect(running.output).toContain(`  admin     ${admin.email}  (password: ADMIN_PASSWORD)`);
      expect(running.output.join('\n')).not.toContain(admin.password);
      const token = await logIn(setup.gateway, admin);
      const listed = (await dataOf(setup.gateway, '{ accounts(first: 10) { nodes { email role } } }', {}, token)) as {
        accounts: { nodes: { email: string; role: string }[] };
      };
      // The given administrator and the demo customer; no demo administrator beside them.
      expect(listed.accounts.nodes.map(({ email, role }) => `${email} ${role}`).sort()).toEqual([
        'customer@emporium.test CUSTOMER',
        `${admin.email} ADMIN`,
      ]);
    } finally {
      await running.stop();
    }
  });
});

describe('npm run seed with the platform stopped', () => {
  it('fails, saying so, and writes nothing', { timeout: MINUTE }, async () => {
    const dataDir = await workDir();
    const setup = await newStartSetup(dataDir);
    const seeded = await npmRun('seed', setup.env);
    expect(seeded.code).toBe(1);
    expect(seeded.output).toContain('seeding failed: the platform is not running');
    await expect(readdir(dataDir)).rejects.toThrow(/ENOENT/);
  });
});

describe('npm start on PostgreSQL', () => {
  const databases: TestDatabase[] = [];

  afterAll(async () => {
    await Promise.all(databases.map((database) => database.drop()));
  });

  it('runs each service on its own database when <SERVICE>_DATABASE_URL is set, and on the NATS server NATS_URL names', { timeout: 3 * MINUTE }, async () => {
    for (let i = 0; i < SERVICES.length; i++) databases.push(await createTestDatabase('emporium_start_test'));
    const urls = Object.fromEntries(SERVICES.map((service, i) => [`${service.toUpperCase()}_DATABASE_URL`, databases[i]?.url ?? '']));
    const dataDir = await workDir();
    const nats = await startNatsServer();
    const setup = await newStartSetup(dataDir, { ...urls, NATS_URL: nats.url });
    const running = runNpm(['start'], setup.env);
    try {
      expect((await running.ready).demoProducts).toBe(50);
      expect(await productCount(setup.gateway)).toBe(50);
      expect(eventsLines(running.output)).toEqual([`  events    ${nats.url}  (NATS_URL)`]);
      // The accounts created at start (the administrator, the demo customer) are welcomed through it.
      const customer = printedCredentials(running.output, 'customer').email;
      await eventually(
        () => inbox(printedInbox(running.output)),
        (all) => all.some((mail) => mail.to.some((to) => to.address === customer)),
        60_000,
      );
      // Stopped the way a process manager stops it: SIGTERM to npm alone, which passes it on.
      await running.stop(() => running.signalNpm('SIGTERM'));
      expect(forcedStops(running.output)).toEqual([]);
      for (const service of ['account', 'catalog', 'order', 'notification', 'gateway']) {
        expect(running.output.some((line) => line.startsWith(`[${service}`) && line.endsWith('exited with code 0'))).toBe(true);
      }
    } finally {
      await running.stop();
      await nats.stop();
    }
    // Only the gateway and the mail catcher keep files; each service's data is in its own
    // PostgreSQL database, the events in the given NATS server (the runner started none).
    expect(await embeddedDirs(dataDir)).toEqual(['gateway', 'mail']);
    const credentials = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as { customer: { email: string } };
    const rows = async (url: string, sql: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql)).rows as unknown[];
      } finally {
        await client.end();
      }
    };
    const [account, catalog, order] = databases.map((database) => database.url);
    expect(await rows(account ?? '', 'select email from account order by email')).toEqual(
      [{ email: 'admin@emporium.test' }, { email: credentials.customer.email }].sort((a, b) => a.email.localeCompare(b.email)),
    );
    expect(await rows(catalog ?? '', 'select count(*)::int as n from product')).toEqual([{ n: 50 }]);
    expect(await rows(order ?? '', "select count(*)::int as n from information_schema.tables where table_name = 'orders'")).toEqual([{ n: 1 }]);
  });
});

describe('npm start without a NATS server', () => {
  it('starts all the same, saying in one line that events wait in the outboxes and how to get a server', { timeout: 3 * MINUTE }, async () => {
    // This machine's PATH without the directories holding nats-server (node and npm stay).
    const path = (process.env.PATH ?? '')
      .split(':')
      .filter((dir) => dir !== '' && !existsSync(join(dir, 'nats-server')))
      .join(':');
    const dataDir = await workDir();
    const setup = await newStartSetup(dataDir, { PATH: path });
    const running = runNpm(['start'], setup.env);
    try {
      expect((await running.ready).demoProducts).toBe(50);
      // The runner's own lines (the services' are prefixed with their name).
      const said = running.output.filter((line) => /nats/i.test(line) && !line.startsWith('['));
      expect(said).toEqual(eventsLines(running.output));
      expect(said).toEqual([
        "  events    no NATS server: events wait in the services' outboxes, nothing is lost; they flow once one is there (apt-get install nats-server, or set NATS_URL, and start again)",
      ]);
      // The shop works: an order is placed (its events are kept in the order service's outbox).
      const token = await logIn(setup.gateway, printedCredentials(running.output, 'customer'));
      const found = (await dataOf(setup.gateway, '{ products(first: 1, query: "lamp") { nodes { id } } }')) as { products: { nodes: { id: string }[] } };
      const ordered = (await dataOf(
        setup.gateway,
        'mutation($input: CreateOrderInput!) { createOrder(input: $input) { status } }',
        { input: { items: [{ productId: found.products.nodes[0]?.id, quantity: 1 }] } },
        token,
      )) as { createOrder: { status: string } };
      expect(ordered.createOrder.status).toBe('PLACED');
      // The mail catcher runs all the same, and its inbox answers.
      expect(await inbox(printedInbox(running.output))).toEqual([]);
    } finally {
      await running.stop();
    }
    expect(forcedStops(running.output)).toEqual([]);
    expect(await embeddedDirs(dataDir)).not.toContain('nats');
  });
});
