import { spawnSync } from 'node:child_process';

// npm run check: every static check, in this order, each one an npm script of its own. It goes on
// past a failing check and reports all of them: they do not depend on one another (regenerating
// code comes before the type check, so a stale gen/ is reported once, as drift), and whoever runs
// this wants the whole list of what to fix in one go. It exits non-zero when any failed.

const STATIC_CHECKS = [
  { script: 'check:proto', what: 'buf lint on proto/' },
  { script: 'check:proto-breaking', what: 'buf breaking: proto/ against main (CHECK_AGAINST=<ref>)' },
  { script: 'check:schema', what: 'GraphQL schema breaking changes against main (CHECK_AGAINST=<ref>)' },
  { script: 'check:generated', what: 'npm run generate changes nothing' },
  { script: 'typecheck', what: 'TypeScript' },
  { script: 'lint', what: 'ESLint' },
] as const;

interface CheckResult {
  readonly script: string;
  readonly ok: boolean;
  readonly seconds: number;
}

function runCheck(script: string, what: string): CheckResult {
  console.log(`\n--- npm run ${script}: ${what}`);
  const started = performance.now();
  const run = spawnSync('npm', ['run', '--silent', script], { stdio: 'inherit' });
  if (run.error) throw run.error;
  return { script, ok: run.status === 0, seconds: (performance.now() - started) / 1000 };
}

const results = STATIC_CHECKS.map(({ script, what }) => runCheck(script, what));
const width = Math.max(...results.map((result) => result.script.length));
console.log('\nstatic checks:');
for (const result of results) {
  console.log(`  ${result.script.padEnd(width)}  ${(result.ok ? 'ok' : 'FAILED').padEnd(6)}  (${result.seconds.toFixed(1)} s)`);
}
const failed = results.filter((result) => !result.ok).map((result) => result.script);
if (failed.length > 0) {
  console.log(`static checks FAILED: ${failed.join(', ')}`);
  process.exitCode = 1;
}
