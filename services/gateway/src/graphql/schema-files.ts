import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_DIR } from '../package-paths.js';

// Apart from the server so that the schema check (bin/check-schema.ts) reads the schema without
// loading fastify, Mercurius and the service clients.

/** The public schema: every file of schema/, in name order (the files are the source of truth). */
export function loadSchema(): string {
  return readdirSync(SCHEMA_DIR)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(join(SCHEMA_DIR, name), 'utf8'))
    .join('\n');
}
