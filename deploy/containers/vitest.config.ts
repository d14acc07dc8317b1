import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// `npm run test:containers`: the tests that run real containers on the Docker daemon. Kept out of
// `npm test` (the root config never includes deploy/containers/): they need Docker and the images.
// The global setup builds the images first (deploy/images/build.ts, the same as `npm run images`),
// so the suite works from a fresh clone; with the images already built that is a few cached seconds.

const tenMinutes = 600_000;

export default defineConfig({
  // Like the root config: workspace packages (the testkit) resolve to their TypeScript sources.
  ssr: {
    resolve: {
      // Without the bundlers' `module` condition, as in the root config (see there).
      conditions: ['@emporium/source', ...defaultServerConditions.filter((condition) => condition !== 'module')],
    },
  },
  test: {
    name: 'containers',
    root: new URL('../..', import.meta.url).pathname,
    include: ['deploy/containers/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // One file at a time: every file shares one Docker daemon and this machine's 2 cores.
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: tenMinutes,
    hookTimeout: tenMinutes,
    teardownTimeout: tenMinutes,
    globalSetup: ['deploy/containers/global-setup.ts'],
  },
});
