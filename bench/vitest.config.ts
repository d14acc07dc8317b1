import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The harness's own unit tests (pure functions: statistics, parsing, the report). Run with
// `npx vitest run --config bench/vitest.config.ts`; they touch no database and no network.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
  },
});
