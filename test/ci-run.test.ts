// .ci/run's own logic — the order of its steps, the step named when one fails, the background
// jobs, the three test runs that all run, the closing line — on a copy of .ci/run whose step
// scripts (and npm) are stand-ins that only log what was asked of them. The real steps are each
// run on their own (npm run check:*, .ci/postgresql-up, ...); here only the wiring is under test.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sandbox = mkdtempSync(path.join(tmpdir(), 'emporium-ci-run-'));
const calls = path.join(sandbox, 'calls.log');

/** A stand-in that logs `<name> <args>` and fails when CI_STUB_FAIL names it (or it and its arguments). */
function stub(name: string, body = ''): string {
  return `#!/usr/bin/env bash
echo "${name} $*" >>"${calls}"
[[ \${CI_STUB_FAIL:-} == "${name}" || \${CI_STUB_FAIL:-} == "${name} $*" ]] && { echo "    error: ${name} was told to fail" >&2; exit 1; }
${body}
exit 0
`;
}

function writeExecutable(file: string, text: string): void {
  writeFileSync(file, text);
  chmodSync(file, 0o755);
}

// A vitest JSON report with two passing tests, or one passing and one failing when told to fail.
const testRunBody = `
label=$1
mkdir -p .cache/ci-reports
if [[ \${CI_STUB_FAIL:-} == "test-run-$label" ]]; then
  echo '{"numPassedTests":1,"numFailedTests":1,"success":false,"testResults":[]}' >".cache/ci-reports/$label.json"
  exit 1
fi
echo '{"numPassedTests":2,"numFailedTests":0,"success":true,"testResults":[]}' >".cache/ci-reports/$label.json"
`;

beforeAll(() => {
  const ci = path.join(sandbox, '.ci');
  mkdirSync(ci);
  for (const file of ['run', 'lib.sh', 'summary.mjs']) copyFileSync(path.join(root, '.ci', file), path.join(ci, file));
  chmodSync(path.join(ci, 'run'), 0o755);
  for (const step of ['postgresql-up', 'redis-up', 'nats-up', 'test-tools', 'docker']) writeExecutable(path.join(ci, step), stub(step));
  writeExecutable(path.join(ci, 'machine-packages'), stub('machine-packages', 'sleep 0.5; echo "machine packages done"'));
  writeExecutable(
    path.join(ci, 'node24'),
    stub('node24', `mkdir -p .cache/node24/bin && printf '#!/bin/sh\\necho v24.0.0\\n' >.cache/node24/bin/node && chmod +x .cache/node24/bin/node`),
  );
  writeExecutable(path.join(ci, 'test-run'), stub('test-run', testRunBody));
  const bin = path.join(sandbox, 'bin');
  mkdirSync(bin);
  writeExecutable(
    path.join(bin, 'npm'),
    `#!/usr/bin/env bash
[[ $1 == --version ]] && { echo 11.0.0-stub; exit 0; }
echo "npm $*" >>"${calls}"
[[ $* == "run --silent check" && \${CI_STUB_FAIL:-} == check ]] && { echo 'static checks FAILED: lint'; exit 1; }
exit 0
`,
  );
});

afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly output: string;
  readonly lines: readonly string[];
  readonly calls: readonly string[];
}

function runCi(fail?: string): Promise<Run> {
  rmSync(calls, { force: true });
  rmSync(path.join(sandbox, '.cache'), { recursive: true, force: true });
  const env = { ...process.env, PATH: `${path.join(sandbox, 'bin')}:${process.env['PATH'] ?? ''}`, CI_STUB_FAIL: fail ?? '' };
  return new Promise((resolve) => {
    execFile('bash', [path.join(sandbox, '.ci/run')], { env, cwd: tmpdir() }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      const output = `${stdout}${stderr}`;
      let logged: string[] = [];
      try {
        logged = readFileSync(calls, 'utf8').split('\n').filter((line) => line !== '');
      } catch {
        // nothing was called
      }
      // The closing line is judged on standard output.
      resolve({ code, output, lines: stdout.split('\n').filter((line) => line !== ''), calls: logged });
    });
  });
}

/** The step names in the order their headers were printed ("==> [  3s] redis: ..."). */
function stepsOf(output: string): string[] {
  return [...output.matchAll(/^==> \[ *\d+s\] ([^:(]+?)(?::| \(|$)/gm)].map((match) => match[1] ?? '');
}

describe('.ci/run', () => {
  it('runs every step in order and closes with the sum of the three test runs', async () => {
    const { code, output, lines, calls } = await runCi();
    expect(stepsOf(output)).toEqual([
      'npm ci',
      'postgresql',
      'redis',
      'nats',
      'static checks',
      'node 24',
      'machine packages',
      'test tools',
      'docker',
      'tests on node20',
      'tests on node24',
      'container tests',
      'test summary',
    ]);
    expect(calls).toContain('npm run --silent check');
    expect(calls).toContain('npm run images');
    expect(calls.filter((call) => call.startsWith('test-run '))).toEqual(['test-run node20 600 test', 'test-run node24 600 test', 'test-run containers 1200 test:containers']);
    expect(output).toContain('machine packages done');
    expect(lines.at(-1)).toBe('6 passed, 0 failed');
    expect(code).toBe(0);
  });

  it('stops at the first failing step, names it, and stops the dockerd it may have started', async () => {
    const { code, output, calls } = await runCi('redis-up');
    expect(output).toMatch(/^CI FAILED \(redis\): /m);
    expect(stepsOf(output)).toEqual(['npm ci', 'postgresql', 'redis']);
    expect(calls).not.toContain('npm run --silent check');
    expect(calls).toContain('docker stop');
    expect(calls.some((call) => call.startsWith('test-run'))).toBe(false);
    expect(code).toBe(1);
  });

  it('stops when a static check fails', async () => {
    const { code, output, calls } = await runCi('check');
    expect(output).toMatch(/^CI FAILED \(static checks\): /m);
    expect(calls.some((call) => call.startsWith('test-run'))).toBe(false);
    expect(code).toBe(1);
  });

  it('runs all three test runs when one fails, and the summary counts the failure', async () => {
    const { code, lines, calls } = await runCi('test-run-node24');
    expect(calls.filter((call) => call.startsWith('test-run ')).map((call) => call.split(' ')[1])).toEqual(['node20', 'node24', 'containers']);
    expect(lines.at(-1)).toBe('5 passed, 1 failed');
    expect(code).toBe(1);
  });

  it('counts the container suite as failed when Docker cannot be set up', async () => {
    const { code, output, lines, calls } = await runCi('docker start');
    expect(output).toContain('CONTAINER SUITE NOT RUN');
    expect(calls).not.toContain('npm run images');
    expect(calls.filter((call) => call.startsWith('test-run ')).map((call) => call.split(' ')[1])).toEqual(['node20', 'node24']);
    expect(lines.at(-1)).toBe('4 passed, 1 failed');
    expect(code).toBe(1);
  });
});
