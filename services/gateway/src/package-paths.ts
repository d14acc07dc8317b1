import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The gateway package's directory, found from this file whether it runs from src/ (tsx, tests)
 * or compiled from dist/src/: the schema, the GraphiQL entry and bundle are located from it.
 */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schema'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the gateway package directory (with schema/)');
    dir = parent;
  }
}

export const PACKAGE_ROOT = packageRoot();
export const SCHEMA_DIR = join(PACKAGE_ROOT, 'schema');
export const GRAPHIQL_ENTRY = join(PACKAGE_ROOT, 'graphiql', 'app.mjs');
export const DEFAULT_GRAPHIQL_DIR = join(PACKAGE_ROOT, 'dist', 'graphiql');
