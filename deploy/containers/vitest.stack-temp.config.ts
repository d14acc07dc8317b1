import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// TEMPORARY (helper B's worktree only): the container suite's config is helper A's
// deploy/containers/vitest.config.ts; this one runs the stack tests here until that merges, without
// its global image build (the images are built beforehand with EMPORIUM_TAG set).
export default defineConfig({
  ssr: { resolve: { conditions: ['@emporium/source', ...defaultServerConditions] } },
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['deploy/containers/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
