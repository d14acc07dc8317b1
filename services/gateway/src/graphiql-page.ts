import { readFile, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { GZIP_SUFFIX } from './graphiql.js';

// Serving the GraphiQL bundle graphiql.ts builds: read once into memory, answered under /graphiql
// with a Content-Security-Policy that allows nothing from any other host.

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

interface Asset {
  readonly contentType: string;
  readonly body: Buffer;
  readonly gzipped: Buffer;
}

/** The bundle, read once into memory (and gzipped once): a handful of files, a few MB. */
export interface GraphiqlAssets {
  readonly files: ReadonlyMap<string, Asset>;
}

export async function loadGraphiql(dir: string): Promise<GraphiqlAssets> {
  const files = new Map<string, Asset>();
  const assets = join(dir, 'assets');
  for (const name of await readdir(assets)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType === undefined) continue;
    const body = await readFile(join(assets, name));
    // A bundle built before the compressed copies existed still serves: compress it now.
    const gzipped = await readFile(join(assets, `${name}${GZIP_SUFFIX}`)).catch(() => gzipSync(body));
    files.set(name, { contentType, body, gzipped });
  }
  if (!files.has('app.js') || !files.has('app.css')) throw new Error(`${dir} holds no GraphiQL bundle`);
  return { files };
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // GraphiQL and Monaco set inline styles on elements.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

function page(endpoint: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Emporium GraphiQL</title>
<base href="/graphiql/">
<link rel="stylesheet" href="assets/app.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body data-endpoint="${endpoint}">
<div id="graphiql">Loading GraphiQL…</div>
<script type="module" src="assets/app.js"></script>
</body>
</html>
`;
}

export function registerGraphiql(app: FastifyInstance, assets: GraphiqlAssets, endpoint: string): void {
  const html = page(endpoint);
  const sendPage = async (_request: unknown, reply: FastifyReply) =>
    reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', CSP).send(html);
  app.get('/graphiql', sendPage);
  app.get('/graphiql/', sendPage);
  app.get<{ Params: { name: string } }>('/graphiql/assets/:name', async (request, reply) => {
    // Only names from the bundle's own listing: nothing else on disk is reachable.
    const asset = assets.files.get(request.params.name);
    if (asset === undefined) return reply.code(404).send({ error: 'not found' });
    reply.header('content-type', asset.contentType).header('cache-control', 'public, max-age=3600');
    reply.header('vary', 'accept-encoding');
    if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
      return reply.header('content-encoding', 'gzip').send(asset.gzipped);
    }
    return reply.send(asset.body);
  });
}
