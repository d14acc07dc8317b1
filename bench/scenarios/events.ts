import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueNamespace } from '@emporium/testkit/nats.js';
import { startSmtpSink, type SmtpSink } from '@emporium/testkit/smtp-sink.js';
import { createBenchDatabase, createBenchDatabases, type BenchDatabases } from '../data/databases.js';
import { CUSTOMER_PASSWORD, customerEmail, KIND, seededIds, type DataSet } from '../data/seed.js';
import { runPacedLoad } from '../load/fixed-rate.js';
import { hasStandardSettings, type BenchOptions } from '../options.js';
import { readProfileSummary, renderProfileSummary } from '../report/cpu-profile.js';
import {
  EVENTS_BASELINE,
  EVENTS_ON,
  eventsVerdict,
  mailLatency,
  placedOrderId,
  renderEventsMarkdown,
  summarizeOutboxCost,
  type AcceptedMail,
  type EventsResults,
  type MailPhase,
  type OutboxSample,
  type PlacedOrder,
} from '../report/events-results.js';
import { log } from '../report/progress-log.js';
import type { CheckResult } from '../report/results.js';
import { cpuPerRequest, STACK_PROCESSES } from '../report/tracing-results.js';
import { builtCheckout } from '../targets/baseline-checkout.js';
import { backendCpuBetween, backendCpuSeconds } from '../targets/database-cpu.js';
import { readMainThreadCpuSeconds, type ManagedProcess } from '../targets/managed-process.js';
import { startBenchNats, type BenchNats } from '../targets/nats.js';
import { graphqlUrlOf, startGateway, startNotification, startServices, type Launch, type PlatformProcess } from '../targets/platform.js';
import { logIn, seedDatabases } from './fixtures.js';
import { orderRequests } from './order.js';
import { roundOrder } from './tracing.js';

// Scenario 8, events (bench/README.md, "Events cost"): what issue 25's events cost createOrder in
// CPU per request, and how long an order's confirmation mail takes. Three stacks (gateway,
// account, catalog, order), each on its own seeded databases, all running at once, loaded in turn
// at a fixed createOrder rate as the tracing scenario does (busy, below what a stack serves; a
// different stack first each round; new processes every round):
//   pre-events  the platform at the commit before the event backbone (built in a checkout of its own)
//   relay-off   this commit without NATS_URL: every event written to the outbox, none published
//   events      this commit with NATS_URL: written and relayed to a nats-server the bench starts
// Then the events stack again, on new processes and a fresh namespace, with the notification
// service on its own database and an SMTP sink in the harness: a fixed rate of orders, and the time
// from each createOrder's answer to the sink's acceptance of that order's confirmation.

/** The last commit before the event backbone (8b83235): the platform without events. */
export const PRE_EVENTS_COMMIT = '61fa178';

/** Small and quick to seed: a request's cost hardly depends on the table sizes (as the tracing scenario). */
const DATA: DataSet = { seed: 7, products: 10_000, accounts: 1_000, orders: 10_000, hotProducts: 1, hotStock: 100 };
const CUSTOMERS = 4;
const ADMIN = { email: 'admin@events.bench.emporium.test', password: 'bench lamp 7c1f orbit' };
/** How long the mail phase waits, after its load, for the last confirmations. */
const MAIL_DRAIN_MS = 60_000;

export interface EventsStackKind {
  readonly name: string;
  readonly what: string;
  /** Runs the checkout of PRE_EVENTS_COMMIT instead of this one. */
  readonly preEvents: boolean;
  /** Connects to NATS (the relay runs). */
  readonly nats: boolean;
}

export const EVENTS_STACKS: readonly EventsStackKind[] = [
  { name: EVENTS_BASELINE, what: `the platform before the event backbone (${PRE_EVENTS_COMMIT}): no outbox`, preEvents: true, nats: false },
  { name: 'relay-off', what: 'this commit, NATS_URL unset: every event written to the outbox in its transaction, none published', preEvents: false, nats: false },
  { name: EVENTS_ON, what: 'this commit, NATS_URL set: events written and relayed (NOTIFY-woken) to JetStream on a nats-server of the run', preEvents: false, nats: true },
];

export const EVENTS_KIND = {
  name: 'createOrder',
  what:
    'createOrder of 2 products × 1–3 with an idempotency key, the saga gateway → order → account + catalog; with events, ' +
    'a ProductChanged per reserved product in the catalog and an OrderPlaced in the order service, each in its transaction',
} as const;

