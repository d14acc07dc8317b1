import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { at, logInAdmin, signUp } from '@emporium/testkit/graphql.js';
import { demoProducts } from '../../scripts/demo-data.js';
import { useComposeProject } from './lib/compose.js';
import { CANCEL_ORDER, LOG_IN, ORDER_HISTORY, SEARCH, createOrder, createProduct, ok, text } from './lib/shop.js';

/*
 * deploy/compose.yaml as a user runs it: `docker compose up --wait` with a generated .env, then the
 * public API through the gateway's published port only; last, the demo catalog loaded by the
 * one-off seed service (`docker compose run --rm seed`), as deploy/README.md says.
 */
const stack = useComposeProject({ name: 'smoke' });

const MINUTE = 60_000;

const listedProduct = z.object({ name: z.string(), stock: z.number(), price: z.object({ amount: z.string(), currencyCode: z.string() }) });
const ALL_PRODUCTS = `{ products(first: 100) { totalCount nodes { name stock price { amount currencyCode } } } }`;

/** Minor units as the gateway's decimal string, in integers: 109900 -> "1099.00". */
function decimal(minor: number): string {
  return `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}

const containerRow = z.looseObject({
  Service: z.string(),
  Publishers: z.array(z.looseObject({ URL: z.string(), TargetPort: z.number(), PublishedPort: z.number(), Protocol: z.string() })).nullable().optional(),
});

describe('the Compose stack', () => {
  it('serves the shop through the published gateway port: sign up, search, order, keyed retry, cancel, history', async () => {
    const health = await fetch(`${stack.url}/readyz`);
    expect(health.status).toBe(200);

    const admin = await logInAdmin(stack);
    const kettle = await createProduct(stack, admin, { name: 'Copper kettle', price: '42.50', stock: 5 });
    await createProduct(stack, admin, { name: 'Oak chopping board', price: '18.00', stock: 9 });

    const found = ok(await stack.request(SEARCH, { variables: { query: 'kettle' } }));
    expect(at(found, 'products', 'nodes')).toEqual([{ id: kettle, name: 'Copper kettle', stock: 5, price: { amount: '42.50', currencyCode: 'USD' } }]);

    const customer = await signUp(stack, 'Grace Hopper');
    const key = randomUUID();
    const placed = ok(await createOrder(stack, customer.token, [{ productId: kettle, quantity: 2 }], key));
    const orderId = text(at(placed, 'createOrder', 'id'));
    expect(at(placed, 'createOrder')).toMatchObject({ status: 'PLACED', total: { amount: '85.00', currencyCode: 'USD' } });

    // The same key again: the same order, no second reservation.
    const again = ok(await createOrder(stack, customer.token, [{ productId: kettle, quantity: 2 }], key));
    expect(at(again, 'createOrder', 'id')).toBe(orderId);
    expect(at(ok(await stack.request(SEARCH, { variables: { query: 'kettle' } })), 'products', 'nodes', 0, 'stock')).toBe(3);

    const cancelled = ok(await stack.request(CANCEL_ORDER, { token: customer.token, variables: { input: { orderId } } }));
    expect(at(cancelled, 'cancelOrder')).toEqual({ id: orderId, status: 'CANCELLED' });
    expect(at(ok(await stack.request(SEARCH, { variables: { query: 'kettle' } })), 'products', 'nodes', 0, 'stock')).toBe(5);

    const history = ok(await stack.request(ORDER_HISTORY, { token: customer.token }));
    expect(at(history, 'viewer', 'orders')).toEqual({ totalCount: 1, nodes: [{ id: orderId, status: 'CANCELLED', total: { amount: '85.00' } }] });
  });

  it('serves the web shop at / from the image, under its Content-Security-Policy, and no metrics on the published port', async () => {
    const page = await fetch(`${stack.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const html = await page.text();
    const script = /<script type="module" crossorigin src="(\/assets\/[\w.-]+\.js)">/.exec(html)?.[1];
    expect(script, html).toBeDefined();
    const asset = await fetch(`${stack.url}${script ?? ''}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await asset.text()).length).toBeGreaterThan(10_000);
    // The gateway's metrics are on its own port, which Compose does not publish.
    expect(await (await fetch(`${stack.url}/metrics`)).text()).not.toContain('emporium_graphql_requests_total');
  });

  it('publishes the gateway only, on the loopback address it was given', async () => {
    // `ps --format json`: one object per container and line (older Compose: one array).
    const output = await stack.compose(['ps', '--format', 'json']);
    const rows = output
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .flatMap((line) => z.union([containerRow, z.array(containerRow)]).parse(JSON.parse(line)))
      .map((row) => ({ service: row.Service, published: (row.Publishers ?? []).filter((p) => p.PublishedPort > 0) }));
    expect(rows.map((row) => row.service).sort()).toEqual(['account', 'catalog', 'gateway', 'mail', 'nats', 'notification', 'order', 'postgres', 'redis']);
    for (const { service, published } of rows) {
      const expected =
        service === 'gateway'
          ? [{ URL: '127.0.0.1', TargetPort: 8080, PublishedPort: Number(new URL(stack.url).port), Protocol: 'tcp' }]
          : service === 'mail'
            ? [expect.objectContaining({ URL: '127.0.0.1', TargetPort: 1080, Protocol: 'tcp' })]
            : [];
      expect(published, service).toEqual(expected);
    }
  });

  it('loads the demo catalog with the seed service: the shop then lists every demo product, and the demo customer logs in', { timeout: 10 * MINUTE }, async () => {
    // The profile's one-off service, run as the README says (no --profile: `run` names it).
    const output = await stack.compose(['run', '--rm', 'seed'], 10 * MINUTE);
    expect(output).toContain(`demo data loaded: ${demoProducts.length} products created, 0 reset`);

    const listed = z.array(listedProduct).parse(at(ok(await stack.request(ALL_PRODUCTS)), 'products', 'nodes'));
    const byName = new Map(listed.map((product) => [product.name, product]));
    for (const demo of demoProducts) {
      expect(byName.get(demo.name), demo.name).toEqual({ name: demo.name, stock: demo.stock, price: { amount: decimal(demo.priceMinor), currencyCode: 'USD' } });
    }

    const customer = /^demo customer: (\S+) \/ (\S+)$/m.exec(output);
    expect(customer, output).not.toBeNull();
    const loggedIn = ok(await stack.request(LOG_IN, { variables: { input: { email: customer?.[1], password: customer?.[2] } } }));
    expect(text(at(loggedIn, 'logIn', 'token')).length).toBeGreaterThan(0);

    // Run again, it finds its products and customer: nothing twice, the same customer.
    const again = await stack.compose(['run', '--rm', 'seed'], 10 * MINUTE);
    expect(again).toContain(`demo data loaded: 0 products created, ${demoProducts.length} reset`);
    expect(/^demo customer: .*$/m.exec(again)?.[0]).toBe(customer?.[0]);
    expect(z.array(listedProduct).parse(at(ok(await stack.request(ALL_PRODUCTS)), 'products', 'nodes'))).toHaveLength(listed.length);
  });
});
