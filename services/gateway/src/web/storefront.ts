import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '@emporium/kit/logger.js';
import { PACKAGE_ROOT } from '../package-paths.js';
import { loadStaticAssets, serveStaticAssets, type StaticAssets } from './static-assets.js';

// The web shop (apps/storefront), built by `npm install` (scripts/prepare.ts) or
// `npm run build -w @emporium/storefront`: served at / on the same origin as /graphql, read once
// into memory, with a Content-Security-Policy that allows nothing from any other host. The
// gateway never builds it: without a build it serves no shop and says so in its log.

export const DEFAULT_STOREFRONT_DIR = join(PACKAGE_ROOT, '..', '..', 'apps', 'storefront', 'dist');

/** The shop's client-side routes: each answers the page, the app picks the view. */
export const STOREFRONT_ROUTES = ['/', '/products/:id', '/cart', '/login', '/signup', '/orders', '/admin', '/admin/*'];

export interface StorefrontAssets {
  readonly html: string;
  /** By file name, under /assets/ (Vite's names carry a content hash). */
  readonly files: StaticAssets;
}

export const STOREFRONT_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Reads a build; undefined (logged) when there is none. */
export async function loadStorefront(dir: string, log: Logger): Promise<StorefrontAssets | undefined> {
  let html: string;
  try {
    html = await readFile(join(dir, 'index.html'), 'utf8');
  } catch {
    log.warn({ dir }, 'no storefront build: the shop is not served at / (npm run build -w @emporium/storefront makes one)');
    return undefined;
  }
  return { html, files: await loadStaticAssets(join(dir, 'assets')) };
}

export function registerStorefront(app: FastifyInstance, shop: StorefrontAssets): void {
  const sendPage = async (_request: unknown, reply: FastifyReply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', STOREFRONT_CSP)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .send(shop.html);
  for (const route of STOREFRONT_ROUTES) app.get(route, sendPage);
  serveStaticAssets(app, '/assets', shop.files, {
    'cache-control': 'public, max-age=31536000, immutable',
    'x-content-type-options': 'nosniff',
  });
}
