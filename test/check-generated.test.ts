// `npm run check:generated` on a tree whose generated code was edited by hand: it must fail and
// name that file, and only that file (other uncommitted work is not drift). It runs in a
// throwaway git worktree of HEAD, so this tree is never touched; the worktree borrows this tree's
// node_modules. The check itself is this tree's .ci/check-generated.ts, run inside the worktree.
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Regenerating everything (buf, graphql-codegen twice) on a loaded machine.
const generateTimeout = 300_000;

function git(args: readonly string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

interface CheckRun {
  readonly code: number | null;
  readonly output: string;
}

function checkGenerated(cwd: string): Promise<CheckRun> {
  const tsx = path.join(root, 'node_modules/.bin/tsx');
  return new Promise((resolve) => {
    execFile(tsx, [path.join(root, '.ci/check-generated.ts')], { cwd, maxBuffer: 64 * 1024 * 1024, timeout: generateTimeout }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe('npm run check:generated', () => {
  let worktree = '';

  beforeAll(() => {
    worktree = path.join(mkdtempSync(path.join(tmpdir(), 'emporium-drift-')), 'tree');
    git(['worktree', 'add', '--detach', worktree, 'HEAD'], root);
    symlinkSync(path.join(root, 'node_modules'), path.join(worktree, 'node_modules'));
  });

  afterAll(() => {
    if (worktree === '') return;
    try {
      git(['worktree', 'remove', '--force', worktree], root);
    } finally {
      rmSync(path.dirname(worktree), { recursive: true, force: true });
      git(['worktree', 'prune'], root);
    }
  });

  it(
    'fails on a hand-edited generated file, names only it, and leaves it regenerated',
    async () => {
      const generated = git(['ls-files', 'packages/contracts/gen'], worktree).split('\n').find((file) => file.endsWith('.ts'));
      if (generated === undefined) throw new Error('packages/contracts/gen has no committed .ts file to edit');
      const committed = readFileSync(path.join(worktree, generated), 'utf8');
      appendFileSync(path.join(worktree, generated), '\nexport const editedByHand = true;\n');
      // Uncommitted work that regenerating does not touch, listed after the generated file by git
      // status (which sorts by path), so the edited file is the first entry the check reads.
      appendFileSync(path.join(worktree, 'vitest.config.ts'), '\n// a line not yet committed\n');
      writeFileSync(path.join(worktree, 'zz-notes-not-yet-added.txt'), 'untracked\n');

      const { code, output } = await checkGenerated(worktree);

      expect(code, output).toBe(1);
      // The check's report: a header line, then one indented line per changed file.
      const report = output.slice(output.indexOf('npm run generate changed'));
      const named = report.split('\n').slice(1).filter((line) => line.startsWith('  ')).map((line) => line.trim());
      expect(named, output).toEqual([generated]);
      expect(readFileSync(path.join(worktree, generated), 'utf8')).toBe(committed);
    },
    generateTimeout + 30_000,
  );
});
