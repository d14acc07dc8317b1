import { spawnSync } from 'node:child_process';
import { againstRef, describeAgainst, resolveAgainst, workTreeRoot } from './git.js';

// npm run check:schema: the public GraphQL schema only grows, like proto/. The comparison is the
// gateway's own (`npm run check:schema -w @emporium/gateway -- <ref>`: graphql's
// findBreakingChanges, with intended breaks recorded in its schema/CHANGELOG.md); this finds the
// commit to compare with the way check:proto-breaking does (CHECK_AGAINST, main by default).

function checkSchema(): boolean {
  const root = workTreeRoot();
  const ref = againstRef();
  const commit = resolveAgainst(ref, root);
  if (commit === undefined) {
    console.log(`SKIPPED: ${ref} cannot be resolved in this clone, so there is nothing to compare with`);
    return true;
  }
  console.log(`services/gateway/schema against ${describeAgainst(ref, commit)}`);
  const gateway = spawnSync('npm', ['run', '--silent', 'check:schema', '-w', '@emporium/gateway', '--', commit], {
    cwd: root,
    stdio: 'inherit',
  });
  if (gateway.error) throw gateway.error;
  return gateway.status === 0;
}

process.exitCode = checkSchema() ? 0 : 1;
