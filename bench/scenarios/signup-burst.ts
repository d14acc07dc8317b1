import { REFUSED, runSignUpBurst, type BurstSummary } from '../load/sign-up-wave.js';
import type { BenchOptions, ScenarioId } from '../options.js';
import { log, mib } from '../report/progress-log.js';
import { summarizeRuns, type CheckResult, type MeasuredRun, type ScenarioResult } from '../report/results.js';
import { ADMIN } from '../targets/platform.js';
import type { RunContext } from './plan.js';

// Scenario 6, signup-burst: waves of sign-ups sent at once (load/sign-up-wave.ts) against the
// started gateway, their CPU cost per sign-up, and the checks of its budgets.

/** Under a burst, a refusal must be answered fast and the service must still log people in: within these budgets. */
const REFUSAL_BUDGET_MS = 1_000;
const LOG_IN_AFTER_BUDGET_MS = 2_000;
/** Between waves the account service's queue drains, so each wave meets an idle service. */
const PAUSE_BETWEEN_WAVES_MS = 3_000;

/**
 * The signup-burst scenario: waves of `burstSize` sign-ups sent at once, each followed by the administrator's
 * logIn. Not a timed load: every wave is one burst, measured to its last answer. Sign-ups must
 * either succeed or be refused fast with TOO_MANY_REQUESTS; nothing else is acceptable.
 */
export async function runSignUpBurstScenario(id: ScenarioId, options: BenchOptions, context: RunContext): Promise<ScenarioResult> {
  const title = 'sign-up burst, then logIn';
  log(`scenario ${id} (signup-burst): ${title}`);
  const runs: MeasuredRun[] = [];
  const checks: CheckResult[] = [];
  for (let wave = 0; wave <= options.runs; wave++) {
    if (wave > 0) await new Promise((done) => setTimeout(done, PAUSE_BETWEEN_WAVES_MS));
    const cpuBefore = context.processes.map((process) => process.cpuSeconds());
    const burst = await runSignUpBurst({
      url: context.gatewayUrl,
      size: options.burstSize,
      emailPrefix: `s${id}-${Date.now().toString(36)}-${wave}`,
      logIn: ADMIN,
    });
    const cpuMsPerRequest: Record<string, number> = {};
    context.processes.forEach((process, index) => {
      const before = cpuBefore[index];
      const after = process.cpuSeconds();
      if (before !== undefined && after !== undefined) cpuMsPerRequest[process.name] = Math.round(((after - before) * 1000 * 1000) / options.burstSize) / 1000;
    });
    if (wave > 0) runs.push({ ...burst.run, cpuMsPerRequest });
    const label = wave === 0 ? 'warm-up' : `wave ${wave}`;
    log(
      `  ${label}: ${burst.run.ok} signed up, ${burst.run.errors[REFUSED] ?? 0} refused (${(burst.refusedShare * 100).toFixed(0)}%), ` +
        `${burst.signUpsPerSecond.toFixed(1)} sign-ups/s; success p99 ${burst.succeeded.p99.toFixed(0)} ms, refusal max ${burst.refused.max.toFixed(0)} ms; ` +
        `logIn after ${burst.logInAfter.outcome} in ${burst.logInAfter.ms.toFixed(0)} ms; others ${JSON.stringify(burst.run.errors)}`,
    );
    checks.push(...burstChecks(label, burst));
  }
  return {
    id,
    title,
    request: `${options.burstSize} signUp mutations sent at once (one wave per run, ${PAUSE_BETWEEN_WAVES_MS / 1000} s apart), then one logIn; req/s is the wave's answers over its wall time`,
    gateway: { target: 'gateway', connections: options.burstSize, warmupSeconds: 0, runs, median: summarizeRuns(runs) },
    expectedErrors: [REFUSED],
    checks,
    peakRssMiB: Object.fromEntries(context.processes.map((process) => [process.name, mib(process.peakRssKiB())])),
  };
}

function burstChecks(label: string, burst: BurstSummary): CheckResult[] {
  const others = Object.entries(burst.run.errors).filter(([code]) => code !== REFUSED);
  const refusals = burst.run.errors[REFUSED] ?? 0;
  return [
    {
      name: `sign-up burst ${label}: only successes and fast refusals`,
      passed: others.length === 0 && (refusals === 0 || burst.refused.max < REFUSAL_BUDGET_MS),
      detail:
        `${burst.run.ok} succeeded (p50 ${burst.succeeded.p50.toFixed(0)} ms, p99 ${burst.succeeded.p99.toFixed(0)} ms, ` +
        `${burst.signUpsPerSecond.toFixed(1)}/s), ${refusals} ${REFUSED} (${(burst.refusedShare * 100).toFixed(0)}%, slowest ${burst.refused.max.toFixed(0)} ms; budget ${REFUSAL_BUDGET_MS} ms)` +
        (others.length === 0 ? '' : `; other answers: ${others.map(([code, count]) => `${count} ${code}`).join(', ')}`),
    },
    {
      name: `logIn right after the burst ${label}`,
      passed: burst.logInAfter.outcome === 'OK' && burst.logInAfter.ms < LOG_IN_AFTER_BUDGET_MS,
      detail: `${burst.logInAfter.outcome} in ${burst.logInAfter.ms.toFixed(0)} ms (budget ${LOG_IN_AFTER_BUDGET_MS} ms)`,
    },
  ];
}
