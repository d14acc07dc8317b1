import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { loadStaticAssets, serveStaticAssets, type StaticAssets } from './static-assets.js';

// Serving the GraphiQL bundle graphiql-bundle.ts builds: read once into memory, answered under
// /graphiql with a Content-Security-Policy that allows nothing from any other host.

/** The bundle, read once into memory (and gzipped): a handful of files, a few MB. */
export interface GraphiqlAssets {
  readonly files: StaticAssets;
}

export async function loadGraphiql(dir: string): Promise<GraphiqlAssets> {
  const files = await loadStaticAssets(join(dir, 'assets'));
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
  serveStaticAssets(app, '/graphiql/assets', assets.files, { 'cache-control': 'public, max-age=3600' });
}
