import { ensurePGliteTemplate } from '@emporium/kit/embedded.js';
import { createLogger } from '@emporium/kit/logger.js';
import { DEFAULT_GRAPHIQL_DIR, ensureGraphiql } from '@emporium/gateway/graphiql.js';
import { ensureStorefront } from '@emporium/storefront/build.ts';

// Run by `npm install` / `npm ci` (the root package's "prepare"): makes ahead of time what the
// first `npm start` would otherwise make on its critical path, where the user waits for it — the
// initialized embedded cluster every service's data directory is copied from (kept in
// node_modules/.cache/emporium), the GraphiQL bundle and the web shop (apps/storefront/dist; the
// gateway serves it at / and never builds it). npm start makes either again if missing,
// so a failure here costs time, never correctness: it warns, and the install goes on. (Container
// builds install with --ignore-scripts and build what they need themselves.)

const started = performance.now();
Promise.all([ensurePGliteTemplate(), ensureGraphiql(DEFAULT_GRAPHIQL_DIR, createLogger('prepare', 'warn')), ensureStorefront()]).then(
  () => process.stdout.write(`emporium: embedded database template, GraphiQL bundle and web shop ready (${((performance.now() - started) / 1000).toFixed(1)} s)\n`),
  (error: unknown) =>
    process.stderr.write(`emporium: could not prepare for npm start (it will try again): ${error instanceof Error ? error.message : String(error)}\n`),
);
