// .ci/summary.mjs turns the three test runs' vitest JSON reports into CI's closing line
// "N passed, N failed". The reports here are written by hand, so each expected count is read off
// the fixture, not computed by the code under test.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const reports = mkdtempSync(path.join(tmpdir(), 'emporium-ci-summary-'));
afterAll(() => rmSync(reports, { recursive: true, force: true }));

interface Summary {
  readonly code: number | null;
  readonly lines: readonly string[];
}

function summarize(...args: readonly string[]): Promise<Summary> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, '.ci/summary.mjs'), ...args], (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, lines: `${stdout}${stderr}`.split('\n').filter((line) => line !== '') });
    });
  });
}

function report(name: string, content: unknown): string {
  const file = path.join(reports, name);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

const passedTest = { status: 'passed' };
const failedTest = { status: 'failed' };

/** A run whose files all passed: `passed` tests in one file. */
function passingRun(name: string, passed: number): string {
  return report(name, {
    numPassedTests: passed,
    numFailedTests: 0,
    numPendingTests: 0,
    success: true,
    testResults: [{ name: '/a.test.ts', status: 'passed', message: '', assertionResults: Array.from({ length: passed }, () => passedTest) }],
  });
}

const closingLine = /^\d+ passed, \d+ failed$/;

describe('.ci/summary.mjs', () => {
  it('adds the three runs into one closing line, last, and exits 0 when nothing failed', async () => {
    const { code, lines } = await summarize(
      'node20',
      passingRun('green-node20.json', 10),
      '0',
      'node24',
      passingRun('green-node24.json', 10),
      '0',
      'containers',
      passingRun('green-containers.json', 4),
      '0',
    );
    expect(lines.at(-1)).toBe('24 passed, 0 failed');
    expect(lines.filter((line) => closingLine.test(line))).toHaveLength(1);
    expect(code).toBe(0);
  });

  it('counts failed tests and exits 1', async () => {
    const oneFailure = report('one-failure.json', {
      numPassedTests: 8,
      numFailedTests: 1,
      numPendingTests: 2,
      success: false,
      testResults: [
        { name: '/b.test.ts', status: 'failed', message: '', assertionResults: [passedTest, failedTest] },
        { name: '/c.test.ts', status: 'passed', message: '', assertionResults: Array.from({ length: 7 }, () => passedTest) },
      ],
    });
    const { code, lines } = await summarize('node20', passingRun('green.json', 10), '0', 'node24', oneFailure, '1');
    expect(lines.at(-1)).toBe('18 passed, 1 failed');
    expect(lines).toContain('  node24: passed=8 failed=1 skipped=2');
    expect(code).toBe(1);
  });

  it('counts a test file that failed outside any test (an import error) as one failure, and names it', async () => {
    const importError = report('import-error.json', {
      numPassedTests: 5,
      numFailedTests: 0,
      numPendingTests: 0,
      success: false,
      testResults: [
        { name: '/broken.test.ts', status: 'failed', message: 'Error: Cannot find module x\n    at somewhere', assertionResults: [] },
        { name: '/d.test.ts', status: 'passed', message: '', assertionResults: Array.from({ length: 5 }, () => passedTest) },
      ],
    });
    const { code, lines } = await summarize('node20', importError, '1');
    expect(lines.at(-1)).toBe('5 passed, 1 failed');
    expect(lines.some((line) => line.includes('/broken.test.ts') && line.includes('Cannot find module x'))).toBe(true);
    expect(code).toBe(1);
  });

  it('counts a run without a report (killed, or never started) as one failure', async () => {
    const { code, lines } = await summarize(
      'node20',
      passingRun('before-killed.json', 3),
      '0',
      'containers',
      path.join(reports, 'never-written.json'),
      '137',
    );
    expect(lines.at(-1)).toBe('3 passed, 1 failed');
    expect(code).toBe(1);
  });

  it('counts one failure when vitest exited non-zero although no test failed (an unhandled error)', async () => {
    const { code, lines } = await summarize('node24', passingRun('unhandled.json', 6), '1');
    expect(lines.at(-1)).toBe('6 passed, 1 failed');
    expect(code).toBe(1);
  });

  it('counts a file that is not a vitest report as one failure', async () => {
    const { lines } = await summarize('node20', report('not-vitest.json', { tests: 3 }), '0');
    expect(lines.at(-1)).toBe('0 passed, 1 failed');
  });

  it('refuses arguments that are not label, report, exit code triples', async () => {
    const { code } = await summarize('node20', passingRun('lonely.json', 1));
    expect(code).toBe(2);
  });
});
