import { defineConfig, mergeConfig } from 'vitest/config';
import root from '../../vitest.config.js';

// TEMPORARY (helper 13C): runs deploy/containers/images.test.ts until helper A's
// deploy/containers/vitest.config.ts and `npm run test:containers` land; delete it then.
export default mergeConfig(
  { ...root, test: { ...root.test, projects: undefined } },
  defineConfig({ test: { include: ['deploy/containers/**/*.test.ts'], root: '../..', fileParallelism: false, testTimeout: 10 * 60_000, hookTimeout: 30 * 60_000 } }),
);
