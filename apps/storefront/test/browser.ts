import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';

// Debian's Chromium (the testkit's launcher), with every host but the gateway refused: the shop
// must need nothing else.

export { launchChromium as launch } from '@emporium/testkit/chromium.js';

export interface Shop {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Requests to any host other than the gateway (refused). */
  readonly foreign: string[];
  /** Uncaught errors in the page. */
  readonly pageErrors: string[];
}

/** A fresh browser profile (no cookies, empty localStorage) on the shop at origin. */
export async function openShop(browser: Browser, origin: string): Promise<Shop> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const foreign: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:')) return route.fallback();
    foreign.push(url);
    return route.abort();
  });
  // Waits are for the page to catch up, never a measure: generous, for a loaded CI machine.
  context.setDefaultTimeout(45_000);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { context, page, foreign, pageErrors };
}

/** axe-core with the WCAG 2 A and AA rules: the page's violations, by rule and target. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const violations = results.violations.map((v) => ({ page: what, rule: v.id, targets: v.nodes.map((n) => n.target.join(' ')) }));
  expect(violations).toEqual([]);
}
