// Pure statistics for the harness: no I/O, so bench/test can check them exactly.

/**
 * The p-th percentile (0..100) of values, by linear interpolation between the two nearest ranks
 * (the method spreadsheets and numpy use by default), so p50 of an even count is the mean of the
 * middle pair. NaN for no values: a percentile of nothing is not zero.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = isSorted(values) ? values : [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const low = sorted[lower] ?? Number.NaN;
  const high = sorted[upper] ?? Number.NaN;
  return low + (high - low) * (rank - lower);
}

function isSorted(values: readonly number[]): boolean {
  for (let i = 1; i < values.length; i++) {
    if ((values[i] ?? 0) < (values[i - 1] ?? 0)) return false;
  }
  return true;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

/** Milliseconds, rounded to microseconds: finer digits are noise on a shared machine. */
export function summarizeLatencies(samplesMs: readonly number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    p50: round3(percentile(sorted, 50)),
    p90: round3(percentile(sorted, 90)),
    p99: round3(percentile(sorted, 99)),
    mean: round3(sorted.length === 0 ? Number.NaN : total / sorted.length),
    max: round3(sorted.at(-1) ?? Number.NaN),
  };
}

export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** a ÷ b, or null when either is missing or b is not positive (a ratio to nothing is not a number to print). */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b <= 0) return null;
  return a / b;
}

/**
 * The throughput of doing one unit of work on each of several parts in turn, given each part's
 * own throughput measured alone on the same machine: the parts share the machine, so their costs
 * per unit (1 / throughput) add up. Used for a ceiling whose SQL spans several databases.
 */
export function serialThroughput(partsPerSecond: readonly number[]): number {
  if (partsPerSecond.length === 0 || partsPerSecond.some((tps) => !(tps > 0))) return Number.NaN;
  return 1 / partsPerSecond.reduce((sum, tps) => sum + 1 / tps, 0);
}
