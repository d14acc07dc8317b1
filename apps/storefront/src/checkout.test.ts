import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHECKOUT_KEY, attemptOf, checkoutKey, endCheckout, newIdempotencyKey } from './checkout';
import type { CartLine } from './cart';

const price = { amount: '19.99', currencyCode: 'USD' };
const lamp = (quantity: number): CartLine => ({ productId: 'p-lamp', quantity, name: 'Lamp', price });
const kettle: CartLine = { productId: 'p-kettle', quantity: 1, name: 'Kettle', price };

beforeEach(() => sessionStorage.clear());
afterEach(() => {
  sessionStorage.clear();
  vi.restoreAllMocks();
});

describe('a checkout attempt', () => {
  it('is the cart’s contents, each attempt with a fresh key', () => {
    expect(attemptOf([lamp(2), kettle])).toBe(attemptOf([lamp(2), kettle]));
    expect(attemptOf([lamp(1), kettle])).not.toBe(attemptOf([lamp(2), kettle]));
    const keys = new Set(Array.from({ length: 100 }, newIdempotencyKey));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps its key for the same cart, across a reload of the page', async () => {
    const key = checkoutKey([lamp(2), kettle]);
    expect(checkoutKey([lamp(2), kettle])).toBe(key);
    // A reload: the module starts afresh and finds the attempt in the tab's sessionStorage.
    vi.resetModules();
    const reloaded = await import('./checkout');
    expect(reloaded.checkoutKey([lamp(2), kettle])).toBe(key);
  });

  it('starts a new attempt when the cart changes, and after the attempt ends', () => {
    const first = checkoutKey([lamp(2)]);
    const changed = checkoutKey([lamp(3)]);
    expect(changed).not.toBe(first);
    expect(checkoutKey([lamp(3)])).toBe(changed);
    endCheckout();
    expect(sessionStorage.getItem(CHECKOUT_KEY)).toBeNull();
    expect(checkoutKey([lamp(3)])).not.toBe(changed);
  });

  it('ignores a stored attempt it cannot read, and keeps the key in memory where storage is refused', () => {
    sessionStorage.setItem(CHECKOUT_KEY, '{not json');
    const key = checkoutKey([kettle]);
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(sessionStorage.getItem(CHECKOUT_KEY) ?? 'null')).toEqual({ cart: attemptOf([kettle]), key });

    vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new DOMException('refused', 'SecurityError');
    });
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('refused', 'SecurityError');
    });
    const inMemory = checkoutKey([lamp(1)]);
    expect(checkoutKey([lamp(1)])).toBe(inMemory);
  });
});