interface Stack {
  readonly kind: EventsStackKind;
  readonly root: string;
  readonly namespace: string;
  readonly databases: BenchDatabases;
  readonly processes: Readonly<Record<PlatformProcess, ManagedProcess>>;
  readonly accountAddress: string;
  readonly url: string;
  readonly productIds: readonly string[];
  readonly tokens: readonly string[];
}

interface StackContext {
  readonly options: BenchOptions;
  readonly nats: BenchNats;
  readonly scratch: string;
  readonly profileDir: string;
  readonly all: ManagedProcess[];
}

async function startStack(
  kind: EventsStackKind,
  root: string,
  databases: BenchDatabases,
  context: StackContext,
  settings: { seed: boolean; namespace: string },
): Promise<Stack> {
  const { options } = context;
  const profiled = (service: PlatformProcess) => options.cpuProf.includes(service);
  const launch: Launch = {
    root,
    nameOf: (service) => `${kind.name}/${service}`,
    nodeFlagsOf: (service) =>
      profiled(service) ? ['--cpu-prof', `--cpu-prof-dir=${context.profileDir}`, `--cpu-prof-name=events-${kind.name}-${service}.cpuprofile`] : [],
    // The reconciler's passes would add CPU no request asked for; tracing off in every stack.
    env: {
      RECONCILE_INTERVAL_MS: '0',
      OTEL_SDK_DISABLED: 'true',
      ...(kind.nats ? { NATS_URL: context.nats.url, EVENTS_NAMESPACE: settings.namespace } : {}),
    },
    started: context.all,
  };
  const services = await startServices(launch, databases);
  if (settings.seed) await seedDatabases(DATA, databases, services.accountAddress);
  const gateway = startGateway(launch, services, { jwtSecret: randomBytes(32).toString('base64url'), admin: ADMIN, dataDir: join(context.scratch, kind.name) });
  const url = await graphqlUrlOf(gateway);
  const tokens: string[] = [];
  for (let n = 1; n <= CUSTOMERS; n++) tokens.push(await logIn(url, customerEmail(n), CUSTOMER_PASSWORD));
  const productIds = await seededIds(databases.catalog, KIND.product, 1, DATA.products);
  const { account, catalog, order } = services;
  return {
    kind,
    root,
    namespace: settings.namespace,
    databases,
    processes: { gateway, account, catalog, order },
    accountAddress: services.accountAddress,
    url,
    productIds,
    tokens,
  };
}

async function stopStack(stack: Stack): Promise<void> {
  await Promise.all(STACK_PROCESSES.map((name) => stack.processes[name].stop()));
}

/** The same stack on new processes (same databases, not seeded again), in the namespace given. */
async function restartStack(stack: Stack, context: StackContext, namespace = stack.namespace): Promise<Stack> {
  await stopStack(stack);
  return startStack(stack.kind, stack.root, stack.databases, context, { seed: false, namespace });
}

const cpuOf = (processes: Readonly<Record<string, ManagedProcess>>) =>
  Object.fromEntries(Object.entries(processes).map(([name, managed]) => [name, managed.cpuSeconds() ?? Number.NaN]));
const mainThreadCpuOf = (processes: Readonly<Record<string, ManagedProcess>>) =>
  Object.fromEntries(Object.entries(processes).map(([name, managed]) => [name, readMainThreadCpuSeconds(managed.pid) ?? Number.NaN]));
const msBetween = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(Object.keys(after).map((name) => [name, Math.round(((after[name] ?? Number.NaN) - (before[name] ?? Number.NaN)) * 1000)]));
const databaseUrls = (databases: BenchDatabases) => [databases.account, databases.catalog, databases.order];

function requestsOf(stack: Stack, round: number) {
  // The same seed for every stack in a round: each gets the very same requests.
  return orderRequests(8_000 + round, stack.productIds, stack.tokens, `events-${stack.kind.name}-${round}-${Date.now().toString(36)}`);
}

