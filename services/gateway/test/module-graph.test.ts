import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * A process loads only what it uses: the gateway never a database driver, the schema check
 * neither the HTTP server nor a gRPC client, the container health check no database either.
 * Each entry module is imported in a fresh node (as `npm start` runs it: tsx, source condition),
 * with a loader hook recording every module resolved, and CommonJS ones from require's cache.
 */

const recorder = fileURLToPath(new URL('fixtures/record-modules.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'emporium-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let runs = 0;
/** The files (paths) a fresh node process loads when it imports the module at path. */
function modulesLoadedBy(path: string): string[] {
  const record = join(dir, `modules-${runs++}.txt`);
  // Imported, not run: an entry module starts its process only when it is node's main script.
  const script = `
    import { createRequire } from 'node:module';
    import { pathToFileURL } from 'node:url';
    import { appendFileSync } from 'node:fs';
    await import(pathToFileURL(${JSON.stringify(path)}).href);
    const cached = Object.keys(createRequire(import.meta.url).cache);
    appendFileSync(${JSON.stringify(record)}, cached.map((file) => pathToFileURL(file).href + '\\n').join(''));
  `;
  const child = spawnSync(
    process.execPath,
    ['--conditions=@emporium/source', '--import', 'tsx', '--import', recorder, '--input-type=module', '-e', script],
    { env: { ...process.env, RECORD_MODULES_TO: record, NODE_OPTIONS: '' }, encoding: 'utf8', timeout: 60_000 },
  );
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  const urls = readFileSync(record, 'utf8').split('\n').filter((line) => line.startsWith('file:'));
  return [...new Set(urls.map((url) => fileURLToPath(url)))];
}

/** The npm packages among the files, by name ("pg", "@electric-sql/pglite"). */
function packagesOf(files: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const match = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file.slice(file.lastIndexOf('node_modules') - 1));
    if (match?.[1] !== undefined) names.add(match[1].replace('\\', '/'));
  }
  return names;
}

const source = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** Each entry, a package that shows the recording works, and the packages it must not load. */
const processes = [
  {
    name: 'the gateway loads no database driver, and no tracing SDK without an OTLP endpoint',
    entry: '../src/main.ts',
    loads: 'fastify',
    never: ['pg', '@electric-sql/pglite', '@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-proto'],
  },
  {
    name: 'the schema compatibility check loads neither the server nor a gRPC client',
    entry: '../src/bin/check-schema.ts',
    loads: 'graphql',
    never: ['fastify', 'mercurius', '@grpc/grpc-js', 'pg', '@electric-sql/pglite'],
  },
  {
    name: 'the container health check loads no database driver and no logger',
    entry: '../../../packages/kit/src/healthcheck.ts',
    loads: '@grpc/grpc-js',
    never: ['pg', '@electric-sql/pglite', 'kysely', 'pino'],
  },
];

describe('what each process loads', () => {
  it.each(processes)('$name', ({ entry, loads, never }) => {
    const loaded = packagesOf(modulesLoadedBy(source(entry)));
    expect(loaded).toContain(loads);
    for (const name of never) expect(loaded).not.toContain(name);
  });
});
