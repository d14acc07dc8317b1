import { describe, expect, it } from 'vitest';
import { ToolError, run } from './tools.js';

/* The deployment checks fail, never skip, when a tool they run is missing, and say what to install. */

describe('running the real tools', () => {
  it('fails naming what to install when the tool is not on PATH', async () => {
    const nowhere = { PATH: '/nonexistent' };
    await expect(run('docker', ['version'], { env: nowhere })).rejects.toThrow(/docker is not installed: install the docker CLI and its compose plugin/);
    await expect(run('kubectl', ['version', '--client'], { env: nowhere })).rejects.toThrow(/kubectl is not installed: install kubectl with its built-in kustomize/);
  });

  it("reports a failing tool's exit code and its stderr", async () => {
    const error = await run('kubectl', ['kustomize', '/nonexistent-kustomization']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ToolError);
    expect(error instanceof ToolError ? error.exitCode : undefined).toBe(1);
    expect(String(error)).toMatch(/nonexistent-kustomization/);
  });

  it('finds the versions these checks are written for', async () => {
    expect(await run('kubectl', ['version', '--client'])).toMatch(/Kustomize Version: v5\./);
    expect(await run('docker', ['compose', 'version', '--short'])).toMatch(/^v?2\./);
  });
});
