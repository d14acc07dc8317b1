import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BreakingChange, DangerousChange } from 'graphql';
import { isEntryPoint } from '@emporium/kit/service-runtime.js';
import { buildSchema, findBreakingChanges, findDangerousChanges } from './graphql.js';
import { loadSchema } from './server.js';

/*
 * The public schema only grows: clients are written against its names. This compares the schema
 * in schema/ with the one at a git ref (main by default) using graphql's own findBreakingChanges,
 * the way `buf breaking` guards proto/. Run: npm run check:schema -w @emporium/gateway [-- <ref>]
 */

export interface Compatibility {
  readonly breaking: readonly BreakingChange[];
  readonly dangerous: readonly DangerousChange[];
}

export function compareSchemas(before: string, after: string): Compatibility {
  const old = buildSchema(before);
  const current = buildSchema(after);
  return { breaking: findBreakingChanges(old, current), dangerous: findDangerousChanges(old, current) };
}

const SCHEMA_DIR = 'services/gateway/schema';

/** The schema as committed at ref, or undefined when the ref has none (it did not exist yet). */
export function schemaAtRef(ref: string): string | undefined {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  let names: string[];
  try {
    names = git('ls-tree', '--name-only', `${ref}:${SCHEMA_DIR}`)
      .split('\n')
      .filter((name) => name.endsWith('.graphql'))
      .sort();
  } catch {
    return undefined;
  }
  return names.map((name) => git('show', `${ref}:${SCHEMA_DIR}/${name}`)).join('\n');
}

if (isEntryPoint(import.meta.url)) {
  const ref = process.argv[2] ?? 'main';
  const before = schemaAtRef(ref);
  if (before === undefined) {
    process.stdout.write(`schema check SKIPPED: ${ref} has no ${SCHEMA_DIR}\n`);
  } else {
    const { breaking, dangerous } = compareSchemas(before, loadSchema());
    for (const change of dangerous) process.stdout.write(`dangerous: ${change.type}: ${change.description}\n`);
    for (const change of breaking) process.stdout.write(`BREAKING: ${change.type}: ${change.description}\n`);
    if (breaking.length > 0) {
      process.stdout.write(`the GraphQL schema has ${breaking.length} breaking change(s) against ${ref}\n`);
      process.exit(1);
    }
    process.stdout.write(`the GraphQL schema has no breaking changes against ${ref}\n`);
  }
}
