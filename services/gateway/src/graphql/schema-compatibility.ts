import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { BreakingChange, DangerousChange } from 'graphql';
import { PACKAGE_ROOT, SCHEMA_DIR } from '../package-paths.js';
import { buildSchema, findBreakingChanges, findDangerousChanges } from './runtime.js';

/*
 * The public schema only grows: clients are written against its names. This compares the schema
 * in schema/ with the one at a git ref (main by default) using graphql's own findBreakingChanges,
 * the way `buf breaking` guards proto/. A break is allowed only when it is intended and recorded:
 * schema/CHANGELOG.md lists it, word for word as findBreakingChanges describes it, with the reason.
 * Run: npm run check:schema -w @emporium/gateway [-- <ref>] (bin/check-schema.ts).
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

/** One intended break, as the changelog records it. */
export interface RecordedBreak {
  /** findBreakingChanges' type, e.g. FIELD_CHANGED_KIND. */
  readonly type: string;
  /** Its description, exactly: "Order.total changed type from Money! to Money.". */
  readonly description: string;
  readonly reason: string;
}

export class ChangelogError extends Error {
  override readonly name = 'ChangelogError';
}

const ENTRY = /^- `([A-Z_]+)` (.+)$/;
const REASON = /^\s+Reason: (\S.*)$/;

/**
 * The breaks recorded in a changelog: every list item of the form
 *
 *     - `FIELD_CHANGED_KIND` Order.total changed type from Money! to Money.
 *       Reason: why it is worth breaking clients for.
 *
 * (the item at the start of a line; the reason on the next one, indented). An item without a
 * reason is an error, so that no break is recorded without one.
 */
export function parseChangelog(text: string): RecordedBreak[] {
  const lines = text.split(/\r?\n/);
  const recorded: RecordedBreak[] = [];
  lines.forEach((line, index) => {
    const entry = ENTRY.exec(line);
    if (!entry) return;
    const [, type = '', description = ''] = entry;
    const reason = REASON.exec(lines[index + 1] ?? '')?.[1];
    if (reason === undefined) {
      throw new ChangelogError(`line ${index + 1}: the break "${type} ${description}" has no "Reason: ..." on the next line`);
    }
    recorded.push({ type, description: description.trim(), reason: reason.trim() });
  });
  return recorded;
}

function recordOf(change: BreakingChange, recorded: readonly RecordedBreak[]): RecordedBreak | undefined {
  return recorded.find((entry) => entry.type === String(change.type) && entry.description === change.description);
}

/** The breaking changes no entry of the changelog records. */
export function unrecordedBreaks(breaking: readonly BreakingChange[], recorded: readonly RecordedBreak[]): BreakingChange[] {
  return breaking.filter((change) => recordOf(change, recorded) === undefined);
}

export interface SchemaCheck {
  readonly ok: boolean;
  /** What to print: every dangerous change, every break with its recorded reason or as unrecorded. */
  readonly report: readonly string[];
}

/** The whole check: passes when every breaking change between the two schemas is recorded. */
export function checkSchema(before: string, after: string, changelog: string): SchemaCheck {
  const { breaking, dangerous } = compareSchemas(before, after);
  let recorded: RecordedBreak[];
  try {
    recorded = parseChangelog(changelog);
  } catch (error) {
    if (error instanceof ChangelogError) return { ok: false, report: [`the schema changelog is malformed: ${error.message}`] };
    throw error;
  }
  const report = [
    ...dangerous.map((change) => `dangerous: ${change.type}: ${change.description}`),
    ...breaking.map((change) => {
      const record = recordOf(change, recorded);
      return record === undefined
        ? `BREAKING, not recorded in the changelog: ${change.type}: ${change.description}`
        : `breaking, recorded: ${change.type}: ${change.description} (${record.reason})`;
    }),
  ];
  return { ok: unrecordedBreaks(breaking, recorded).length === 0, report };
}

/** The schema's folder in the repository, as git names it. */
export const SCHEMA_PATH_IN_REPO = 'services/gateway/schema';
/** Next to the schema it describes. */
export const CHANGELOG_PATH = join(SCHEMA_DIR, 'CHANGELOG.md');

/** The schema as committed at ref, or undefined when the ref has none (it did not exist yet). */
export function schemaAtRef(ref: string): string | undefined {
  const root = join(PACKAGE_ROOT, '..', '..');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  let names: string[];
  try {
    names = git('ls-tree', '--name-only', `${ref}:${SCHEMA_PATH_IN_REPO}`)
      .split('\n')
      .filter((name) => name.endsWith('.graphql'))
      .sort();
  } catch {
    return undefined;
  }
  return names.map((name) => git('show', `${ref}:${SCHEMA_PATH_IN_REPO}/${name}`)).join('\n');
}
