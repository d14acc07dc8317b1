import type { DataSet } from '../data/seed.js';
import type { PacedRunResult } from '../load/fixed-rate.js';
import { median } from '../load/stats.js';
import type { CheckResult } from './results.js';

// The tracing scenario's results: its figures per kind and mode, the verdict, and the Markdown
// file bench/results/<date>-tracing.md. Pure: bench/test checks the summary.

/** The mode every other is compared with. */
export const BASELINE = 'off';

/** The processes of each stack, in the order of the table's columns. */
export const STACK_PROCESSES = ['gateway', 'account', 'catalog', 'order'] as const;

/** A kind of request at its rate, as the tracing scenario runs it. */
export interface TracedKind {
  readonly name: string;
  readonly what: string;
  readonly rate: number;
}

export interface TracingSample {
  readonly round: number;
  readonly kind: string;
  readonly mode: string;
  readonly result: PacedRunResult;
  /** CPU milliseconds (user + system) each process spent during the load. */
  readonly cpuMs: Readonly<Record<string, number>>;
  /** Of cpuMs, each process's main thread (the event loop); the rest is V8's and libuv's threads. */
  readonly mainThreadCpuMs?: Readonly<Record<string, number>>;
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface TracingRow {
  readonly mode: string;
  readonly rounds: number;
  /** Rounds whose load had every request answered: the only ones in the CPU figures. */
  readonly cleanRounds: number;
  /** Rounds in the ratio to the baseline: this mode's and the baseline's loads both clean. */
  readonly ratioRounds: number;
  readonly requests: number;
  readonly ok: number;
  readonly errors: Record<string, number>;
  /** CPU ms per request of the four processes together, over the rounds. */
  readonly cpuMsPerRequest: Spread;
  /** Each process's CPU ms per request, median over the rounds. */
  readonly byProcess: Record<string, number>;
  /** Of cpuMsPerRequest's median, the main threads' (the rest: V8's workers, libuv's pool), median over the rounds. */
  readonly mainThreadMsPerRequest: number;
  /** This mode's CPU per request ÷ the baseline's in the same round, over the rounds. */
  readonly vsBaseline: Spread;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxInFlight: number;
}

export interface TracingKindSummary {
  readonly kind: string;
  readonly what: string;
  readonly rate: number;
  readonly rows: readonly TracingRow[];
}

const spreadOf = (values: readonly number[]): Spread => ({
  median: median(values),
  min: values.length === 0 ? Number.NaN : Math.min(...values),
  max: values.length === 0 ? Number.NaN : Math.max(...values),
});

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

/** Of cpuPerRequest, the processes' main threads (the event loops). */
export function mainThreadCpuPerRequest(sample: TracingSample): number {
  return sum(Object.values(sample.mainThreadCpuMs ?? {})) / sample.result.requests;
}

/** CPU ms per request of one load, all processes together. */
export function cpuPerRequest(sample: TracingSample): number {
  return sample.result.requests > 0 ? sum(Object.values(sample.cpuMs)) / sample.result.requests : Number.NaN;
}

/**
 * Per kind and mode: the median CPU per request over the rounds and its range, and the ratio to the
 * baseline mode taken round by round (the two loads of one round ran minutes apart at most, so
 * the ratio cancels what changed between rounds).
 */
export function summarizeTracing(samples: readonly TracingSample[], kinds: readonly TracedKind[], modes: readonly string[], baseline = BASELINE): TracingKindSummary[] {
  return kinds.map((kind) => {
    const ofKind = samples.filter((sample) => sample.kind === kind.name);
    // A load with failed requests (deadlines missed on a starved machine) did other work than the
    // rest: left out of the CPU figures, and its round's ratios with it.
    const clean = (sample: TracingSample) => sample.result.ok === sample.result.requests;
    const base = new Map(ofKind.filter((sample) => sample.mode === baseline && clean(sample)).map((sample) => [sample.round, cpuPerRequest(sample)]));
    const rows = modes.map((mode): TracingRow => {
      const ofMode = ofKind.filter((sample) => sample.mode === mode);
      const errors: Record<string, number> = {};
      for (const sample of ofMode) for (const [code, count] of Object.entries(sample.result.errors)) errors[code] = (errors[code] ?? 0) + count;
      const processes = [...new Set(ofMode.flatMap((sample) => Object.keys(sample.cpuMs)))];
      const measured = ofMode.filter(clean);
      const ratios = measured.flatMap((sample) => {
        const reference = base.get(sample.round);
        return reference === undefined || !(reference > 0) ? [] : [cpuPerRequest(sample) / reference];
      });
      return {
        mode,
        rounds: ofMode.length,
        cleanRounds: measured.length,
        ratioRounds: ratios.length,
        requests: sum(ofMode.map((sample) => sample.result.requests)),
        ok: sum(ofMode.map((sample) => sample.result.ok)),
        errors,
        cpuMsPerRequest: spreadOf(measured.map(cpuPerRequest)),
        byProcess: Object.fromEntries(
          processes.map((name) => [name, median(measured.map((sample) => (sample.cpuMs[name] ?? 0) / Math.max(sample.result.requests, 1)))]),
        ),
        mainThreadMsPerRequest: median(measured.map((sample) => sum(Object.values(sample.mainThreadCpuMs ?? {})) / Math.max(sample.result.requests, 1))),
        vsBaseline: spreadOf(ratios),
        p50Ms: median(ofMode.map((sample) => sample.result.latencyMs.p50)),
        p99Ms: median(ofMode.map((sample) => sample.result.latencyMs.p99)),
        maxInFlight: Math.max(0, ...ofMode.map((sample) => sample.result.maxInFlight)),
      };
    });
    return { kind: kind.name, what: kind.what, rate: kind.rate, rows };
  });
}

export interface TracingResults {
  readonly date: string;
  readonly settings: {
    readonly rounds: number;
    readonly seconds: number;
    readonly warmupSeconds: number;
    /** Every stack on new processes (warmed up again) before each round after the first. */
    readonly restartEachRound?: boolean;
    readonly data: DataSet;
    readonly argv: readonly string[];
  };
  readonly machine: { readonly cpus: number; readonly model: string; readonly node: string; readonly loadAverageBefore: number[]; readonly loadAverageAfter: number[] };
  readonly git: { readonly commit: string; readonly dirty: boolean };
  readonly modes: readonly { readonly name: string; readonly what: string }[];
  readonly exported: { readonly requests: number; readonly bytes: number };
  /** CPU ms a second of each stack's processes with no requests, by mode, then process. */
  readonly idleCpuMsPerSecond: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly summary: readonly TracingKindSummary[];
  readonly checks: readonly CheckResult[];
  readonly samples: readonly TracingSample[];
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const percentOver = (ratio: number) => `${ratio >= 1 ? '+' : '−'}${Math.abs((ratio - 1) * 100).toFixed(1)}%`;
const range = (spread: Spread, digits: number) => `${fixed(spread.median, digits)} (${fixed(spread.min, digits)}–${fixed(spread.max, digits)})`;

/** The verdict per kind: full sampling against off, next to the noise (no-exporter runs off's code). */
export function tracingVerdict(summary: readonly TracingKindSummary[]): string[] {
  return summary.map((kind) => {
    const full = kind.rows.find((row) => row.mode === 'full');
    const same = kind.rows.find((row) => row.mode === 'no-exporter');
    if (full === undefined) return `${kind.kind}: no full-sampling figure`;
    const noise = same === undefined ? '' : `; no-exporter, the same code as off, came out ${percentOver(same.vsBaseline.median)} (${fixed(same.vsBaseline.min, 3)}–${fixed(same.vsBaseline.max, 3)}): that much is noise`;
    return (
      `${kind.kind} at ${kind.rate} req/s: full sampling costs ${percentOver(full.vsBaseline.median)} CPU per request over off ` +
      `(median of the rounds' ratios ${fixed(full.vsBaseline.median, 3)}, range ${fixed(full.vsBaseline.min, 3)}–${fixed(full.vsBaseline.max, 3)})${noise}`
    );
  });
}

export function renderTracingMarkdown(results: TracingResults): string {
  const { settings, machine } = results;
  const lines = [
    `# Tracing cost, ${results.date}`,
    '',
    `Commit ${results.git.commit.slice(0, 12)}${results.git.dirty ? ' (with uncommitted changes)' : ''}; ${machine.cpus} CPUs (${machine.model}), Node ${machine.node}; ` +
      `load average ${machine.loadAverageBefore.join(' ')} before, ${machine.loadAverageAfter.join(' ')} after.`,
    '',
    `Four stacks (gateway, account, catalog, order as production processes, each on its own databases: ${settings.data.products.toLocaleString('en-US')} products, ` +
      `${settings.data.accounts.toLocaleString('en-US')} accounts, ${settings.data.orders.toLocaleString('en-US')} orders), one per mode, running at once. ` +
      `Each load sends a fixed rate of evenly spaced requests for ${settings.seconds} s; ${settings.rounds} rounds, every mode once per round and kind, a different mode first each round, ` +
      `after a warm-up of each stack in turn with ${settings.warmupSeconds} s of each kind${settings.restartEachRound === true ? '; before every round after the first, each stack is started again on new processes and warmed up again' : ''}. CPU: user + system of the four processes during the load ÷ its requests ("main threads": the part the four event loops spent, the rest being V8's and libuv's threads); the OTLP receiver (in the harness) is not counted. ` +
      `"vs off" is each round's ratio to off's load of the same round; median (min–max) over the rounds. ` +
      `A load with any failed request (on a starved machine: deadlines missed) is left out of the CPU figures and its round's ratios ("rounds": loads used of those run, ratios used).`,
    `Full sampling exported ${results.exported.requests} OTLP requests, ${(results.exported.bytes / 2 ** 20).toFixed(1)} MiB. ` +
      `Idle, with no requests, the stacks used ${Object.entries(results.idleCpuMsPerSecond)
        .map(([mode, byProcess]) => `${mode} ${sum(Object.values(byProcess))}`)
        .join(', ')} ms of CPU a second (counted in the loads too, the same in every mode).`,
    '',
    '| mode | what |',
    '| --- | --- |',
    ...results.modes.map((mode) => `| ${mode.name} | ${mode.what} |`),
  ];
  for (const kind of results.summary) {
    lines.push(
      '',
      `## ${kind.kind}, ${kind.rate} req/s`,
      '',
      kind.what,
      '',
      `| mode | CPU ms / request, median (min–max) | vs off | rounds | ${STACK_PROCESSES.join(' | ')} | main threads | p50 ms | p99 ms | ok / sent |`,
      `| --- | ---: | ---: | ---: | ${STACK_PROCESSES.map(() => '---:').join(' | ')} | ---: | ---: | ---: | ---: |`,
      ...kind.rows.map(
        (row) =>
          `| ${row.mode} | ${range(row.cpuMsPerRequest, 3)} | ${range(row.vsBaseline, 3)} | ${row.cleanRounds}/${row.rounds}, ${row.ratioRounds} | ${STACK_PROCESSES.map((name) => fixed(row.byProcess[name] ?? Number.NaN, 3)).join(' | ')} | ` +
          `${fixed(row.mainThreadMsPerRequest, 3)} | ${fixed(row.p50Ms, 1)} | ${fixed(row.p99Ms, 1)} | ${row.ok} / ${row.requests}${Object.keys(row.errors).length > 0 ? ` ${JSON.stringify(row.errors)}` : ''} |`,
      ),
    );
  }
  lines.push('', '## Verdict', '', ...tracingVerdict(results.summary).map((line) => `- ${line}.`));
  const failed = results.checks.filter((check) => !check.passed);
  if (failed.length > 0) lines.push('', '## Failed checks', '', ...failed.map((check) => `- ${check.name}: ${check.detail}`));
  return `${lines.join('\n')}\n`;
}
