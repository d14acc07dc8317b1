import type { DataSet } from '../data/seed.js';
import type { PacedRunResult } from '../load/fixed-rate.js';
import { summarizeLatencies, type LatencySummary } from '../load/stats.js';
import type { CheckResult } from './results.js';
import { STACK_PROCESSES, summarizeTracing, type Spread, type TracingRow, type TracingSample } from './tracing-results.js';

// The events scenario's results (bench/README.md, "Events cost"): what the outbox costs createOrder
// in CPU per request, and the time from an order's answer to its confirmation mail's acceptance
// by SMTP; and the Markdown file bench/results/<date>-events.md. Pure: bench/test checks it.

/** The stack every other is compared with: the platform before events. */
export const EVENTS_BASELINE = 'pre-events';
/** The stack with events on, whose ratio to the baseline is the verdict. */
export const EVENTS_ON = 'events';
/** The aim of issue 25: the outbox costs createOrder under 10% of its CPU per request. */
export const OUTBOX_COST_AIM = 1.1;

/** One createOrder load on one stack, as the tracing scenario's samples, plus what runs beside our processes. */
export interface OutboxSample extends TracingSample {
  /** CPU ms of the PostgreSQL backends serving the stack's databases, and of nats-server (events stack only). */
  readonly besideMs: Readonly<Record<string, number>>;
}

export interface OutboxCostSummary {
  /** Over our four processes (gateway, account, catalog, order): the verdict's figures. */
  readonly ours: readonly TracingRow[];
  /** Our processes plus PostgreSQL's backends and nats-server: what the machine spent. */
  readonly all: readonly TracingRow[];
}

const withBeside = (sample: OutboxSample): TracingSample => ({ ...sample, cpuMs: { ...sample.cpuMs, ...sample.besideMs } });

/** Per stack: CPU per request and each round's ratio to the baseline, over our processes and over everything. */
export function summarizeOutboxCost(samples: readonly OutboxSample[], kind: { name: string; what: string; rate: number }, stacks: readonly string[]): OutboxCostSummary {
  const ours = summarizeTracing(samples, [kind], stacks, EVENTS_BASELINE)[0]?.rows ?? [];
  const all = summarizeTracing(samples.map(withBeside), [kind], stacks, EVENTS_BASELINE)[0]?.rows ?? [];
  return { ours, all };
}

/** An answered createOrder of the mail load: its order's id (undefined when it failed) and when the answer came. */
export interface PlacedOrder {
  readonly orderId: string | undefined;
  readonly answeredAt: number;
}

/** A mail the SMTP sink accepted: when, and the text it is told apart by (Message-ID, subject). */
export interface AcceptedMail {
  readonly acceptedAt: number;
  readonly text: string;
}

export interface MailLatency {
  /** Orders placed by the measured load (answered OK with an id). */
  readonly placed: number;
  /** Of them, those whose confirmation mail the sink accepted. */
  readonly mailed: number;
  /** Placed orders with more than one mail. */
  readonly duplicated: number;
  /** Order answered → mail accepted, ms, over the mailed orders (their first mail). */
  readonly latencyMs: LatencySummary;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** The id of the order a createOrder answer placed, or undefined (an error, or not PLACED). */
export function placedOrderId(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('data' in parsed)) return undefined;
  const data: unknown = parsed.data;
  if (typeof data !== 'object' || data === null || !('createOrder' in data)) return undefined;
  const order: unknown = data.createOrder;
  if (typeof order !== 'object' || order === null || !('id' in order) || !('status' in order)) return undefined;
  return typeof order.id === 'string' && order.status === 'PLACED' ? order.id.toLowerCase() : undefined;
}

/**
 * Pairs each placed order with the mails naming its id (in the Message-ID or the subject), and
 * gives the time from the order's answer to its first mail's acceptance. A mail may come before
 * the harness reads the answer (the event commits with the order): such a latency is negative.
 */
export function mailLatency(orders: readonly PlacedOrder[], mails: readonly AcceptedMail[]): MailLatency {
  const mailsOf = new Map<string, number[]>();
  for (const mail of mails) {
    for (const id of new Set(mail.text.toLowerCase().match(UUID) ?? [])) {
      const times = mailsOf.get(id) ?? [];
      times.push(mail.acceptedAt);
      mailsOf.set(id, times);
    }
  }
  const latencies: number[] = [];
  let placed = 0;
  let duplicated = 0;
  for (const order of orders) {
    if (order.orderId === undefined) continue;
    placed++;
    const times = mailsOf.get(order.orderId);
    if (times === undefined) continue;
    if (times.length > 1) duplicated++;
    latencies.push(Math.min(...times) - order.answeredAt);
  }
  return { placed, mailed: latencies.length, duplicated, latencyMs: summarizeLatencies(latencies) };
}

