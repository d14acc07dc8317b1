import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmtpSink } from '@emporium/testkit/smtp-sink.js';
import { describe, expect, it } from 'vitest';
import type { PacedRunResult } from '../load/fixed-rate.js';
import { parseOptions, scenarioById } from '../options.js';
import {
  EVENTS_BASELINE,
  EVENTS_ON,
  eventsVerdict,
  mailLatency,
  placedOrderId,
  summarizeOutboxCost,
  type OutboxSample,
} from '../report/events-results.js';
import { EVENTS_KIND, EVENTS_STACKS, stampMails } from '../scenarios/events.js';
import { startBenchNats } from '../targets/nats.js';
import type { ManagedProcess } from '../targets/managed-process.js';

const KIND = { ...EVENTS_KIND, rate: 50 };
const ORDER_A = '0193a1b2-0000-7000-8000-00000000000a';
const ORDER_B = '0193a1b2-0000-7000-8000-00000000000b';
const ORDER_C = '0193a1b2-0000-7000-8000-00000000000c';

function sample(round: number, mode: string, cpuMs: Record<string, number>, besideMs: Record<string, number>, requests = 100, ok = requests): OutboxSample {
  const result: PacedRunResult = {
    seconds: 2,
    requests,
    ok,
    errors: ok === requests ? {} : { DEADLINE_EXCEEDED: requests - ok },
    latencyMs: { p50: 10, p90: 20, p99: 30, mean: 12, max: 40 },
    maxInFlight: 3,
  };
  return { round, kind: KIND.name, mode, result, cpuMs, besideMs };
}

