import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { youngGenerationFlags } from '../node-flags.js';

// The V8 flags npm start and the benchmarks give the processes: a larger young generation on Node 20.

/** The young generation's size, in MB, of a process with these flags once it has allocated a lot. */
function youngGenerationMb(flags: readonly string[]): number {
  const script = `
    const v8 = require('node:v8');
    let kept = [];
    for (let n = 0; n < 3e6; n++) { kept.push({ n, text: 'x' + n }); if (kept.length > 200000) kept = []; }
    const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(space.space_size / 2 ** 20));`;
  return Number(execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' }));
}

describe('youngGenerationFlags', () => {
  it('gives Node 20 32 MB semi-spaces and later Nodes nothing', () => {
    expect(youngGenerationFlags('20.19.0')).toEqual(['--max-semi-space-size=32']);
    expect(youngGenerationFlags('21.7.3')).toEqual(['--max-semi-space-size=32']);
    expect(youngGenerationFlags('22.0.0')).toEqual([]);
    expect(youngGenerationFlags('24.22.3')).toEqual([]);
  });

  it('makes the young generation grow to 64 MB, where Node 20 alone stops at 32', () => {
    expect(youngGenerationMb(youngGenerationFlags('20.19.0'))).toBe(64);
    if (process.versions.node.startsWith('20.')) expect(youngGenerationMb([])).toBe(32);
  });
});
