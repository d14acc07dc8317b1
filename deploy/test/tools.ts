import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/*
 * The real tools the deployment checks run: the docker CLI (with its compose plugin) and kubectl
 * (its built-in kustomize). A missing tool fails the test with what to install; nothing skips.
 */

const execFileAsync = promisify(execFile);

const INSTALL: Readonly<Record<string, string>> = {
  docker: 'the docker CLI and its compose plugin (Debian: docker-cli docker-compose; .ci/run installs them)',
  kubectl: 'kubectl with its built-in kustomize v5 (the machine must have it: .ci/run does not install it)',
};

export class ToolError extends Error {
  override readonly name = 'ToolError';
  constructor(
    message: string,
    readonly exitCode: number | undefined,
    readonly stderr: string,
  ) {
    super(message);
  }
}

export interface RunOptions {
  readonly cwd?: string;
  /** Added to the tool's environment, which inherits only PATH, HOME, DOCKER_* and KUBECONFIG. */
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

function errorField(error: unknown, field: string): unknown {
  return typeof error === 'object' && error !== null && field in error ? (error as Record<string, unknown>)[field] : undefined;
}

/** Runs a tool to completion and returns its stdout; throws a ToolError with its stderr when it fails. */
export async function run(tool: 'docker' | 'kubectl', args: readonly string[], options: RunOptions = {}): Promise<string> {
  // The daemon and kubeconfig the caller chose go along; nothing else leaks into interpolation.
  const passed = Object.entries(process.env).filter(([key]) => key.startsWith('DOCKER_') || key === 'KUBECONFIG');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...Object.fromEntries(passed), ...options.env };
  try {
    const { stdout } = await execFileAsync(tool, args, { cwd: options.cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 120_000 });
    return stdout;
  } catch (error) {
    if (errorField(error, 'code') === 'ENOENT') {
      throw new ToolError(`${tool} is not installed: install ${INSTALL[tool] ?? tool}`, undefined, '');
    }
    const code = errorField(error, 'code');
    const output = errorField(error, 'stderr');
    const stderr = typeof output === 'string' ? output : '';
    throw new ToolError(`${tool} ${args.join(' ')} failed (${String(code)}): ${stderr.trim()}`, typeof code === 'number' ? code : undefined, stderr);
  }
}
