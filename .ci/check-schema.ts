import { spawnSync } from 'node:child_process';
import { againstOrSkip, workTreeRoot } from './git.js';

// npm run check:schema: the public GraphQL schema only grows, like proto/. The comparison is the
// gateway's own (`npm run check:schema -w @emporium/gateway -- <ref>`: graphql's
// findBreakingChanges, with intended breaks recorded in its schema/CHANGELOG.md); this finds the
// commit to compare with the way check:proto-breaking does (CHECK_AGAINST, main by default).

function checkSchema(): boolean {
  const root = workTreeRoot();
  const against = againstOrSkip(root);
  if (against === undefined) return true;
  console.log(`services/gateway/schema against ${against.described}`);
  const gateway = spawnSync('npm', ['run', '--silent', 'check:schema', '-w', '@emporium/gateway', '--', against.commit], {
    cwd: root,
    stdio: 'inherit',
  });
  if (gateway.error) throw gateway.error;
  return gateway.status === 0;
}

process.exitCode = checkSchema() ? 0 : 1;
