import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CART_KEY, cart, countUnits, useCart } from './cart';

// React's act() wants to know it runs in a test environment.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const lamp = { id: 'p-lamp', name: 'Lamp', price: { amount: '19.99', currencyCode: 'USD' } };
const kettle = { id: 'p-kettle', name: 'Kettle', price: { amount: '5.00', currencyCode: 'USD' } };

beforeEach(() => localStorage.clear());
afterEach(() => localStorage.clear());

describe('the cart', () => {
  it('adds, changes quantities, removes, and keeps it all in localStorage', () => {
    cart.add(lamp);
    cart.add(lamp, 2);
    cart.add(kettle);
    expect(cart.lines().map((l) => [l.productId, l.quantity])).toEqual([
      ['p-lamp', 3],
      ['p-kettle', 1],
    ]);
    cart.setQuantity('p-kettle', 5000);
    expect(cart.lines()[1]?.quantity).toBe(1000);
    cart.setQuantity('p-kettle', 0);
    expect(cart.lines()[1]?.quantity).toBe(1);
    cart.remove('p-lamp');
    // What a reload reads.
    expect(JSON.parse(localStorage.getItem(CART_KEY) ?? 'null')).toEqual([{ productId: 'p-kettle', quantity: 1, name: 'Kettle', price: kettle.price }]);
    cart.clear();
    expect(cart.lines()).toEqual([]);
  });

  it('keeps the price at adding until the shopper acknowledges the new one', () => {
    cart.add(lamp);
    cart.acknowledge('p-lamp', { name: 'Lamp', price: { amount: '21.00', currencyCode: 'USD' } });
    expect(cart.lines()[0]?.price.amount).toBe('21.00');
  });

  it('ignores what it cannot read instead of failing the page', () => {
    localStorage.setItem(CART_KEY, '{not json');
    expect(cart.lines()).toEqual([]);
    localStorage.setItem(CART_KEY, JSON.stringify([{ productId: 'x', quantity: -1, name: 'X', price: lamp.price }, { productId: 'y' }]));
    expect(cart.lines()).toEqual([]);
  });

  it('re-renders a component that uses it when it changes', () => {
    function Count() {
      return <p>{countUnits(useCart())} units</p>;
    }
    const container = document.createElement('div');
    document.body.append(container);
    const root = createRoot(container);
    act(() => root.render(<Count />));
    expect(container.textContent).toBe('0 units');
    act(() => cart.add(lamp, 2));
    expect(container.textContent).toBe('2 units');
    act(() => cart.add(kettle));
    expect(container.textContent).toBe('3 units');
    act(() => root.unmount());
    container.remove();
  });
});