export interface MailPhase {
  /** createOrders a second of the mail load, and for how long. */
  readonly rate: number;
  readonly seconds: number;
  readonly result: PacedRunResult;
  readonly mail: MailLatency;
  /** CPU ms per placed order of each process during the load and until the last mail (notification, nats-server, postgres included). */
  readonly cpuMsPerOrder: Readonly<Record<string, number>>;
}

export interface EventsResults {
  readonly date: string;
  readonly settings: {
    readonly rounds: number;
    readonly seconds: number;
    readonly warmupSeconds: number;
    readonly restartEachRound: boolean;
    readonly data: DataSet;
    readonly argv: readonly string[];
  };
  readonly machine: { readonly cpus: number; readonly model: string; readonly node: string; readonly loadAverageBefore: number[]; readonly loadAverageAfter: number[] };
  readonly git: { readonly commit: string; readonly dirty: boolean };
  readonly stacks: readonly { readonly name: string; readonly what: string; readonly commit: string }[];
  readonly kind: { readonly name: string; readonly what: string; readonly rate: number };
  readonly cost: OutboxCostSummary;
  readonly mailPhase?: MailPhase;
  readonly checks: readonly CheckResult[];
  readonly samples: readonly OutboxSample[];
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const percentOver = (ratio: number) => (Number.isFinite(ratio) ? `${ratio >= 1 ? '+' : '−'}${Math.abs((ratio - 1) * 100).toFixed(1)}%` : '—');
const range = (spread: Spread, digits: number) => `${fixed(spread.median, digits)} (${fixed(spread.min, digits)}–${fixed(spread.max, digits)})`;

/** The verdict: events on against the platform before events, over our processes, and everything for comparison. */
export function eventsVerdict(results: Pick<EventsResults, 'cost' | 'kind' | 'mailPhase'>): string[] {
  const lines: string[] = [];
  const on = results.cost.ours.find((row) => row.mode === EVENTS_ON);
  const onAll = results.cost.all.find((row) => row.mode === EVENTS_ON);
  if (on === undefined || on.ratioRounds === 0) lines.push(`createOrder: no round with both the ${EVENTS_ON} and ${EVENTS_BASELINE} loads clean, no figure`);
  else {
    const under = on.vsBaseline.median < OUTBOX_COST_AIM;
    lines.push(
      `createOrder at ${results.kind.rate} req/s: events (outbox written, relayed to JetStream) cost ${percentOver(on.vsBaseline.median)} CPU per request ` +
        `of our four processes over ${EVENTS_BASELINE} (median of ${on.ratioRounds} rounds' ratios ${fixed(on.vsBaseline.median, 3)}, range ${fixed(on.vsBaseline.min, 3)}–${fixed(on.vsBaseline.max, 3)}): ` +
        `${under ? 'under' : 'NOT under'} the 10% aim` +
        (onAll === undefined ? '' : `; with PostgreSQL's backends and nats-server counted, ${percentOver(onAll.vsBaseline.median)}`),
    );
  }
  const mail = results.mailPhase;
  if (mail !== undefined) {
    lines.push(
      `order placed → confirmation accepted by SMTP at ${mail.rate} orders a second: p50 ${fixed(mail.mail.latencyMs.p50, 1)} ms, p99 ${fixed(mail.mail.latencyMs.p99, 1)} ms ` +
        `(${mail.mail.mailed} of ${mail.mail.placed} orders mailed${mail.mail.duplicated > 0 ? `, ${mail.mail.duplicated} twice or more` : ''})`,
    );
  }
  return lines;
}

function costTable(rows: readonly TracingRow[], processes: readonly string[]): string[] {
  return [
    `| stack | CPU ms / request, median (min–max) | vs ${EVENTS_BASELINE} | rounds | ${processes.join(' | ')} | p50 ms | p99 ms | ok / sent |`,
    `| --- | ---: | ---: | ---: | ${processes.map(() => '---:').join(' | ')} | ---: | ---: | ---: |`,
    ...rows.map(
      (row) =>
        `| ${row.mode} | ${range(row.cpuMsPerRequest, 3)} | ${range(row.vsBaseline, 3)} | ${row.cleanRounds}/${row.rounds}, ${row.ratioRounds} | ` +
        `${processes.map((name) => fixed(row.byProcess[name] ?? Number.NaN, 3)).join(' | ')} | ${fixed(row.p50Ms, 1)} | ${fixed(row.p99Ms, 1)} | ` +
        `${row.ok} / ${row.requests}${Object.keys(row.errors).length > 0 ? ` ${JSON.stringify(row.errors)}` : ''} |`,
    ),
  ];
}

export function renderEventsMarkdown(results: EventsResults): string {
  const { settings, machine } = results;
  const lines = [
    `# Events cost, ${results.date}`,
    '',
    `Commit ${results.git.commit.slice(0, 12)}${results.git.dirty ? ' (with uncommitted changes)' : ''}; ${machine.cpus} CPUs (${machine.model}), Node ${machine.node}; ` +
      `load average ${machine.loadAverageBefore.join(' ')} before, ${machine.loadAverageAfter.join(' ')} after.`,
    '',
    `Three stacks (gateway, account, catalog, order as production processes, each on its own databases: ${settings.data.products.toLocaleString('en-US')} products, ` +
      `${settings.data.accounts.toLocaleString('en-US')} accounts, ${settings.data.orders.toLocaleString('en-US')} orders), running at once. ` +
      `Each load sends ${results.kind.rate} createOrders a second, evenly spaced, for ${settings.seconds} s; ${settings.rounds} rounds, every stack once per round, a different one first each round, ` +
      `after a warm-up of ${settings.warmupSeconds} s on each stack${settings.restartEachRound ? '; before every round after the first, every stack is started again on new processes and warmed up again' : ''}. ` +
      `CPU: user + system during the load ÷ its requests. "vs ${EVENTS_BASELINE}": each round's ratio to the ${EVENTS_BASELINE} load of the same round; median (min–max) over the rounds. ` +
      `A load with a failed request is left out ("rounds": loads used of those run, ratios used).`,
    '',
    '| stack | commit | what |',
    '| --- | --- | --- |',
    ...results.stacks.map((stack) => `| ${stack.name} | ${stack.commit.slice(0, 12)} | ${stack.what} |`),
    '',
    `## createOrder, ${results.kind.rate} req/s: our four processes`,
    '',
    results.kind.what,
    '',
    ...costTable(results.cost.ours, STACK_PROCESSES),
    '',
    '## The same loads with PostgreSQL (the backends serving the stack\'s databases) and nats-server counted',
    '',
    ...costTable(results.cost.all, [...STACK_PROCESSES, 'postgres', 'nats']),
  ];
  const mail = results.mailPhase;
  if (mail !== undefined) {
    const latency = mail.mail.latencyMs;
    lines.push(
      '',
      `## Order placed → confirmation mail accepted by SMTP, ${mail.rate} orders a second for ${mail.seconds} s`,
      '',
      `The ${EVENTS_ON} stack on new processes and a fresh namespace, with the notification service (its own database, the same NATS) ` +
        `and an SMTP sink in the harness; from the createOrder answer's arrival to the sink's acceptance of the order's confirmation (both on the harness's clock), after a warm-up.`,
      '',
      '| orders placed | mailed | twice or more | p50 ms | p90 ms | p99 ms | max ms | createOrder p50 ms | createOrder p99 ms |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      `| ${mail.mail.placed} | ${mail.mail.mailed} | ${mail.mail.duplicated} | ${fixed(latency.p50, 1)} | ${fixed(latency.p90, 1)} | ${fixed(latency.p99, 1)} | ${fixed(latency.max, 1)} | ` +
        `${fixed(mail.result.latencyMs.p50, 1)} | ${fixed(mail.result.latencyMs.p99, 1)} |`,
      '',
      `CPU ms per order, the load and the mails after it: ${Object.entries(mail.cpuMsPerOrder)
        .map(([name, ms]) => `${name} ${fixed(ms, 3)}`)
        .join(', ')}.`,
    );
  }
  lines.push('', '## Verdict', '', ...eventsVerdict(results).map((line) => `- ${line}.`));
  const failed = results.checks.filter((check) => !check.passed);
  if (failed.length > 0) lines.push('', '## Failed checks', '', ...failed.map((check) => `- ${check.name}: ${check.detail}`));
  return `${lines.join('\n')}\n`;
}
