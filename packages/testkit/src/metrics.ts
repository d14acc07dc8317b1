/*
 * Reading a Prometheus /metrics page in tests: every sample as "name{label="value",...}" (labels
 * sorted) -> value, so that two scrapes can be compared series by series.
 */

/** The samples of one scrape, keyed by series (see series()). */
export type Samples = ReadonlyMap<string, number>;

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The key of one series: its name and its labels in name order, as the text format writes them. */
export function series(name: string, labels: Readonly<Record<string, string>> = {}): string {
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}="${value}"`);
  return pairs.length === 0 ? name : `${name}{${pairs.join(',')}}`;
}

/** Parses the Prometheus text exposition format (0.0.4). Throws on a line that is not a sample or a comment. */
export function parseExposition(text: string): Samples {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (match?.[1] === undefined || match[3] === undefined) throw new Error(`not a sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(LABEL)) labels[label[1] ?? ''] = label[2] ?? '';
    samples.set(series(match[1], labels), Number(match[3]));
  }
  return samples;
}

/** GETs url (a /metrics endpoint) and parses it; throws unless it answers 200 in the text format. */
export async function scrape(url: string): Promise<Samples> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain')) throw new Error(`${url} answered ${type}, not the Prometheus text format`);
  return parseExposition(await response.text());
}

/** How much a series moved between two scrapes (a series absent from a scrape counts as 0 there). */
export function moved(before: Samples, after: Samples, key: string): number {
  return (after.get(key) ?? 0) - (before.get(key) ?? 0);
}
