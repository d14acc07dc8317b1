// No import cycles among the project's own source files, generated code included. A type-only
// import is an edge like any other: a type-only cycle still says a type has no home. Imports are
// resolved by TypeScript itself with the project's compiler options, so workspace packages
// (`@emporium/kit`, the generated contracts) land on their source files as they do for `tsc`.
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The folders whose files are the project's own code, under the root; `*` stands for each workspace. */
const sourceFolders = [
  'packages/*/src',
  'packages/*/gen',
  'services/*/src',
  'services/*/gen',
  'services/*/migrations',
  'packages/*/test',
  'services/*/test',
  'apps/*/src',
  'test',
  'scripts',
  'bench',
  'deploy',
];

function typeScriptFilesUnder(folder: string): string[] {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isFile() && /\.(ts|mts|cts|tsx)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .filter((entry) => !path.relative(root, entry.parentPath).split(path.sep).some((part) => part === 'node_modules' || part === 'dist'))
    .map((entry) => realpathSync(path.join(entry.parentPath, entry.name)));
}

function projectSourceFiles(): string[] {
  const files: string[] = [];
  for (const pattern of sourceFolders) {
    const [top, workspace, leaf] = pattern.split('/');
    if (top === undefined) throw new Error(`bad pattern ${pattern}`);
    if (workspace === undefined) {
      files.push(...typeScriptFilesUnder(path.join(root, top)));
      continue;
    }
    if (workspace !== '*' || leaf === undefined) throw new Error(`bad pattern ${pattern}`);
    let workspaces;
    try {
      workspaces = readdirSync(path.join(root, top), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of workspaces) {
      if (entry.isDirectory()) files.push(...typeScriptFilesUnder(path.join(root, top, entry.name, leaf)));
    }
  }
  return files.sort();
}

function compilerOptions(): ts.CompilerOptions {
  const configPath = path.join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  return ts.parseJsonConfigFileContent(config.config, ts.sys, root).options;
}

/** Each file's imports (static, type-only, re-exports and dynamic) that resolve to a project file. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const options = compilerOptions();
  const own = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = new Set<string>();
    for (const { fileName } of importedFiles) {
      const resolved = ts.resolveModuleName(fileName, file, options, ts.sys).resolvedModule;
      if (resolved === undefined) continue;
      const target = realpathSync(resolved.resolvedFileName);
      if (own.has(target)) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** The strongly connected components with more than one node, or a node importing itself (Tarjan). */
function stronglyConnected(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];

  const visit = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file) ?? 0, index.get(target) ?? 0));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
      if (member === file) break;
    }
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) found.push(component.sort());
  };

  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

/** The file cycles, as paths from the root. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  return stronglyConnected(graph).map((component) => component.map((file) => path.relative(root, file)));
}

/*
 * The gateway's rooms: each folder of services/gateway/src (auth/, guards/, http/, ...) is one
 * node, each file at its top (server.ts, main.ts, config.ts, ...) another. gen/ is the resolvers'
 * generated types (only the resolvers import it, and it imports only their context and parent
 * types), so it counts as resolvers/.
 */
const gatewaySrc = path.join(root, 'services', 'gateway', 'src');
const gatewayGen = path.join(root, 'services', 'gateway', 'gen');

function gatewayRoomOf(file: string): string | undefined {
  if (file.startsWith(gatewayGen + path.sep)) return 'resolvers/';
  if (!file.startsWith(gatewaySrc + path.sep)) return undefined;
  const [first = '', ...rest] = path.relative(gatewaySrc, file).split(path.sep);
  return rest.length === 0 ? first : `${first}/`;
}

/** Which room imports which, from the file graph: an edge for every import from one room into another. */
function roomGraph(graph: ReadonlyMap<string, readonly string[]>, roomOf: (file: string) => string | undefined): Map<string, string[]> {
  const rooms = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = roomOf(file);
    if (from === undefined) continue;
    const edges = rooms.get(from) ?? new Set<string>();
    rooms.set(from, edges);
    for (const target of targets) {
      const to = roomOf(target);
      if (to !== undefined && to !== from) edges.add(to);
    }
  }
  return new Map([...rooms].map(([room, edges]) => [room, [...edges].sort()]));
}

describe('the import graph of the project’s own sources', () => {
  const files = projectSourceFiles();
  const graph = importGraph(files);

  it('reads every service and package', () => {
    const relative = files.map((file) => path.relative(root, file));
    for (const expected of [
      'packages/kit/src/',
      'packages/contracts/gen/',
      'services/account/src/',
      'services/account/migrations/',
      'services/gateway/gen/',
      'scripts/',
      'bench/',
      'deploy/test/',
    ]) {
      expect(relative.some((file) => file.startsWith(expected)), expected).toBe(true);
    }
    // Workspace packages resolve to their sources: some service imports the kit.
    const kitImports = [...graph.values()].flat().filter((target) => target.includes('/packages/kit/src/'));
    expect(kitImports.length).toBeGreaterThan(0);
  });

  it('has no cycle, type-only imports included', () => {
    expect(cycles(graph)).toEqual([]);
  });
});

describe('the gateway’s rooms (the folders of services/gateway/src)', () => {
  const rooms = roomGraph(importGraph(projectSourceFiles()), gatewayRoomOf);

  it('reads every room', () => {
    for (const room of ['auth/', 'backends/', 'bin/', 'graphql/', 'guards/', 'http/', 'resolvers/', 'web/', 'server.ts', 'main.ts', 'config.ts']) {
      expect([...rooms.keys()], room).toContain(room);
    }
  });

  it('import one another without a cycle', () => {
    expect(stronglyConnected(rooms)).toEqual([]);
  });

  it('would see a cycle made through two files of different folders', () => {
    const files = new Map([
      [path.join(gatewaySrc, 'auth', 'a.ts'), [path.join(gatewaySrc, 'http', 'b.ts')]],
      [path.join(gatewaySrc, 'http', 'b.ts'), [path.join(gatewaySrc, 'http', 'c.ts')]],
      [path.join(gatewaySrc, 'http', 'c.ts'), [path.join(gatewaySrc, 'auth', 'd.ts')]],
      [path.join(gatewaySrc, 'auth', 'd.ts'), []],
    ]);
    // No file cycle, yet auth/ -> http/ -> auth/.
    expect(cycles(files)).toEqual([]);
    expect(stronglyConnected(roomGraph(files, gatewayRoomOf))).toEqual([['auth/', 'http/']]);
  });
});
