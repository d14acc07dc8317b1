// Each workspace package exports what other packages import of it, on purpose, and nothing else:
// an import of a module a package does not export fails here (with the file that does it), and so
// does an entry nobody imports, so the maps never drift back to "every file is public". A module
// written by hand is exported by its own name, so moving a package's internal file breaks no other
// package; only generated code (the contracts, one module per proto file, public by nature) may be
// exported by a pattern. Imports are read from every source file of the repository, tests, the
// bench, the deploy tools and side-effect or dynamic imports included.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The condition under which packages export their TypeScript sources (vitest.config.ts). */
const SOURCE_CONDITION = '@emporium/source';

interface ExportEntry {
  /** The subpath, e.g. "./client.js" or "./emporium/*.js". */
  readonly key: string;
  /** Condition -> target, in the order written; a plain string target is its "default". */
  readonly conditions: ReadonlyMap<string, string>;
}

interface Workspace {
  readonly name: string;
  /** Relative to the root, with forward slashes. */
  readonly dir: string;
  readonly exports: readonly ExportEntry[];
  /** rootDir and outDir of its tsconfig.build.json, when `npm run build` compiles it. */
  readonly build: { readonly rootDir: string; readonly outDir: string } | undefined;
}

interface Import {
  /** The importing file, relative to the root. */
  readonly file: string;
  readonly specifier: string;
}

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function exportEntries(exports: unknown): ExportEntry[] {
  if (exports === undefined) return [];
  if (!isRecord(exports)) throw new Error(`an "exports" that is not a map of subpaths: ${JSON.stringify(exports)}`);
  return Object.entries(exports).map(([key, target]) => {
    if (typeof target === 'string') return { key, conditions: new Map([['default', target]]) };
    if (!isRecord(target)) throw new Error(`export ${key}: a target that is neither a path nor conditions`);
    const conditions = new Map<string, string>();
    for (const [condition, value] of Object.entries(target)) {
      if (typeof value !== 'string') throw new Error(`export ${key}: condition ${condition} is not a path`);
      conditions.set(condition, value);
    }
    return { key, conditions };
  });
}

function buildDirs(dir: string): Workspace['build'] {
  const configFile = path.join(root, dir, 'tsconfig.build.json');
  if (!existsSync(configFile)) return undefined;
  const read = ts.readConfigFile(configFile, (file) => ts.sys.readFile(file));
  if (read.error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const config: unknown = read.config;
  const options: unknown = isRecord(config) ? config.compilerOptions : undefined;
  const rootDir = isRecord(options) ? options.rootDir : undefined;
  const outDir = isRecord(options) ? options.outDir : undefined;
  if (typeof rootDir !== 'string' || typeof outDir !== 'string') throw new Error(`${configFile}: rootDir and outDir are expected`);
  return { rootDir, outDir };
}

/** The workspaces the root package.json names (each "folder/*" pattern read from disk). */
function readWorkspaces(): Workspace[] {
  const manifest = readJson(path.join(root, 'package.json'));
  const patterns = isRecord(manifest) && Array.isArray(manifest.workspaces) ? manifest.workspaces : [];
  const workspaces: Workspace[] = [];
  for (const pattern of patterns) {
    if (typeof pattern !== 'string' || !pattern.endsWith('/*')) throw new Error(`unexpected workspace pattern ${String(pattern)}`);
    const parent = pattern.slice(0, -2);
    for (const entry of readdirSync(path.join(root, parent), { withFileTypes: true })) {
      const dir = `${parent}/${entry.name}`;
      const manifestFile = path.join(root, dir, 'package.json');
      if (!entry.isDirectory() || !existsSync(manifestFile)) continue;
      const workspace = readJson(manifestFile);
      if (!isRecord(workspace) || typeof workspace.name !== 'string') throw new Error(`${manifestFile} has no name`);
      workspaces.push({ name: workspace.name, dir, exports: exportEntries(workspace.exports), build: buildDirs(dir) });
    }
  }
  return workspaces;
}

/** Folders that hold no source of ours: installed packages, build output, local data. */
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'coverage']);
const SOURCE_FILE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

/** Every source file of the repository, relative to the root (hidden folders skipped but .ci). */
function sourceFiles(dir = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      const hidden = entry.name.startsWith('.') && entry.name !== '.ci';
      if (!hidden && !SKIPPED_FOLDERS.has(entry.name)) files.push(...sourceFiles(relative));
    } else if (entry.isFile() && SOURCE_FILE.test(entry.name)) {
      files.push(relative);
    }
  }
  return files;
}

/** Every import, re-export, dynamic import() with a literal and require() of every file. */
function allImports(files: readonly string[]): Import[] {
  return files.flatMap((file) =>
    ts.preProcessFile(readFileSync(path.join(root, file), 'utf8'), true, true).importedFiles.map(({ fileName }) => ({ file, specifier: fileName })),
  );
}

/** The workspace a file belongs to; undefined for the root's own folders (scripts/, bench/, deploy/, test/). */
function workspaceOf(workspaces: readonly Workspace[], file: string): Workspace | undefined {
  return workspaces.find((workspace) => file.startsWith(`${workspace.dir}/`));
}

/** "@emporium/kit/config.js" -> the kit and "./config.js"; undefined for other packages' specifiers. */
function splitSpecifier(workspaces: readonly Workspace[], specifier: string): { workspace: Workspace; subpath: string } | undefined {
  for (const workspace of workspaces) {
    if (specifier === workspace.name) return { workspace, subpath: '.' };
    if (specifier.startsWith(`${workspace.name}/`)) return { workspace, subpath: `.${specifier.slice(workspace.name.length)}` };
  }
  return undefined;
}

