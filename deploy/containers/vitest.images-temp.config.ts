import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import root from '../../vitest.config.js';

// TEMPORARY (helper 13C): runs deploy/containers/images.test.ts until helper A's
// deploy/containers/vitest.config.ts and `npm run test:containers` land; delete it then.
//   npx vitest run --config deploy/containers/vitest.images-temp.config.ts
const { projects: _projects, ...test } = root.test ?? {};

export default defineConfig({
  ...root,
  root: fileURLToPath(new URL('../../', import.meta.url)),
  test: {
    ...test,
    include: ['deploy/containers/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 10 * 60_000,
    hookTimeout: 30 * 60_000,
  },
});
