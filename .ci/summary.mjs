// Sums vitest JSON reports into the one closing line CI is judged by: "N passed, N failed".
//
// Usage: node .ci/summary.mjs <label> <report.json> <vitest-exit-code> [<label> <report.json> <code> ...]
//
// Per run, failed = failed tests
//                 + test files that failed without a failing test (import error, failing hook)
//                 + 1 if the report is missing or unreadable
//                 + 1 if vitest still said the run failed but nothing above was counted
//                   (unhandled error, no test files found, ...).
// Exits 1 when anything failed, so the caller can use the exit code directly.
import { readFileSync } from 'node:fs';

/** @param {string} label @param {string} file @param {number} exitCode */
function summarizeRun(label, file, exitCode) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { label, passed: 0, failed: 1, note: `no readable JSON report at ${file} (${reason})` };
  }
  if (typeof report?.numPassedTests !== 'number' || typeof report?.numFailedTests !== 'number') {
    return { label, passed: 0, failed: 1, note: `${file} is not a vitest JSON report` };
  }

  const results = Array.isArray(report.testResults) ? report.testResults : [];
  const fileLevelFailures = results.filter(
    (result) =>
      result?.status === 'failed' &&
      !(result.assertionResults ?? []).some((assertion) => assertion?.status === 'failed'),
  );
  let failed = report.numFailedTests + fileLevelFailures.length;
  const notes = fileLevelFailures.map(
    (result) => `file failed outside any test: ${result.name}: ${firstLine(result.message)}`,
  );
  if (failed === 0 && (exitCode !== 0 || report.success === false)) {
    failed = 1;
    notes.push(`vitest reported a failed run (exit code ${exitCode}) with no failed test: see its output above`);
  }
  return { label, passed: report.numPassedTests, failed, skipped: report.numPendingTests ?? 0, note: notes.join('\n    ') };
}

/** @param {unknown} message */
function firstLine(message) {
  const text = typeof message === 'string' && message.trim() !== '' ? message : 'no message';
  return text.split('\n')[0];
}

const args = process.argv.slice(2);
if (args.length === 0 || args.length % 3 !== 0) {
  console.error('usage: node .ci/summary.mjs <label> <report.json> <exit-code> [...]');
  process.exit(2);
}

const runs = [];
for (let i = 0; i < args.length; i += 3) {
  const code = Number.parseInt(args[i + 2], 10);
  runs.push(summarizeRun(args[i], args[i + 1], Number.isNaN(code) ? 1 : code));
}

// Per-run details are worded so that they never look like the closing line.
for (const run of runs) {
  console.log(`  ${run.label}: passed=${run.passed} failed=${run.failed} skipped=${run.skipped ?? 0}`);
  if (run.note) console.log(`    ${run.note}`);
}

const passed = runs.reduce((sum, run) => sum + run.passed, 0);
const failed = runs.reduce((sum, run) => sum + run.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
