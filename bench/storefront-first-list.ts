// The shop's first product list (bench/README.md, "Other measurements"): from
// navigation start to the first product of the newest-products list on screen, in headless
// Chromium, each page load cold (a new browser profile: empty cache, no cookies), against
// `npm start` on localhost. Issue 15's budget is 1 s; this measures, it asserts nothing.
//   npm run bench:storefront -- [--runs 15] [--url http://127.0.0.1:8080 [--url …]]
// Without --url it builds the shop if its sources changed, starts `npm start` on its own ports and
// data directory (demo data: 50 products), and stops it afterwards. With several --url (shops
// already running, e.g. two builds to compare), the loads take turns between them within each
// round, so a change in the machine's load hits them alike. Writes bench/results/<date>-storefront.md.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { z } from 'zod';
import { ensureStorefront } from '@emporium/storefront/build.ts';
import { launchChromium } from '@emporium/testkit/chromium.js';
import { newStartSetup, runNpm } from '@emporium/testkit/npm-process.js';
import { log } from './report/progress-log.js';
import { median, percentile } from './load/stats.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

/**
 * Runs in the page before any of its scripts: notes when the first product card of the list is in
 * the DOM, and when the next frame, the one that paints it, starts rendering (its
 * requestAnimationFrame callback; style, layout and paint follow at once). Both relative to the
 * navigation's start, performance.now()'s origin.
 */
const PROBE = `(() => {
  const seen = () => document.querySelector('ul.product-grid > li h2 a') !== null;
  const observer = new MutationObserver(() => {
    if (!seen()) return;
    observer.disconnect();
    const inDom = performance.now();
    requestAnimationFrame(() => { globalThis.__emporiumFirstList = { inDom, frame: performance.now() }; });
  });
  observer.observe(document, { childList: true, subtree: true });
})();`;

/** Read back from the page once the list is shown. */
const READ = `(() => {
  const navigation = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const resources = performance.getEntriesByType('resource');
  const graphql = resources.filter((entry) => new URL(entry.name).pathname === '/graphql');
  return {
    firstList: globalThis.__emporiumFirstList,
    responseStart: navigation ? navigation.responseStart : null,
    domContentLoaded: navigation ? navigation.domContentLoadedEventEnd : null,
    firstContentfulPaint: paint ? paint.startTime : null,
    firstGraphqlStart: graphql.length === 0 ? null : Math.min(...graphql.map((entry) => entry.startTime)),
    firstGraphqlEnd: graphql.length === 0 ? null : Math.min(...graphql.map((entry) => entry.responseEnd)),
    requests: resources.length + 1,
    transferredBytes: resources.reduce((sum, entry) => sum + entry.transferSize, navigation ? navigation.transferSize : 0),
  };
})()`;

const readShape = z.object({
  firstList: z.object({ inDom: z.number(), frame: z.number() }),
  responseStart: z.number().nullable(),
  domContentLoaded: z.number().nullable(),
  firstContentfulPaint: z.number().nullable(),
  firstGraphqlStart: z.number().nullable(),
  firstGraphqlEnd: z.number().nullable(),
  requests: z.number().int(),
  transferredBytes: z.number(),
});

export interface PageLoad {
  /** Navigation start to the frame that paints the first product of the list: the figure. */
  readonly firstProductMs: number;
  /** … to the card being in the DOM (before that frame). */
  readonly inDomMs: number;
  readonly firstByteMs: number | null;
  readonly domContentLoadedMs: number | null;
  readonly firstContentfulPaintMs: number | null;
  /** … to the first /graphql request sent (the list, or the session check, whichever goes first). */
  readonly graphqlSentMs: number | null;
  /** … to the end of the first /graphql answer (the session check or the list, whichever ends first). */
  readonly firstGraphqlMs: number | null;
  readonly requests: number;
  readonly transferredBytes: number;
}

/** One cold page load of the shop's front page: a new browser profile, so nothing is cached. */
async function loadOnce(browser: Browser, url: string): Promise<PageLoad> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  try {
    await context.addInitScript({ content: PROBE });
    const page = await context.newPage();
    await page.goto(`${url}/`);
    // A function, not a string: the shop's Content-Security-Policy refuses string evaluation.
    await page.waitForFunction(() => '__emporiumFirstList' in globalThis, undefined, { timeout: 30_000 });
    const heading = await page.locator('h1').first().innerText();
    if (heading !== 'Newest products') throw new Error(`the front page's heading is "${heading}", not "Newest products"`);
    if (!(await page.locator('ul.product-grid > li').first().isVisible())) throw new Error('the first product card is not visible');
    const read = readShape.parse(await page.evaluate(READ));
    return {
      firstProductMs: read.firstList.frame,
      inDomMs: read.firstList.inDom,
      firstByteMs: read.responseStart,
      domContentLoadedMs: read.domContentLoaded,
      firstContentfulPaintMs: read.firstContentfulPaint,
      graphqlSentMs: read.firstGraphqlStart,
      firstGraphqlMs: read.firstGraphqlEnd,
      requests: read.requests,
      transferredBytes: read.transferredBytes,
    };
  } finally {
    await context.close();
  }
}

export interface TargetResults {
  readonly url: string;
  /** The first load after the platform started (nothing had warmed its processes up), apart. */
  readonly first: PageLoad;
  readonly runs: readonly PageLoad[];
}

export interface FirstListResults {
  readonly startedHere: boolean;
  readonly chromium: string;
  readonly targets: readonly TargetResults[];
  readonly loadAverage: { readonly before: number; readonly after: number };
}

/**
 * Loads each shop's front page runs + 1 times, each cold; each shop's first load is kept apart.
 * Within a round the shops take turns, in the opposite order every other round.
 */
