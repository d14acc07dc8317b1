import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eventually } from '@emporium/testkit/eventually.js';
import type { ComposeProject } from './compose.js';

const exec = promisify(execFile);

/**
 * SIGKILL, from the host, of one process of a container (by its host pid): no handler runs, nothing
 * is flushed. Resolves once the container's restart policy has brought it back running and healthy.
 */
export async function killAndAwaitRestart(stack: ComposeProject, container: string, pid: number): Promise<void> {
  const before = await stack.state(container);
  await exec('kill', ['-9', String(pid)]);
  await eventually(
    () => stack.state(container),
    (state) => state.restarts > before.restarts && state.status === 'running' && state.health === 'healthy',
    120_000,
  );
}
