import { readFile, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { constants, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';

/*
 * The one static file server of the web pages (the shop, GraphiQL): a build's assets read once
 * into memory with a gzipped copy each, and answered by name, so nothing else on disk is reachable.
 */

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** A build may ship each asset's gzipped copy as its name with this suffix (the GraphiQL bundle does). */
export const GZIP_SUFFIX = '.gz';

export interface StaticAsset {
  readonly contentType: string;
  readonly body: Buffer;
  readonly gzipped: Buffer;
}

/** A build's assets by file name. */
export type StaticAssets = ReadonlyMap<string, StaticAsset>;

/**
 * Every file of dir with a known content type, and its gzipped copy: the one the build shipped
 * beside it, else compressed now (once, at start).
 */
export async function loadStaticAssets(dir: string): Promise<StaticAssets> {
  const files = new Map<string, StaticAsset>();
  for (const name of await readdir(dir)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType === undefined) continue;
    const body = await readFile(join(dir, name));
    const gzipped = await readFile(join(dir, `${name}${GZIP_SUFFIX}`)).catch(() => gzipSync(body, { level: constants.Z_BEST_COMPRESSION }));
    files.set(name, { contentType, body, gzipped });
  }
  return files;
}

/**
 * Answers GET `${prefix}/:name` from the assets, gzipped when the client accepts it, with the
 * given headers (caching, above all); 404 for any other name.
 */
export function serveStaticAssets(app: FastifyInstance, prefix: string, assets: StaticAssets, headers: Readonly<Record<string, string>>): void {
  app.get<{ Params: { name: string } }>(`${prefix}/:name`, async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (asset === undefined) return reply.code(404).send({ error: 'not found' });
    reply.headers(headers).header('content-type', asset.contentType).header('vary', 'accept-encoding');
    if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.header('content-encoding', 'gzip').send(asset.gzipped);
    return reply.send(asset.body);
  });
}
