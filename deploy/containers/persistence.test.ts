import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { at, logInAdmin, signUp } from '@emporium/testkit/graphql.js';
import { useComposeProject } from './lib/compose.js';
import { LOG_IN, ORDER_HISTORY, SEARCH, createOrder, createProduct, ok, text } from './lib/shop.js';

/*
 * `docker compose down` keeps the named volumes: `up --wait` again finds the accounts, products
 * and orders written before (PostgreSQL's data directory is the volume, not the container).
 */
const stack = useComposeProject({ name: 'persistence' });

describe('the Compose stack', () => {
  it('keeps accounts, products and orders across down and up', async () => {
    const admin = await logInAdmin(stack);
    const globe = await createProduct(stack, admin, { name: 'Paper globe', price: '27.00', stock: 4 });
    const customer = await signUp(stack, 'Barbara Liskov');
    const orderId = text(at(ok(await createOrder(stack, customer.token, [{ productId: globe, quantity: 1 }], randomUUID())), 'createOrder', 'id'));

    await stack.down();
    expect(await stack.containers('postgres')).toEqual([]);
    await stack.up();

    // The old account logs in with its password; the signing secret is the .env's, so the old
    // token would do too, but a fresh log-in proves the account row survived.
    const loggedIn = ok(await stack.request(LOG_IN, { variables: { input: { email: customer.email, password: 'correct horse battery' } } }));
    expect(at(loggedIn, 'logIn', 'account', 'id')).toBe(customer.id);
    const token = text(at(loggedIn, 'logIn', 'token'));

    const history = ok(await stack.request(ORDER_HISTORY, { token }));
    expect(at(history, 'viewer', 'orders')).toEqual({ totalCount: 1, nodes: [{ id: orderId, status: 'PLACED', total: { amount: '27.00' } }] });
    const found = ok(await stack.request(SEARCH, { variables: { query: 'globe' } }));
    expect(at(found, 'products', 'nodes')).toEqual([{ id: globe, name: 'Paper globe', stock: 3, price: { amount: '27.00', currencyCode: 'USD' } }]);
  });
});