async function measure(stack: Stack, context: StackContext, round: number, rate: number, seconds: number): Promise<OutboxSample> {
  const nats = { nats: context.nats.process };
  const before = cpuOf(stack.processes);
  const mainBefore = mainThreadCpuOf(stack.processes);
  const natsBefore = cpuOf(nats);
  const postgresBefore = await backendCpuSeconds(databaseUrls(stack.databases));
  const result = await runPacedLoad({ url: stack.url, rate, seconds, next: requestsOf(stack, round) });
  const postgresMs = Math.round(backendCpuBetween(postgresBefore, await backendCpuSeconds(databaseUrls(stack.databases))) * 1000);
  const natsMs = msBetween(natsBefore, cpuOf(nats)).nats ?? Number.NaN;
  return {
    round,
    kind: EVENTS_KIND.name,
    mode: stack.kind.name,
    result,
    cpuMs: msBetween(before, cpuOf(stack.processes)),
    mainThreadCpuMs: msBetween(mainBefore, mainThreadCpuOf(stack.processes)),
    // nats-server serves only the events stack: its CPU during another stack's load is idle time.
    besideMs: { postgres: postgresMs, ...(stack.kind.nats ? { nats: natsMs } : {}) },
  };
}

async function warmUp(stacks: readonly Stack[], context: StackContext, rate: number, seconds: number): Promise<void> {
  for (const stack of stacks) await measure(stack, context, 0, rate, seconds);
}

/** Notes the time the sink accepts each message (its waiters resolve in the tick it accepts). */
export function stampMails(sink: SmtpSink): AcceptedMail[] {
  const accepted: AcceptedMail[] = [];
  void (async () => {
    for (let n = 1; ; n++) {
      const messages = await sink.waitForMessages(n);
      const message = messages[n - 1];
      accepted.push({ acceptedAt: performance.now(), text: `${message?.messageId ?? ''} ${message?.subject ?? ''}` });
    }
  })();
  return accepted;
}

/** Waits until every placed order has a mail, or the deadline passes. */
async function drainMails(orders: readonly PlacedOrder[], mails: readonly AcceptedMail[], deadlineMs: number): Promise<void> {
  const until = performance.now() + deadlineMs;
  while (performance.now() < until) {
    const summary = mailLatency(orders, mails);
    if (summary.mailed >= summary.placed) return;
    await new Promise((done) => setTimeout(done, 100));
  }
}

/**
 * The mail phase: the events stack on new processes in a fresh namespace (its streams hold only
 * this phase's events), the notification service consuming them, a warm-up, then the measured load.
 */
async function runMailPhase(stack: Stack, context: StackContext, checks: CheckResult[]): Promise<{ phase: MailPhase; stack: Stack }> {
  const { options } = context;
  const rate = options.eventsMailRate;
  const seconds = options.eventsMailSeconds;
  const namespace = uniqueNamespace('bench-mail');
  const fresh = await restartStack(stack, context, namespace);
  const sink = await startSmtpSink();
  const database = await createBenchDatabase('notification');
  const mails = stampMails(sink);
  try {
    const notification = await startNotification(
      { root: fresh.root, nameOf: (service) => service, nodeFlagsOf: () => [], env: {}, started: context.all },
      {
        name: `${EVENTS_ON}/notification`,
        env: {
          DATABASE_URL: database.url,
          ACCOUNT_ADDRESS: fresh.accountAddress,
          NATS_URL: context.nats.url,
          EVENTS_NAMESPACE: namespace,
          SMTP_URL: sink.url,
          OTEL_SDK_DISABLED: 'true',
        },
      },
    );
    // Warm-up: its orders' mails are not measured (their ids are not among the measured orders').
    const warmupOrders: PlacedOrder[] = [];
    const warmupSeconds = Math.min(options.eventsWarmupSeconds, 10);
    await runPacedLoad({
      url: fresh.url,
      rate,
      seconds: warmupSeconds,
      next: requestsOf(fresh, 100),
      onAnswer: ({ body, answeredAt }) => warmupOrders.push({ orderId: placedOrderId(body), answeredAt }),
    });
    await drainMails(warmupOrders, mails, MAIL_DRAIN_MS);
    log(`  mail warm-up: ${mailLatency(warmupOrders, mails).mailed}/${warmupOrders.length} orders mailed`);

    const processes = { ...fresh.processes, notification, nats: context.nats.process };
    const before = cpuOf(processes);
    const urls = [...databaseUrls(fresh.databases), database.url];
    const postgresBefore = await backendCpuSeconds(urls);
    const orders: PlacedOrder[] = [];
    const result = await runPacedLoad({
      url: fresh.url,
      rate,
      seconds,
      next: requestsOf(fresh, 101),
      onAnswer: ({ body, answeredAt }) => orders.push({ orderId: placedOrderId(body), answeredAt }),
    });
    await drainMails(orders, mails, MAIL_DRAIN_MS);
    const cpuMs: Record<string, number> = { ...msBetween(before, cpuOf(processes)), postgres: Math.round(backendCpuBetween(postgresBefore, await backendCpuSeconds(urls)) * 1000) };
    const mail = mailLatency(orders, mails);
    if (mail.mailed < mail.placed) {
      log(`  ${mail.placed - mail.mailed} orders without a mail; the notification service's last lines:\n${notification.recentOutput().slice(-15).join('\n')}`);
    }
    const perOrder = Object.fromEntries(Object.entries(cpuMs).map(([name, ms]) => [name, ms / Math.max(mail.placed, 1)]));
    log(
      `  mail phase: ${mail.mailed}/${mail.placed} orders mailed, p50 ${mail.latencyMs.p50.toFixed(1)} ms, p99 ${mail.latencyMs.p99.toFixed(1)} ms, ` +
        `max ${mail.latencyMs.max.toFixed(1)} ms; createOrder p50 ${result.latencyMs.p50.toFixed(1)} ms`,
    );
    checks.push(
      {
        name: 'events mail: every order placed',
        passed: result.ok === result.requests && mail.placed === result.requests,
        detail: `${mail.placed} placed of ${result.requests} sent${Object.keys(result.errors).length > 0 ? ` ${JSON.stringify(result.errors)}` : ''}`,
      },
      {
        name: 'events mail: one confirmation per placed order',
        passed: mail.mailed === mail.placed && mail.duplicated === 0,
        detail: `${mail.mailed} of ${mail.placed} mailed within ${MAIL_DRAIN_MS / 1000} s of the load's end, ${mail.duplicated} more than once`,
      },
    );
    return { phase: { rate, seconds, result, mail, cpuMsPerOrder: perOrder }, stack: fresh };
  } finally {
    await sink.close();
    // The notification process is in context.all (stopped by the caller) but its database goes once it is.
    await Promise.all(context.all.filter((managed) => managed.name === `${EVENTS_ON}/notification`).map((managed) => managed.stop()));
    await database.drop();
  }
}

