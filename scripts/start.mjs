import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, stop } from 'esbuild';

// `npm start`. Plain JavaScript, so that no TypeScript loader stands in front of anything: esbuild
// bundles the runner (scripts/start.ts) and each service into one file — our workspaces
// (@emporium/*) inlined from their TypeScript source, npm packages left as imports — and the runner
// starts the services from their bundles. A process started through tsx compiles every module it
// loads before it serves, and the services start side by side on the same cores; esbuild bundles
// all of them in a fraction of that, so it does so on every start and never runs stale code.

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Inline only our own workspaces; packages from npm load from node_modules as usual. */
const npmPackagesStayImports = {
  name: 'npm-packages-stay-imports',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@emporium/') ? undefined : { path: args.path, external: true },
    );
  },
};

/** Writes a file only when it changed, by rename: a process starting meanwhile never reads half a file. */
function writeIfChanged(path, contents) {
  if (existsSync(path) && readFileSync(path).equals(contents)) return;
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.partial`;
  writeFileSync(partial, contents);
  renameSync(partial, path);
}

/** Bundles entry into outfile; a bundle lives inside its package, which finds its own files from there. */
async function bundle(entry, outfile) {
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    outfile: join(ROOT, outfile),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    conditions: ['@emporium/source'],
    plugins: [npmPackagesStayImports],
    sourcemap: 'linked',
    logLevel: 'warning',
    write: false,
  });
  for (const file of result.outputFiles) writeIfChanged(file.path, Buffer.from(file.contents));
  return join(ROOT, outfile);
}

const services = readdirSync(join(ROOT, 'services')).filter((name) => existsSync(join(ROOT, 'services', name, 'src', 'main.ts')));
const [runner, ...bundles] = await Promise.all([
  bundle('scripts/start.ts', 'scripts/dist/start.mjs'),
  ...services.map((name) => bundle(`services/${name}/src/main.ts`, `services/${name}/dist/start/main.mjs`)),
]);
// esbuild keeps a helper process for further builds; there are none.
await stop();
const { main } = await import(pathToFileURL(runner).href);
await main(Object.fromEntries(services.map((name, index) => [name, bundles[index]])));
