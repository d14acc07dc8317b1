import { readFileSync } from 'node:fs';
import { isEntryPoint } from '@emporium/kit/entry-point.js';
import { CHANGELOG_PATH, SCHEMA_PATH_IN_REPO, checkSchema, schemaAtRef } from '../graphql/schema-compatibility.js';
import { loadSchema } from '../graphql/schema-files.js';

// `npm run check:schema -w @emporium/gateway [-- <ref>]`: fails when the schema has breaking
// changes against the git ref (main by default) that schema/CHANGELOG.md does not record.

if (isEntryPoint(import.meta.url)) {
  const ref = process.argv[2] ?? 'main';
  const before = schemaAtRef(ref);
  if (before === undefined) {
    process.stdout.write(`schema check SKIPPED: ${ref} has no ${SCHEMA_PATH_IN_REPO}\n`);
  } else {
    const { ok, report } = checkSchema(before, loadSchema(), readFileSync(CHANGELOG_PATH, 'utf8'));
    for (const line of report) process.stdout.write(`${line}\n`);
    if (!ok) {
      process.stdout.write(
        `the GraphQL schema has breaking changes against ${ref} that schema/CHANGELOG.md does not record (with a reason)\n`,
      );
      process.exit(1);
    }
    process.stdout.write(`the GraphQL schema has no unrecorded breaking changes against ${ref}\n`);
  }
}
