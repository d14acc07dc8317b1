import { Counter, Gauge } from 'prom-client';
import { registry, Sources } from './metrics.js';

/*
 * The metrics of the outbox relay and the event consumers. Counters are counted where things
 * happen; the gauges that need a look at the world (the oldest unpublished event, a consumer's
 * pending messages, the parked events kept) are read when scraped, from the sources registered
 * here, and say NaN when that look fails rather than failing the whole scrape.
 */

export const outboxSources = new Sources<{ service: string; oldestAgeSeconds: () => Promise<number> }>();
export const consumerSources = new Sources<{
  consumer: string;
  pending: () => Promise<number>;
  parked: () => Promise<number>;
}>();

const published = new Counter({
  name: 'outbox_published_total',
  help: 'Events the outbox relay published to NATS JetStream (and marked published), by service.',
  labelNames: ['service'] as const,
  registers: [registry],
});

export function outboxPublished(service: string, count: number): void {
  published.inc({ service }, count);
}

async function readOr(read: () => Promise<number>): Promise<number> {
  try {
    return await read();
  } catch {
    return Number.NaN;
  }
}

new Gauge({
  name: 'outbox_oldest_unpublished_age_seconds',
  help: 'Age of the oldest event recorded but not yet published (0 when every event is out), by service.',
  labelNames: ['service'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    for (const source of outboxSources.values()) this.set({ service: source.service }, await readOr(source.oldestAgeSeconds));
  },
});

new Gauge({
  name: 'events_consumer_pending',
  help: 'Messages of the stream this consumer has not acknowledged yet (waiting and in flight).',
  labelNames: ['consumer'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    for (const source of consumerSources.values()) this.set({ consumer: source.consumer }, await readOr(source.pending));
  },
});

new Gauge({
  name: 'events_parked',
  help: 'Events this consumer parked (dead letters) and keeps for an operator to look at.',
  labelNames: ['consumer'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    for (const source of consumerSources.values()) this.set({ consumer: source.consumer }, await readOr(source.parked));
  },
});

const handled = new Counter({
  name: 'events_handled_total',
  help: 'Deliveries a consumer finished, by event type and outcome (handled, duplicate, stale, ignored, failed, parked).',
  labelNames: ['consumer', 'type', 'outcome'] as const,
  registers: [registry],
});
const redelivered = new Counter({
  name: 'events_redelivered_total',
  help: 'Deliveries of an event that had been delivered before (its handler failed, or its ack was lost).',
  labelNames: ['consumer'] as const,
  registers: [registry],
});
const parkedTotal = new Counter({
  name: 'events_parked_total',
  help: 'Events a consumer gave up on and parked (dead letters).',
  labelNames: ['consumer'] as const,
  registers: [registry],
});

export type HandledOutcome = 'handled' | 'duplicate' | 'stale' | 'ignored' | 'failed' | 'parked';

export function eventHandled(consumer: string, type: string, outcome: HandledOutcome, deliveryCount: number): void {
  handled.inc({ consumer, type, outcome });
  if (deliveryCount > 1) redelivered.inc({ consumer });
  if (outcome === 'parked') parkedTotal.inc({ consumer });
}