/** The entry Node picks for a subpath: an exact key, else the matching pattern with the longest prefix. */
function matchEntry(entries: readonly ExportEntry[], subpath: string): { entry: ExportEntry; star: string | undefined } | undefined {
  const exact = entries.find((entry) => entry.key === subpath && !entry.key.includes('*'));
  if (exact !== undefined) return { entry: exact, star: undefined };
  const patterns = entries
    .filter((entry) => entry.key.split('*').length === 2)
    .map((entry) => {
      const [prefix = '', suffix = ''] = entry.key.split('*');
      return { entry, prefix, suffix };
    })
    .filter(({ prefix, suffix }) => subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= prefix.length + suffix.length)
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const best = patterns[0];
  return best === undefined ? undefined : { entry: best.entry, star: subpath.slice(best.prefix.length, subpath.length - best.suffix.length) };
}

/** The file an entry's source target names (with the pattern's match put in), relative to its package. */
function sourceTarget(entry: ExportEntry, star: string | undefined): string | undefined {
  const target = entry.conditions.get(SOURCE_CONDITION) ?? entry.conditions.get('default');
  return star === undefined ? target : target?.replace('*', star);
}

/** What `tsc -b tsconfig.build.json` makes of a source target: its declaration and its JavaScript. */
function buildOutputs(build: NonNullable<Workspace['build']>, source: string): { types: string; default: string } {
  const compiled = path.posix.join(build.outDir, path.posix.relative(build.rootDir, source.replace(/^\.\//, '')));
  return { types: `./${compiled.replace(/\.ts$/, '.d.ts')}`, default: `./${compiled.replace(/\.ts$/, '.js')}` };
}

describe('the packages’ exports maps', () => {
  const workspaces = readWorkspaces();
  const imports = allImports(sourceFiles());
  /** Imports of one package's modules by a file outside it. */
  const crossImports = imports.flatMap((found) => {
    const split = splitSpecifier(workspaces, found.specifier);
    if (split === undefined || workspaceOf(workspaces, found.file) === split.workspace) return [];
    return [{ ...found, ...split }];
  });

  it('reads the imports of every part of the tree, side-effect imports included', () => {
    const importers = (specifier: string) => crossImports.filter((found) => found.specifier === specifier).map((found) => found.file);
    expect(workspaces.map((workspace) => workspace.name)).toEqual(expect.arrayContaining(['@emporium/kit', '@emporium/contracts', '@emporium/account']));
    expect(importers('@emporium/account/metrics.js')).toContain('deploy/test/observability.test.ts');
    expect(importers('@emporium/gateway/graphiql.js')).toContain('scripts/prepare.ts');
    expect(importers('@emporium/storefront/build.ts')).toContain('scripts/prepare.ts');
    expect(importers('@emporium/kit/grpc-client.js')).toContain('services/account/src/client.ts');
  });

  it('export modules written by hand one by one: a pattern only over generated code', () => {
    const patternsOverSources = workspaces.flatMap((workspace) =>
      workspace.exports
        .filter((entry) => entry.key.includes('*') && !(sourceTarget(entry, undefined) ?? '').startsWith('./gen/'))
        .map((entry) => `${workspace.name} ${entry.key}`),
    );
    expect(patternsOverSources).toEqual([]);
  });

  it('resolves every import of another package through that package’s exports, to a file that exists', () => {
    const unresolved = crossImports.flatMap(({ file, specifier, workspace, subpath }) => {
      const match = matchEntry(workspace.exports, subpath);
      if (match === undefined) return [`${file} imports ${specifier}, which ${workspace.name} does not export`];
      const source = sourceTarget(match.entry, match.star);
      if (source === undefined) return [`${workspace.name} exports ${match.entry.key} with no source target`];
      return existsSync(path.join(root, workspace.dir, source)) ? [] : [`${file} imports ${specifier}: ${workspace.dir}/${source} does not exist`];
    });
    expect(unresolved).toEqual([]);
  });

  it('reaches no other package’s files by a relative path', () => {
    const byPath = imports.flatMap(({ file, specifier }) => {
      if (!specifier.startsWith('.')) return [];
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      const owner = workspaceOf(workspaces, target);
      return owner !== workspaceOf(workspaces, file) ? [`${file} imports ${target} of ${owner?.name ?? 'the root package'} by its path`] : [];
    });
    expect(byPath).toEqual([]);
  });

  it('exports nothing that no other package imports', () => {
    const used = new Set(
      crossImports.flatMap(({ workspace, subpath }) => {
        const match = matchEntry(workspace.exports, subpath);
        return match === undefined ? [] : [`${workspace.name} ${match.entry.key}`];
      }),
    );
    const unused = workspaces.flatMap((workspace) =>
      workspace.exports.map((entry) => `${workspace.name} ${entry.key}`).filter((exported) => !used.has(exported)),
    );
    expect(unused).toEqual([]);
  });

  it('gives each entry of a built package its source first, then the declarations and JavaScript `npm run build` makes', () => {
    const mismatched = workspaces.flatMap(({ name, build, exports }) => {
      if (build === undefined) return [];
      return exports.flatMap((entry) => {
        const source = entry.conditions.get(SOURCE_CONDITION);
        if (source === undefined) return [`${name} ${entry.key}: no ${SOURCE_CONDITION} target`];
        const expected = JSON.stringify({ [SOURCE_CONDITION]: source, ...buildOutputs(build, source) });
        // Stringified in the order written: the order is the order Node and TypeScript try them in.
        const actual = JSON.stringify(Object.fromEntries(entry.conditions));
        return actual === expected ? [] : [`${name} ${entry.key}: ${actual}, expected ${expected}`];
      });
    });
    expect(mismatched).toEqual([]);
  });
});
