import { readFile } from 'node:fs/promises';
import { z } from 'zod';

// A summary of a V8 .cpuprofile (node --cpu-prof): where the process spent its time, by function,
// by package, and by the package that caused it, to read next to the numbers without a profiler.

const cpuProfile = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      hitCount: z.number().optional(),
      children: z.array(z.number()).optional(),
    }),
  ),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number()).optional(),
  timeDeltas: z.array(z.number()).optional(),
});

export interface ProfileEntry {
  readonly name: string;
  readonly selfMs: number;
  /** Of the busy (not idle) time summarized. */
  readonly percent: number;
}

export interface ProfileSummary {
  /** Time summarized (after the skipped start), ms. */
  readonly totalMs: number;
  /** Share of that time not idle. */
  readonly busyPercent: number;
  /** Self time by function. */
  readonly functions: readonly ProfileEntry[];
  /** Self time by the package of the function. */
  readonly packages: readonly ProfileEntry[];
  /**
   * Time by the nearest package or workspace on the stack: Node's own functions (sockets, http2,
   * async hooks) and native code are charged to whoever called them.
   */
  readonly callers: readonly ProfileEntry[];
}

/** The package or workspace of a script: "fastify", "@grpc/grpc-js", "services/gateway"; undefined for Node's own. */
export function ownerOf(url: string): string | undefined {
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1] !== undefined) return modules[1];
  // The last such directory on the path: a checkout may itself sit in a directory named bench.
  return /.*\/((?:services|packages)\/[^/]+|bench)\//.exec(url)?.[1];
}

/** ownerOf, or what else the frame is: "node (built-in)", "(garbage collector)", "(native)". */
export function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (built-in)';
  return ownerOf(url) ?? url;
}

const IDLE = '(idle)';

export interface SummaryOptions {
  readonly top?: number;
  /** Leave out the first milliseconds (start-up: loading modules, migrating, seeding). */
  readonly skipMs?: number;
}

export function summarizeProfile(json: unknown, options: SummaryOptions = {}): ProfileSummary {
  const top = options.top ?? 20;
  const profile = cpuProfile.parse(json);
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const skipUntil = profile.startTime + (options.skipMs ?? 0) * 1000;

  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const byCaller = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  let totalUs = 0;
  let idleUs = 0;
  // A sample lasts until the next one (the last one until the profile ends), as DevTools counts it.
  let at = profile.startTime;
  samples.forEach((nodeId, index) => {
    at += deltas[index] ?? 0;
    const us = deltas[index + 1] ?? Math.max(profile.endTime - at, 0);
    const node = nodes.get(nodeId);
    if (at < skipUntil || node === undefined || us === 0) return;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === IDLE) {
      idleUs += us;
      return;
    }
    const where = url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|services|packages|bench)\//, '$1/')}:${lineNumber + 1}`;
    add(byFunction, `${functionName || '(anonymous)'}${where}`, us);
    add(byPackage, packageOf(url, functionName), us);
    let caller: string | undefined;
    for (let id: number | undefined = nodeId; id !== undefined && caller === undefined; id = parents.get(id)) {
      caller = ownerOf(nodes.get(id)?.callFrame.url ?? '');
    }
    add(byCaller, caller ?? packageOf(url, functionName), us);
  });
  const busyUs = Math.max(totalUs - idleUs, 1);
  const entries = (map: Map<string, number>) =>
    [...map.entries()]
      .sort(([, a], [, b]) => b - a)
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), percent: Math.round((us / busyUs) * 1000) / 10 }));
  return {
    totalMs: Math.round(totalUs / 1000),
    busyPercent: totalUs === 0 ? 0 : Math.round((1 - idleUs / totalUs) * 1000) / 10,
    functions: entries(byFunction),
    packages: entries(byPackage),
    callers: entries(byCaller),
  };
}

export async function readProfileSummary(path: string, options: SummaryOptions = {}): Promise<ProfileSummary> {
  const json: unknown = JSON.parse(await readFile(path, 'utf8'));
  return summarizeProfile(json, options);
}

export function renderProfileSummary(label: string, summary: ProfileSummary): string {
  const lines = [
    `CPU profile of ${label}: ${(summary.totalMs / 1000).toFixed(1)} s after start-up, ${summary.busyPercent}% of it busy; shares of the busy time:`,
    '',
    'by the package or workspace that made the call (Node internals charged to their caller):',
  ];
  const list = (entries: readonly ProfileEntry[]) => entries.map((entry) => `  ${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}`);
  lines.push(...list(summary.callers), '', 'self time by package:', ...list(summary.packages), '', 'self time by function:', ...list(summary.functions));
  return `${lines.join('\n')}\n`;
}
