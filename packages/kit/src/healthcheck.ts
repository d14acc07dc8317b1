import { isEntryPoint } from './entry-point.js';
import { checkHealth } from './grpc-health.js';

/*
 * The container HEALTHCHECK: `node packages/kit/dist/healthcheck.js grpc|http [target]`.
 * A node script rather than grpc_health_probe or curl, so the image carries no downloaded binary
 * and nothing the runtime does not already have. It imports only the gRPC health client (no
 * database driver, no logger), so one check costs a node start and one call.
 *
 *   grpc [host:port]   grpc.health.v1 Check of the whole server ("" service); default 127.0.0.1:$PORT
 *   http [path|url]    GET, healthy on 2xx; a bare path goes to http://127.0.0.1:$PORT; default /readyz
 *
 * Exit 0 when healthy, 1 when not (Docker's contract), with one line on stderr saying why.
 */

export type HealthcheckResult = { readonly healthy: true } | { readonly healthy: false; readonly reason: string };

export interface HealthcheckOptions {
  /** How long one check may take; Docker's own --timeout should be a little longer. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 2_000;

/** What a check will ask, resolved from its arguments and the process's own PORT. */
export type HealthcheckTarget = { readonly kind: 'grpc'; readonly address: string } | { readonly kind: 'http'; readonly url: string };

export function resolveTarget(args: readonly string[], env: NodeJS.ProcessEnv): HealthcheckTarget {
  const [kind, target, ...rest] = args;
  if (rest.length > 0) throw new Error(`unexpected arguments: ${rest.join(' ')}`);
  const local = (): string => {
    // The container's own PORT: the same variable the service listens on, so the check follows it.
    const port = env.PORT;
    if (port === undefined || !/^\d{1,5}$/.test(port)) throw new Error('PORT is not set to a port number; pass the target explicitly');
    return `127.0.0.1:${port}`;
  };
  if (kind === 'grpc') return { kind, address: target ?? local() };
  if (kind === 'http') {
    const path = target ?? '/readyz';
    if (/^https?:\/\//.test(path)) return { kind, url: path };
    if (!path.startsWith('/')) throw new Error(`http target must be a path starting with / or a URL, not ${path}`);
    return { kind, url: `http://${local()}${path}` };
  }
  throw new Error('usage: healthcheck.js grpc [host:port] | http [path|url]');
}

export async function runHealthcheck(target: HealthcheckTarget, options: HealthcheckOptions = {}): Promise<HealthcheckResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    if (target.kind === 'grpc') {
      const status = await checkHealth(target.address, '', timeoutMs);
      return status === 'SERVING' ? { healthy: true } : { healthy: false, reason: `${target.address}: ${status}` };
    }
    const response = await fetch(target.url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    // The body is not needed; cancelling it releases the connection at once.
    await response.body?.cancel();
    return response.ok ? { healthy: true } : { healthy: false, reason: `${target.url}: HTTP ${response.status}` };
  } catch (error) {
    const where = target.kind === 'grpc' ? target.address : target.url;
    return { healthy: false, reason: `${where}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

async function main(): Promise<number> {
  let target: HealthcheckTarget;
  try {
    target = resolveTarget(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`healthcheck: ${error instanceof Error ? error.message : String(error)}\n`);
    // 1, not 2: Docker reserves exit code 2 of a health check.
    return 1;
  }
  const timeout = Number(process.env.HEALTHCHECK_TIMEOUT_MS ?? DEFAULT_TIMEOUT_MS);
  const result = await runHealthcheck(target, { timeoutMs: Number.isInteger(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS });
  if (!result.healthy) process.stderr.write(`healthcheck: unhealthy: ${result.reason}\n`);
  return result.healthy ? 0 : 1;
}

if (isEntryPoint(import.meta.url)) {
  // process.exitCode rather than exit(): lets the gRPC channel close cleanly before node leaves.
  void main().then((code) => {
    process.exitCode = code;
  });
}