export interface EventsRun {
  readonly results: EventsResults;
  readonly files: readonly string[];
}

/**
 * Runs the events scenario and writes bench/results/<date>-events.{json,md} (bench/results/tmp/ for
 * a quick or partial-settings run). git is the caller's description of the checkout.
 */
export async function runEventsScenario(root: string, options: BenchOptions, argv: readonly string[], git: { commit: string; dirty: boolean }): Promise<EventsRun> {
  const startedAt = new Date();
  // A CPU profile covers one process's life: with --cpu-prof the stacks keep theirs all run. The
  // quick run keeps them too, to finish in under two minutes.
  const restartEachRound = options.cpuProf.length === 0 && options.mode === 'full';
  const loadAverageBefore = loadavg().map((value) => Math.round(value * 100) / 100);
  const seconds = options.runSeconds;
  const warmupSeconds = options.eventsWarmupSeconds;
  const rate = options.eventsOrderRate;
  const resultsDir = join(root, 'bench', 'results');
  const profileDir = join(resultsDir, 'tmp', 'profiles');
  if (options.cpuProf.length > 0) {
    await mkdir(profileDir, { recursive: true });
    for (const name of await readdir(profileDir)) if (name.startsWith('events-')) await rm(join(profileDir, name));
  }
  const preEvents = await builtCheckout(root, PRE_EVENTS_COMMIT);
  const all: ManagedProcess[] = [];
  const owned: BenchDatabases[] = [];
  const scratch = await mkdtemp(join(tmpdir(), 'emporium-events-'));
  const samples: OutboxSample[] = [];
  const checks: CheckResult[] = [];
  let mailPhase: MailPhase | undefined;
  let loadsStartedAt: number | undefined;
  try {
    const nats = await startBenchNats(scratch, all);
    const context: StackContext = { options, nats, scratch, profileDir, all };
    log(`scenario 8 (events): starting ${EVENTS_STACKS.length} stacks (${EVENTS_STACKS.map((kind) => kind.name).join(', ')}); NATS at ${nats.url}`);
    const stacks: Stack[] = [];
    for (const kind of EVENTS_STACKS) {
      const databases = await createBenchDatabases(options.databaseSettings);
      owned.push(databases);
      stacks.push(await startStack(kind, kind.preEvents ? preEvents.dir : root, databases, context, { seed: true, namespace: uniqueNamespace('bench-events') }));
    }
    log(`  warming up: ${warmupSeconds} s on each stack at ${rate} createOrders a second`);
    await warmUp(stacks, context, rate, warmupSeconds);
    loadsStartedAt = performance.now();
    for (let round = 1; round <= options.eventsRounds; round++) {
      if (round > 1 && restartEachRound) {
        for (const [index, stack] of stacks.entries()) stacks[index] = await restartStack(stack, context);
        await warmUp(stacks, context, rate, warmupSeconds);
      }
      for (const stack of roundOrder(stacks, round)) {
        const sample = await measure(stack, context, round, rate, seconds);
        samples.push(sample);
        log(
          `  round ${round} ${stack.kind.name.padEnd(10)} ${sample.result.ok}/${sample.result.requests} ok, ${cpuPerRequest(sample).toFixed(3)} ms CPU a request ` +
            `(${STACK_PROCESSES.map((name) => `${name} ${((sample.cpuMs[name] ?? 0) / sample.result.requests).toFixed(3)}`).join(', ')}; ` +
            `${Object.entries(sample.besideMs).map(([name, ms]) => `${name} ${(ms / sample.result.requests).toFixed(3)}`).join(', ')}), ` +
            `p50 ${sample.result.latencyMs.p50.toFixed(1)} ms, p99 ${sample.result.latencyMs.p99.toFixed(1)} ms, load ${loadavg()[0]?.toFixed(2) ?? '?'}`,
        );
      }
    }
    if (options.eventsMail) {
      // The other stacks are done: only the events stack and the notification service run now.
      for (const stack of stacks) if (stack.kind.name !== EVENTS_ON) await stopStack(stack);
      const on = stacks.find((stack) => stack.kind.name === EVENTS_ON);
      if (on === undefined) throw new Error('no events stack');
      log(`  mail phase: ${options.eventsMailRate} orders a second for ${options.eventsMailSeconds} s, with the notification service and an SMTP sink`);
      mailPhase = (await runMailPhase(on, context, checks)).phase;
    }
  } finally {
    await Promise.all(all.map((managed) => managed.stop()));
    await Promise.all(owned.map((databases) => databases.drop()));
    await rm(scratch, { recursive: true, force: true });
  }

  const kind = { ...EVENTS_KIND, rate };
  const cost = summarizeOutboxCost(samples, kind, EVENTS_STACKS.map((stack) => stack.name));
  const failures = cost.ours.filter((row) => row.ok !== row.requests);
  checks.unshift({
    name: 'events createOrder: every request answered',
    passed: failures.length === 0,
    detail: failures.length === 0 ? 'all OK' : failures.map((row) => `${row.mode}: ${row.ok}/${row.requests} ok ${JSON.stringify(row.errors)}`).join('; '),
  });
  const date = startedAt.toISOString().slice(0, 19).replace(/:/g, '-');
  const results: EventsResults = {
    date,
    settings: { rounds: options.eventsRounds, seconds, warmupSeconds, restartEachRound, data: DATA, argv },
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
      loadAverageBefore,
      loadAverageAfter: loadavg().map((value) => Math.round(value * 100) / 100),
    },
    git,
    stacks: EVENTS_STACKS.map((stack) => ({ name: stack.name, what: stack.what, commit: stack.preEvents ? preEvents.commit : git.commit })),
    kind,
    cost,
    ...(mailPhase === undefined ? {} : { mailPhase }),
    checks,
    samples,
  };
  const official = options.mode === 'full' && hasStandardSettings(argv);
  const dir = official ? resultsDir : join(resultsDir, 'tmp');
  await mkdir(dir, { recursive: true });
  const base = join(dir, `${date}-events`);
  const markdown = renderEventsMarkdown(results);
  await writeFile(`${base}.json`, `${JSON.stringify(results, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2)}\n`);
  await writeFile(`${base}.md`, markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`wrote ${base}.json and .md`);
  for (const line of eventsVerdict(results)) log(line);
  for (const file of (await readdir(profileDir).catch(() => [])).filter((name) => name.startsWith('events-') && name.endsWith('.cpuprofile'))) {
    // Start-up, seeding, log-ins and the first warm-up left out.
    const name = file.slice('events-'.length, -'.cpuprofile'.length);
    const started = all.find((managed) => managed.name.replace('/', '-') === name)?.startedAt;
    const skipMs = loadsStartedAt !== undefined && started !== undefined ? Math.max(loadsStartedAt - started, 0) : 0;
    const text = renderProfileSummary(name, await readProfileSummary(join(profileDir, file), { top: 30, skipMs }));
    await writeFile(join(profileDir, `events-${name}-summary.txt`), text);
    process.stdout.write(`\n${text}\n`);
  }
  return { results, files: [`${base}.json`, `${base}.md`] };
}
