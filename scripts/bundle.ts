import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import type { ServiceName } from './platform.js';

/*
 * What `npm start` runs: each service bundled by esbuild into one JavaScript file, our workspaces
 * (@emporium/*) inlined from their TypeScript source and every npm package left as an import. A
 * service started through a TypeScript loader (tsx) spends ~1.5 s more CPU before it serves
 * (measured, README "Start-up time"), and four of them share two cores; bundling all four takes
 * ~0.25 s, so it is done on every start and can never run stale code.
 */

/** Inline only our own workspaces; packages from npm load from node_modules as usual. */
const npmPackagesStayImports: Plugin = {
  name: 'npm-packages-stay-imports',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@emporium/') ? undefined : { path: args.path, external: true },
    );
  },
};

/** Where the bundle of a service is written (inside the service's package: it finds its files from there). */
export function bundlePath(root: string, service: ServiceName): string {
  return join(root, 'services', service, 'dist', 'start', 'main.mjs');
}

/** Bundles the services' entry points; returns each bundle's path. */
export async function bundleServices<S extends ServiceName>(root: string, services: readonly S[]): Promise<Record<S, string>> {
  const paths = await Promise.all(
    services.map(async (service) => {
      const outfile = bundlePath(root, service);
      await build({
        entryPoints: [join(root, 'services', service, 'src', 'main.ts')],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20.19',
        conditions: ['@emporium/source'],
        plugins: [npmPackagesStayImports],
        sourcemap: 'linked',
        logLevel: 'warning',
      });
      return [service, outfile] as const;
    }),
  );
  return Object.fromEntries(paths) as Record<S, string>;
}
