import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * Builds the shop (Vite) into dist/ unless an up-to-date build is there: run by `npm install`
 * (scripts/prepare.ts) and by `npm run build -w @emporium/storefront`, never by `npm start`,
 * which only serves what is built. dist/build.json records what the build was made from.
 */

export const STOREFRONT_ROOT = dirname(fileURLToPath(import.meta.url));
export const STOREFRONT_DIST = join(STOREFRONT_ROOT, 'dist');
const BUILD_RECORD = 'build.json';
const INPUTS = ['index.html', 'vite.config.ts', 'package.json', 'src'];
const TOOLS = ['vite', 'react', 'react-dom', 'react-router'];

async function filesUnder(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => null);
  if (entries === null) return [path];
  const nested = await Promise.all(entries.map((entry) => filesUnder(join(path, entry.name))));
  return nested.flat().sort();
}

/** What the build is made from: every source file and the versions of the tools. */
export async function fingerprint(): Promise<string> {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    for (const file of await filesUnder(join(STOREFRONT_ROOT, input))) {
      hash.update(relative(STOREFRONT_ROOT, file)).update('\0').update(await readFile(file)).update('\0');
    }
  }
  const require = createRequire(import.meta.url);
  for (const name of TOOLS) {
    const manifest = require(`${name}/package.json`) as { version?: unknown };
    hash.update(`${name}@${String(manifest.version)}`);
  }
  return hash.digest('hex');
}

async function builtFrom(dist: string): Promise<string | null> {
  try {
    const record: unknown = JSON.parse(await readFile(join(dist, BUILD_RECORD), 'utf8'));
    return typeof record === 'object' && record !== null && 'fingerprint' in record && typeof record.fingerprint === 'string' ? record.fingerprint : null;
  } catch {
    return null;
  }
}

/** Builds dist/ (Vite, production). */
export async function buildStorefront(): Promise<void> {
  // Vite is a build tool (a devDependency): loaded only when there is something to build.
  const { build } = await import('vite');
  const expected = await fingerprint();
  await build({ root: STOREFRONT_ROOT, configFile: join(STOREFRONT_ROOT, 'vite.config.ts'), logLevel: 'warn', mode: 'production' });
  await writeFile(join(STOREFRONT_DIST, BUILD_RECORD), JSON.stringify({ fingerprint: expected, builtAt: new Date().toISOString() }));
}

/** Builds the shop unless dist/ holds a build of the current sources; says whether it built. */
export async function ensureStorefront(): Promise<boolean> {
  if ((await builtFrom(STOREFRONT_DIST)) === (await fingerprint())) return false;
  await buildStorefront();
  return true;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  buildStorefront().then(
    () => process.stdout.write(`storefront built in ${relative(process.cwd(), STOREFRONT_DIST) || '.'} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
