import type { BenchOptions, TracingKindName } from '../options.js';
import { BASELINE } from '../report/tracing-results.js';

// What the tracing scenario (tracing.ts) compares: its modes — how each stack's tracing is set —
// and its kinds of request, each at a fixed rate.

export interface TracingMode {
  readonly name: string;
  readonly what: string;
  readonly env: (endpoint: string) => Record<string, string>;
}

export const TRACING_MODES: readonly TracingMode[] = [
  { name: 'off', what: 'OTEL_SDK_DISABLED=true', env: () => ({ OTEL_SDK_DISABLED: 'true' }) },
  { name: 'no-exporter', what: 'no OTEL_EXPORTER_OTLP_ENDPOINT (the default): the same code as off', env: () => ({}) },
  {
    name: 'sampled-out',
    what: 'endpoint set, OTEL_TRACES_SAMPLER=always_off: the SDK registered, nothing recorded',
    env: (endpoint) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'always_off' }),
  },
  {
    name: 'full',
    what: 'endpoint set, OTEL_TRACES_SAMPLER=always_on: every span, http/protobuf to a local receiver',
    env: (endpoint) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'always_on' }),
  },
];

/**
 * The modes of a run: the standard four, or (--tracing-mode) off and those asked for: standard ones
 * by name, experiments as full sampling with their own variables added.
 */
export function tracingModesOf(choices: BenchOptions['tracingModes']): readonly TracingMode[] {
  if (choices.length === 0) return TRACING_MODES;
  const full = TRACING_MODES.find((mode) => mode.name === 'full');
  const baseline = TRACING_MODES.find((mode) => mode.name === BASELINE);
  if (full === undefined || baseline === undefined) throw new Error('no full or baseline mode');
  const chosen = choices.map((choice): TracingMode => {
    const standard = TRACING_MODES.find((mode) => mode.name === choice.name);
    if (Object.keys(choice.env).length === 0) {
      if (standard === undefined) throw new Error(`--tracing-mode: no mode named ${choice.name} (${TRACING_MODES.map((mode) => mode.name).join(', ')})`);
      return standard;
    }
    if (standard !== undefined) throw new Error(`--tracing-mode: ${choice.name} is a standard mode's name; give the experiment another`);
    const extra = Object.entries(choice.env).map(([name, value]) => `${name}=${value}`).join(' ');
    return { name: choice.name, what: `as full, with ${extra}`, env: (endpoint) => ({ ...full.env(endpoint), ...choice.env }) };
  });
  const modes = [baseline, ...chosen.filter((mode) => mode.name !== BASELINE)];
  if (new Set(modes.map((mode) => mode.name)).size !== modes.length) throw new Error('--tracing-mode: a mode named twice');
  return modes;
}

export interface TracingKind {
  readonly name: TracingKindName;
  readonly what: string;
  /** Requests per second: busy, yet below what one stack serves on this machine (no load saturates it). */
  readonly rate: number;
}

export const TRACING_KINDS: readonly TracingKind[] = [
  { name: 'product', what: 'product point read: gateway → catalog → one SELECT (6 spans when traced)', rate: 400 },
  {
    name: 'createOrder',
    what: 'createOrder of 2 products: gateway → order → account + catalog, SQL transactions in order and catalog (the saga; 26 spans when traced)',
    // Busy, yet not queued up on the 2-core machines of the official runs
    // (bench/results/2026-12-04-tracing-cost.md); --tracing-rate lowers it where it still queues.
    rate: 50,
  },
];

/** The kinds at the rates --tracing-rate gives, the default rate for the others. */
export function tracingKindsAt(rates: BenchOptions['tracingRates']): TracingKind[] {
  return TRACING_KINDS.map((kind) => ({ ...kind, rate: rates[kind.name] ?? kind.rate }));
}