export async function measureFirstList(urls: readonly string[], runs: number, startedHere: boolean): Promise<FirstListResults> {
  const before = loadavg()[0] ?? Number.NaN;
  const browser = await launchChromium();
  try {
    const firsts: PageLoad[] = [];
    for (const url of urls) {
      const first = await loadOnce(browser, url);
      firsts.push(first);
      log(`${url}: first load after start: first product at ${first.firstProductMs.toFixed(0)} ms`);
    }
    const measured: PageLoad[][] = urls.map(() => []);
    for (let run = 1; run <= runs; run++) {
      const order = urls.map((_, index) => index);
      if (run % 2 === 0) order.reverse();
      for (const index of order) {
        const url = urls[index] ?? '';
        const load = await loadOnce(browser, url);
        measured[index]?.push(load);
        log(`run ${run}/${runs} ${url}: first product at ${load.firstProductMs.toFixed(0)} ms`);
      }
    }
    const targets = urls.map((url, index) => ({ url, first: firsts[index] ?? missing(url), runs: measured[index] ?? [] }));
    return { startedHere, chromium: browser.version(), targets, loadAverage: { before, after: loadavg()[0] ?? Number.NaN } };
  } finally {
    await browser.close();
  }
}

function missing(url: string): never {
  throw new Error(`no first load of ${url}`);
}

const ms = (value: number | null) => (value === null || !Number.isFinite(value) ? '–' : value.toFixed(0));

function targetTable(target: TargetResults): string[] {
  const column = (pick: (load: PageLoad) => number | null) => target.runs.map(pick).filter((value): value is number => value !== null);
  const row = (what: string, pick: (load: PageLoad) => number | null) => {
    const values = column(pick);
    return `| ${what} | ${ms(median(values))} | ${ms(percentile(values, 90))} | ${ms(values.length === 0 ? null : Math.max(...values))} | ${ms(pick(target.first))} |`;
  };
  const shown = column((load) => load.firstProductMs);
  return [
    '| from navigation start to | median | p90 | max | first load after start |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('first byte of the page', (load) => load.firstByteMs),
    row('DOMContentLoaded', (load) => load.domContentLoadedMs),
    row('first /graphql request sent', (load) => load.graphqlSentMs),
    row('first contentful paint', (load) => load.firstContentfulPaintMs),
    row('first /graphql answer', (load) => load.firstGraphqlMs),
    row('first product card in the DOM', (load) => load.inDomMs),
    row('**first product on screen** (the frame that paints it)', (load) => load.firstProductMs),
    '',
    `Under the 1 s budget: ${shown.filter((value) => value < 1000).length} of ${shown.length} loads. Each load: ${target.runs[0]?.requests ?? '–'} requests, ` +
      `${((target.runs[0]?.transferredBytes ?? Number.NaN) / 1024).toFixed(1)} KiB transferred.`,
    '',
    `Every run, first product on screen (ms): ${shown.map((value) => value.toFixed(0)).join(', ')}.`,
  ];
}

/** The results as the Markdown file bench/results/<date>-storefront.md. */
export function report(results: FirstListResults, date: string): string {
  const lines = [
    `# First product list of the shop, ${date}`,
    '',
    `\`npm run bench:storefront\`: headless Chromium ${results.chromium}, each load in a new browser profile (empty cache, no cookies), ` +
      `${results.startedHere ? '`npm start` started by the benchmark (embedded databases, 50 demo products)' : 'platforms already running'}; ` +
      `${results.targets[0]?.runs.length ?? 0} measured loads per shop after a first one. Times in ms from navigation start. Machine: ${availableParallelism()} × ${cpus()[0]?.model ?? 'CPU'}, ` +
      `Node ${process.version}, load average ${results.loadAverage.before.toFixed(1)} before, ${results.loadAverage.after.toFixed(1)} after.`,
  ];
  for (const target of results.targets) lines.push('', `## ${target.url}/`, '', ...targetTable(target));
  if (results.targets.length > 1) {
    const medianOf = (target: TargetResults | undefined) => median((target?.runs ?? []).map((load) => load.firstProductMs));
    const base = medianOf(results.targets[0]);
    lines.push('', '## Medians of first product on screen, relative to the first shop', '');
    for (const target of results.targets) lines.push(`- ${target.url}/: ${ms(medianOf(target))} ms (${(medianOf(target) / base).toFixed(2)})`);
  }
  lines.push('');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, url: { type: 'string', multiple: true } } });
  const runs = z.coerce.number().int().min(1).max(200).parse(values.runs);
  const given = (values.url ?? []).map((url) => z.url().parse(url).replace(/\/+$/, ''));
  let urls = given;
  let platform: ReturnType<typeof runNpm> | undefined;
  let scratch: string | undefined;
  try {
    if (urls.length === 0) {
      if (await ensureStorefront()) log('built the shop (its sources changed since the last build)');
      scratch = await mkdtemp(join(tmpdir(), 'emporium-storefront-bench-'));
      const setup = await newStartSetup(join(scratch, 'data'));
      log('starting npm start');
      platform = runNpm(['start'], setup.env);
      const ready = await platform.ready;
      log(`npm start ready in ${ready.seconds} s`);
      urls = [setup.gateway];
    }
    const results = await measureFirstList(urls, runs, given.length === 0);
    const date = new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, '');
    const markdown = report(results, date);
    const dir = join(root, 'bench', 'results');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${date}-storefront.md`);
    await writeFile(file, markdown);
    process.stdout.write(`\n${markdown}\nwritten to ${file}\n`);
  } finally {
    await platform?.stop();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
