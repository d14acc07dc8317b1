import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { constants, gzipSync } from 'node:zlib';
import type { Logger } from '@emporium/kit/logger.js';
import { DEFAULT_GRAPHIQL_DIR, GRAPHIQL_ENTRY, PACKAGE_ROOT } from '../package-paths.js';
import { GZIP_SUFFIX } from './static-assets.js';

/*
 * GraphiQL served from our own bundle: graphiql, React and Monaco's workers from npm, bundled by
 * esbuild into dist/graphiql/ (gitignored) the first time the gateway starts without it, or by
 * `npm run build:graphiql -w @emporium/gateway` ahead of time (a container image does that at
 * build time and does not carry esbuild). The page loads nothing from any other host, and its
 * Content-Security-Policy says so to the browser. This module builds the bundle; graphiql-page.ts
 * serves it (through static-assets.ts).
 */

const ENTRY = GRAPHIQL_ENTRY;
export { DEFAULT_GRAPHIQL_DIR };
const MANIFEST = 'manifest.json';
/** Changes when buildGraphiql lays out its output differently, so older bundles are rebuilt. */
const BUNDLE_LAYOUT = 'assets with .gz copies';
const WORKERS = {
  'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
  'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
  'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
};

/** What the bundle was built from: a different one means rebuild. */
async function fingerprint(): Promise<string> {
  const require = createRequire(import.meta.url);
  const hash = createHash('sha256').update(BUNDLE_LAYOUT).update(await readFile(ENTRY));
  for (const name of ['graphiql', 'react', 'react-dom', 'esbuild']) {
    try {
      const manifest: unknown = require(`${name}/package.json`);
      const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined;
      hash.update(`${name}@${String(version)}`);
    } catch {
      hash.update(`${name}@absent`);
    }
  }
  return hash.digest('hex');
}

async function isBuilt(dir: string, expected: string): Promise<boolean> {
  try {
    const manifest: unknown = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8'));
    return typeof manifest === 'object' && manifest !== null && 'fingerprint' in manifest && manifest.fingerprint === expected;
  } catch {
    return false;
  }
}

function canBuild(): boolean {
  try {
    createRequire(import.meta.url).resolve('esbuild');
    return true;
  } catch {
    return false;
  }
}

async function hasManifest(dir: string): Promise<boolean> {
  try {
    await readFile(join(dir, MANIFEST));
    return true;
  } catch {
    return false;
  }
}

/** Bundles the page's script, its stylesheet and fonts, and Monaco's three workers into dir. */
export async function buildGraphiql(dir = DEFAULT_GRAPHIQL_DIR): Promise<void> {
  // esbuild is a build tool (a devDependency): loaded only when there is something to build.
  const { build } = await import('esbuild');
  const assets = join(dir, 'assets');
  await rm(dir, { recursive: true, force: true });
  await mkdir(assets, { recursive: true });
  const common = {
    bundle: true,
    minify: true,
    legalComments: 'none' as const,
    logLevel: 'warning' as const,
    absWorkingDir: PACKAGE_ROOT,
    define: { 'process.env.NODE_ENV': '"production"' },
    outdir: assets,
  };
  await build({
    ...common,
    entryPoints: { app: ENTRY },
    format: 'esm',
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
    assetNames: '[name]-[hash]',
  });
  await build({ ...common, entryPoints: WORKERS, format: 'iife' });
  // Compressed once here, at the best level, rather than at every start of every gateway.
  for (const name of await readdir(assets)) {
    const body = await readFile(join(assets, name));
    await writeFile(join(assets, `${name}${GZIP_SUFFIX}`), gzipSync(body, { level: constants.Z_BEST_COMPRESSION }));
  }
  await writeFile(join(dir, MANIFEST), JSON.stringify({ fingerprint: await fingerprint(), builtAt: new Date().toISOString() }));
}

/** Builds the bundle unless an up-to-date one is there. */
export async function ensureGraphiql(dir: string, log: Logger): Promise<void> {
  if (!canBuild()) {
    // A production image has the bundle its build stage made, and no esbuild to remake it: serve it.
    if (await hasManifest(dir)) return;
    throw new Error(`no GraphiQL bundle in ${dir} and no esbuild to build one: run npm run build:graphiql -w @emporium/gateway at build time, or set GRAPHIQL=false`);
  }
  if (await isBuilt(dir, await fingerprint())) return;
  log.info({ dir }, 'building the GraphiQL bundle');
  const started = Date.now();
  await buildGraphiql(dir);
  log.info({ dir, ms: Date.now() - started }, 'GraphiQL bundle built');
}
