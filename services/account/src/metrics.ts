import { Counter, Gauge } from 'prom-client';
import { Sources, registry } from '@emporium/kit/metrics.js';
import type { HashGateStats } from './hash-gate.js';

/*
 * Password hashing admission (hash-gate.ts), read from the gate's own counts when scraped: what is
 * running and queued against what the gate allows, and how many calls it refused.
 */

/** A gate's counts and its limits (HASH_CONCURRENCY, HASH_QUEUE_MAX per priority, two priorities). */
export interface HashGateSource {
  stats(): HashGateStats;
  readonly concurrency: number;
  readonly maxQueued: number;
}

export const hashGates = new Sources<HashGateSource>();

function sum(read: (gate: HashGateSource) => number): number {
  let total = 0;
  for (const gate of hashGates.values()) total += read(gate);
  return total;
}

function gateGauge(name: string, help: string, read: (gate: HashGateSource) => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(sum(read));
    },
  });
}

gateGauge('emporium_password_hash_running', 'Password hashes running now.', (gate) => gate.stats().running);
gateGauge('emporium_password_hash_queue_depth', 'Calls waiting for a password hash slot (log-ins and sign-ups).', (gate) => gate.stats().queued);
gateGauge('emporium_password_hash_concurrency', 'Password hashes allowed at once (HASH_CONCURRENCY).', (gate) => gate.concurrency);
gateGauge(
  'emporium_password_hash_queue_capacity',
  'Calls that may wait for a hash slot: HASH_QUEUE_MAX per priority, two priorities.',
  (gate) => 2 * gate.maxQueued,
);

function gateCounter(name: string, help: string, read: (stats: HashGateStats) => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      // The gate keeps the running total; the counter shows it.
      this.reset();
      this.inc(sum((gate) => read(gate.stats())));
    },
  });
}

gateCounter('emporium_password_hash_started_total', 'Password hashes started.', (stats) => stats.started);
gateCounter('emporium_password_hash_refusals_total', 'Calls refused at once with RESOURCE_EXHAUSTED (HASHING_BUSY): the gate was full.', (stats) => stats.refused);
gateCounter('emporium_password_hash_dropped_total', 'Calls whose caller gave up before their hash started.', (stats) => stats.dropped);
