import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { againstOrSkip, commitHasPath, headCommit, workTreeRoot } from './git.js';

// npm run check:proto-breaking: `buf breaking` between proto/ in the work tree and proto/ at main
// (CHECK_AGAINST=<ref> picks another ref). RPCs and events only grow: clients built against the
// older contracts keep working.

/**
 * Writes `folder` as committed at `commit` under `into`. Exported from git rather than read
 * through buf's own git input: that works for any ref (a local branch, origin/main, a commit id)
 * and needs only that one commit's objects, which even a depth-1 clone has.
 */
function exportFolder(commit: string, folder: string, into: string, cwd: string): void {
  const archive = execFileSync('git', ['archive', '--format=tar', commit, folder], { cwd, maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', into], { input: archive });
}

function checkProtoBreaking(): boolean {
  const root = workTreeRoot();
  const against = againstOrSkip(root);
  if (against === undefined) return true;
  const { ref, commit, described } = against;
  if (!commitHasPath(commit, 'proto/buf.yaml', root)) {
    console.log(`SKIPPED: ${described} has no proto/ module yet, so nothing can break`);
    return true;
  }
  if (commit === headCommit(root)) {
    console.log(`HEAD is ${ref} itself: this compares the work tree's proto/ with the committed one`);
  }
  const exported = mkdtempSync(path.join(tmpdir(), 'emporium-proto-against-'));
  try {
    exportFolder(commit, 'proto', exported, root);
    const buf = spawnSync('buf', ['breaking', 'proto', '--against', path.join(exported, 'proto')], { cwd: root, stdio: 'inherit' });
    if (buf.error) throw buf.error;
    if (buf.status !== 0) {
      console.log(`proto/ has breaking changes against ${described} (see above)`);
      return false;
    }
    console.log(`proto/: no breaking changes against ${described}`);
    return true;
  } finally {
    rmSync(exported, { recursive: true, force: true });
  }
}

process.exitCode = checkProtoBreaking() ? 0 : 1;
