import { mkdir } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '@emporium/testkit/chromium.js';
import { logInAdmin } from '@emporium/testkit/graphql.js';
import { useStack } from '@emporium/testkit/stack.js';

/*
 * GraphiQL from our own bundle: the page and every asset it names come from the gateway, and in
 * headless Chromium with every other host blocked it loads, introspects and runs a query.
 * Debian's chromium is installed by CI (apt-get install chromium); without it the browser part
 * fails, naming what to install.
 */

const SCREENSHOT_DIR = fileURLToPath(new URL('../../../.cache/gateway/', import.meta.url));

// The first start builds the bundle (esbuild, a few seconds) unless an up-to-date one is there.
const stack = useStack({ gateway: { GRAPHIQL: 'true' }, timeoutMs: 120_000 });

/** A GET whose body is left as sent (fetch would decompress it). */
async function rawGet(url: string, acceptEncoding: string): Promise<{ encoding: string | undefined; body: Buffer }> {
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': acceptEncoding } }, resolve).on('error', reject);
  });
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(Buffer.from(chunk as Uint8Array));
  return { encoding: response.headers['content-encoding'], body: Buffer.concat(chunks) };
}

describe('GraphiQL', () => {
  it('serves the page with a strict CSP and every asset it names from the gateway itself', async () => {
    const page = await fetch(`${stack.url}/graphiql`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    const html = await page.text();
    // No absolute URL: nothing is loaded from anywhere else.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const assets = [...html.matchAll(/(?:src|href)="(assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual(expect.arrayContaining(['assets/app.css', 'assets/app.js']));
    for (const asset of [...assets, 'assets/editor.worker.js', 'assets/graphql.worker.js', 'assets/json.worker.js']) {
      const response = await fetch(`${stack.url}/graphiql/${asset ?? ''}`);
      expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    // The compressed copy (made when the bundle is built) is the same file; it is not an asset of its own.
    const plain = await rawGet(`${stack.url}/graphiql/assets/app.js`, 'identity');
    const compressed = await rawGet(`${stack.url}/graphiql/assets/app.js`, 'gzip');
    expect(plain.encoding).toBeUndefined();
    expect(compressed.encoding).toBe('gzip');
    expect(compressed.body.length).toBeLessThan(plain.body.length / 2);
    expect(gunzipSync(compressed.body).equals(plain.body)).toBe(true);
    expect((await fetch(`${stack.url}/graphiql/assets/app.js.gz`)).status).toBe(404);
    expect((await fetch(`${stack.url}/graphiql/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${stack.url}/graphiql/assets/manifest.json`)).status).toBe(404);
  });

  describe('in headless Chromium', () => {
    let browser: Browser;

    beforeAll(async () => {
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser.close();
    });

    it('loads with no other host reachable and runs a query', async () => {
      const admin = await logInAdmin(stack);
      await stack.request(`mutation { createProduct(input: { name: "Offline lantern", description: "", price: "42.00", stock: 3 }) { id } }`, {
        token: admin,
      });

      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const origin = new URL(stack.url).origin;
      const foreign: string[] = [];
      // Anything not from the gateway is refused: the page must not need it.
      await context.route('**/*', async (route) => {
        const url = route.request().url();
        if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
        foreign.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));

      await page.goto(`${stack.url}/graphiql`);
      await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
      // The default query lists products; run it with the execute button.
      await page.locator('.graphiql-execute-button').click({ timeout: 30_000 });
      // Monaco renders spaces as no-break spaces.
      const responseText = async () => (await page.locator('.graphiql-response').innerText()).replaceAll('\u00a0', ' ');
      await expect.poll(responseText, { timeout: 30_000 }).toContain('Offline lantern');
      const response = await responseText();
      expect(response).toContain('"amount": "42.00"');

      await mkdir(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: `${SCREENSHOT_DIR}graphiql.png` });
      expect(foreign).toEqual([]);
      expect(pageErrors).toEqual([]);
      await context.close();
    });
  });
});
