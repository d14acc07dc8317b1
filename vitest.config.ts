import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under this condition (see their package.json
// "exports"), so tests run against src/ and gen/ without a build step. tsconfig.base.json sets the
// same name in customConditions, so the type checker and the test runner resolve alike.
const sourceCondition = '@emporium/source';

// Vite's defaults include the bundlers' `module` condition. Node does not use it, and under vitest
// it reaches require() calls in npm packages too: prom-client's require('@opentelemetry/api') then
// got the API's bundler-only ESM build, which Node cannot load. Tests resolve packages as Node does.
const withoutBundlerOnly = (conditions: readonly string[]) => conditions.filter((condition) => condition !== 'module');

// Tests start real gRPC servers and create their own PostgreSQL databases: give them room.
const oneMinute = 60_000;

export default defineConfig({
  // Vite's defaults are replaced, not extended, when these are set: keep them and put ours first.
  // Tests in the node environment resolve through the server (ssr) conditions; the client ones are
  // set too so nothing depends on which environment a project picks.
  resolve: {
    conditions: [sourceCondition, ...withoutBundlerOnly(defaultClientConditions)],
  },
  ssr: {
    resolve: {
      conditions: [sourceCondition, ...withoutBundlerOnly(defaultServerConditions)],
    },
  },
  test: {
    environment: 'node',
    // Each test file in its own child process, files in parallel (maxWorkers defaults to the cores).
    pool: 'forks',
    fileParallelism: true,
    testTimeout: oneMinute,
    hookTimeout: oneMinute,
    teardownTimeout: oneMinute,
    projects: [
      {
        extends: true,
        test: {
          // Checks on the tree as a whole (the import graph), not on one package.
          name: 'tree',
          include: ['test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'packages',
          include: ['packages/*/test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'services',
          include: ['services/*/test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'scripts',
          include: ['scripts/test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          // The harness's own tests: its pure parts (statistics, parsing, the report). The
          // benchmark itself is `npm run bench`, never a test.
          name: 'bench',
          include: ['bench/test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          // The web shop in headless Chromium against the real services (end to end).
          name: 'storefront',
          include: ['apps/storefront/test/**/*.test.ts'],
          // expect.poll waits for the page: 1 s (the default) is short beside the whole suite.
          expect: { poll: { timeout: 30_000 } },
        },
      },
      {
        extends: true,
        test: {
          // The shop's components and modules in a simulated DOM.
          name: 'storefront-components',
          include: ['apps/storefront/src/**/*.test.{ts,tsx}'],
          environment: 'happy-dom',
        },
      },
      {
        extends: true,
        test: {
          name: 'deploy',
          include: ['deploy/test/**/*.test.ts'],
        },
      },
    ],
  },
});