describe('the events scenario', () => {
  it('is scenario 8, by name or number, with its rates and lengths from the command line', () => {
    const options = parseOptions(['events']);
    if (options === 'help') throw new Error('help');
    expect(options.scenarios).toEqual([8]);
    expect(scenarioById(8).name).toBe('events');
    expect(options).toMatchObject({ eventsRounds: 5, eventsWarmupSeconds: 30, eventsOrderRate: 50, eventsMailRate: 20, eventsMailSeconds: 60, eventsMail: true });
    const quick = parseOptions(['--quick', '--scenarios', '8', '--mail-rate', '10', '--events-rate', '40', '--no-mail']);
    if (quick === 'help') throw new Error('help');
    expect(quick).toMatchObject({ scenarios: [8], eventsRounds: 2, eventsMailSeconds: 8, eventsMailRate: 10, eventsOrderRate: 40, eventsMail: false });
    expect(() => parseOptions(['--mail-rate', '0', 'events'])).toThrow(/--mail-rate/);
  });

  it('compares the stack with events with the platform before them, and one without the relay', () => {
    expect(EVENTS_STACKS.map((stack) => stack.name)).toEqual([EVENTS_BASELINE, 'relay-off', EVENTS_ON]);
    expect(EVENTS_STACKS.filter((stack) => stack.preEvents).map((stack) => stack.name)).toEqual([EVENTS_BASELINE]);
    expect(EVENTS_STACKS.filter((stack) => stack.nats).map((stack) => stack.name)).toEqual([EVENTS_ON]);
  });

  it('takes each round’s ratio to the platform before events, over our processes and with PostgreSQL and NATS', () => {
    const samples = [
      sample(1, EVENTS_BASELINE, { order: 60, catalog: 40 }, { postgres: 50 }),
      sample(1, EVENTS_ON, { order: 66, catalog: 44 }, { postgres: 60, nats: 10 }),
      sample(2, EVENTS_BASELINE, { order: 100, catalog: 100 }, { postgres: 100 }),
      sample(2, EVENTS_ON, { order: 104, catalog: 100 }, { postgres: 110, nats: 6 }),
    ];
    const cost = summarizeOutboxCost(samples, KIND, [EVENTS_BASELINE, EVENTS_ON]);
    const on = cost.ours.find((row) => row.mode === EVENTS_ON);
    // Ratios per round: 1.10 and 1.02; their median 1.06 — not the ratio of the medians.
    expect(on?.vsBaseline.median).toBeCloseTo(1.06, 10);
    expect(on?.byProcess.order).toBeCloseTo(0.85, 10);
    expect(on?.byProcess.catalog).toBeCloseTo(0.72, 10);
    const all = cost.all.find((row) => row.mode === EVENTS_ON);
    // (110 + 70) / 150 = 1.2 and (204 + 116) / 300 = 1.0667.
    expect(all?.vsBaseline.max).toBeCloseTo(1.2, 10);
    expect(all?.byProcess.nats).toBeCloseTo(0.08, 10);
    const [verdict] = eventsVerdict({ cost, kind: KIND });
    expect(verdict).toMatch(/cost \+6\.0% CPU per request .* under the 10% aim/);
  });

  it('says when events cost 10% or more, and leaves a round with failed requests out of the ratios', () => {
    const samples = [
      sample(1, EVENTS_BASELINE, { order: 100 }, { postgres: 0 }),
      sample(1, EVENTS_ON, { order: 125 }, { postgres: 0 }),
      sample(2, EVENTS_BASELINE, { order: 100 }, { postgres: 0 }, 100, 90),
      sample(2, EVENTS_ON, { order: 100 }, { postgres: 0 }),
    ];
    const cost = summarizeOutboxCost(samples, KIND, [EVENTS_BASELINE, EVENTS_ON]);
    expect(cost.ours.find((row) => row.mode === EVENTS_ON)).toMatchObject({ rounds: 2, cleanRounds: 2, ratioRounds: 1 });
    expect(eventsVerdict({ cost, kind: KIND })[0]).toMatch(/\+25\.0% .* NOT under the 10% aim/);
  });

  it('reads the placed order’s id from a createOrder answer, and nothing from an error', () => {
    expect(placedOrderId(JSON.stringify({ data: { createOrder: { id: ORDER_A.toUpperCase(), status: 'PLACED' } } }))).toBe(ORDER_A);
    expect(placedOrderId(JSON.stringify({ data: { createOrder: { id: ORDER_A, status: 'REJECTED' } } }))).toBeUndefined();
    expect(placedOrderId(JSON.stringify({ data: null, errors: [{ message: 'no' }] }))).toBeUndefined();
    expect(placedOrderId('Bad Gateway')).toBeUndefined();
  });

  it('pairs each placed order with the first mail naming it, and counts the missing and the doubled', () => {
    const orders = [
      { orderId: ORDER_A, answeredAt: 1000 },
      { orderId: ORDER_B, answeredAt: 1010 },
      { orderId: ORDER_C, answeredAt: 1020 },
      { orderId: undefined, answeredAt: 1030 },
    ];
    const mails = [
      { acceptedAt: 1040, text: `<order-placed.${ORDER_A}@shop.test> Your Emporium order ${ORDER_A}` },
      { acceptedAt: 1005, text: `<order-placed.${ORDER_B}@shop.test> Your Emporium order ${ORDER_B}` },
      { acceptedAt: 1500, text: `<order-placed.${ORDER_B}@shop.test> Your Emporium order ${ORDER_B}` },
      { acceptedAt: 900, text: '<welcome.0193a1b2-0000-7000-8000-0000000000ff@shop.test> Welcome' },
    ];
    const latency = mailLatency(orders, mails);
    expect(latency).toMatchObject({ placed: 3, mailed: 2, duplicated: 1 });
    // A: 40 ms; B: its first mail came 5 ms before the harness read the answer.
    expect(latency.latencyMs.max).toBe(40);
    expect(latency.latencyMs.p50).toBeCloseTo(17.5, 10);
  });

  it('notes when a real SMTP sink accepts each message, by its Message-ID', async () => {
    const sink = await startSmtpSink();
    try {
      const mails = stampMails(sink);
      const before = performance.now();
      await sendMail(sink.port, `<order-placed.${ORDER_A}@shop.test>`, `Your Emporium order ${ORDER_A}`);
      await sendMail(sink.port, `<order-placed.${ORDER_B}@shop.test>`, `Your Emporium order ${ORDER_B}`);
      await sink.waitForMessages(2);
      await new Promise((resolve) => setImmediate(resolve));
      expect(mails.map((mail) => mail.text)).toEqual([
        `<order-placed.${ORDER_A}@shop.test> Your Emporium order ${ORDER_A}`,
        `<order-placed.${ORDER_B}@shop.test> Your Emporium order ${ORDER_B}`,
      ]);
      expect(mails.every((mail) => mail.acceptedAt >= before)).toBe(true);
      expect(mailLatency([{ orderId: ORDER_B, answeredAt: before }], mails)).toMatchObject({ placed: 1, mailed: 1, duplicated: 0 });
    } finally {
      await sink.close();
    }
  });

  it('starts a nats-server of its own whose CPU it can read, and stops it', async () => {
    const started: ManagedProcess[] = [];
    const scratch = await mkdtemp(join(tmpdir(), 'emporium-bench-nats-'));
    try {
      const nats = await startBenchNats(scratch, started);
      expect(nats.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      expect(nats.process.cpuSeconds()).toBeGreaterThanOrEqual(0);
      const socket = connect(Number(new URL(nats.url).port), '127.0.0.1');
      const greeting: unknown[] = await once(socket, 'data');
      socket.destroy();
      expect(String(greeting[0])).toMatch(/^INFO .*"jetstream":true/);
    } finally {
      await Promise.all(started.map((managed) => managed.stop()));
      await rm(scratch, { recursive: true, force: true });
    }
    expect(started[0]?.cpuSeconds()).toBeUndefined();
  });
});

/** One message over plain SMTP, as a sender does: EHLO, MAIL, RCPT, DATA. */
async function sendMail(port: number, messageId: string, subject: string): Promise<void> {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let buffer = '';
  const reply = async (code: string) => {
    while (!new RegExp(`(^|\\r\\n)${code} [^\\r\\n]*\\r\\n$`).test(buffer)) {
      const chunk: unknown[] = await once(socket, 'data');
      buffer += String(chunk[0]);
      if (/(^|\r\n)[45]\d\d /.test(buffer)) throw new Error(`SMTP refused: ${buffer}`);
    }
    buffer = '';
  };
  try {
    await reply('220');
    for (const [command, code] of [
      ['EHLO bench.test', '250'],
      ['MAIL FROM:<shop@shop.test>', '250'],
      ['RCPT TO:<customer1@bench.emporium.test>', '250'],
      ['DATA', '354'],
    ] as const) {
      socket.write(`${command}\r\n`);
      await reply(code);
    }
    socket.write(`Message-ID: ${messageId}\r\nSubject: ${subject}\r\nFrom: shop@shop.test\r\nTo: customer1@bench.emporium.test\r\n\r\nThank you.\r\n.\r\n`);
    await reply('250');
    socket.write('QUIT\r\n');
  } finally {
    socket.end();
  }
}
