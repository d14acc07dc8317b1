import { readFile } from 'node:fs/promises';
import { z } from 'zod';

// A summary of a V8 .cpuprofile (node --cpu-prof): where the process spent its own time, by
// function and by package, to read next to the numbers without opening a profiler.

const cpuProfile = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      hitCount: z.number().optional(),
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
  readonly percent: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Time not idle and not garbage collection. */
  readonly busyPercent: number;
  readonly functions: readonly ProfileEntry[];
  readonly packages: readonly ProfileEntry[];
}

/** "fastify", "@grpc/grpc-js", "node:internal", "services/gateway", "(garbage collector)"… */
export function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1] !== undefined) return modules[1];
  if (url.startsWith('node:')) return 'node (built-in)';
  const workspace = /\/((?:services|packages)\/[^/]+|bench)\//.exec(url);
  return workspace?.[1] ?? url;
}

export function summarizeProfile(json: unknown, top = 20): ProfileSummary {
  const profile = cpuProfile.parse(json);
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // Self time per node: a sample lasts until the next one (the last one until the profile ends),
  // as Chrome DevTools counts it.
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  samples.forEach((nodeId, index) => {
    at += deltas[index] ?? 0;
    const next = deltas[index + 1];
    const duration = next ?? Math.max(profile.endTime - at, 0);
    selfUs.set(nodeId, (selfUs.get(nodeId) ?? 0) + duration);
  });
  const totalUs = Math.max(profile.endTime - profile.startTime, 1);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let idleUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') idleUs += functionName === '(idle)' ? us : 0;
    const where = url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|services|packages|bench)\//, '$1/')}:${lineNumber + 1}`;
    const name = `${functionName || '(anonymous)'}${where}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const entries = (map: Map<string, number>) =>
    [...map.entries()]
      .sort(([, a], [, b]) => b - a)
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), percent: Math.round((us / totalUs) * 1000) / 10 }));
  return {
    totalMs: Math.round(totalUs / 1000),
    busyPercent: Math.round((1 - idleUs / totalUs) * 1000) / 10,
    functions: entries(byFunction),
    packages: entries(byPackage),
  };
}

export async function readProfileSummary(path: string, top = 20): Promise<ProfileSummary> {
  const json: unknown = JSON.parse(await readFile(path, 'utf8'));
  return summarizeProfile(json, top);
}

export function renderProfileSummary(label: string, summary: ProfileSummary): string {
  const lines = [`CPU profile of ${label}: ${(summary.totalMs / 1000).toFixed(1)} s recorded, ${summary.busyPercent}% not idle`, '', 'self time by package:'];
  for (const entry of summary.packages) lines.push(`  ${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}`);
  lines.push('', 'self time by function:');
  for (const entry of summary.functions) lines.push(`  ${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}`);
  return `${lines.join('\n')}\n`;
}
