import { useSyncExternalStore } from 'react';
import type { Money } from './money';

// The cart lives in the browser (localStorage: products and quantities, nothing secret), so it
// survives reloads and logging in. Each line keeps what the product was when it was added, so the
// cart page can say what changed since.

export interface CartLine {
  readonly productId: string;
  readonly quantity: number;
  /** As the product was when it was (last) added. */
  readonly name: string;
  readonly price: Money;
}

export const CART_KEY = 'emporium.cart';
export const MAX_QUANTITY = 1000;

type Listener = () => void;
const listeners = new Set<Listener>();
let cached: { raw: string | null; lines: readonly CartLine[] } = { raw: null, lines: [] };

function isLine(value: unknown): value is CartLine {
  if (typeof value !== 'object' || value === null) return false;
  const line = value as Record<string, unknown>;
  const price = line.price as Record<string, unknown> | null | undefined;
  return (
    typeof line.productId === 'string' &&
    typeof line.quantity === 'number' &&
    Number.isInteger(line.quantity) &&
    line.quantity > 0 &&
    typeof line.name === 'string' &&
    typeof price === 'object' &&
    price !== null &&
    typeof price.amount === 'string' &&
    typeof price.currencyCode === 'string'
  );
}

function read(): readonly CartLine[] {
  let raw: string | null;
  try {
    raw = localStorage.getItem(CART_KEY);
  } catch {
    return cached.lines;
  }
  if (raw === cached.raw) return cached.lines;
  let lines: CartLine[];
  try {
    const parsed: unknown = raw === null ? [] : JSON.parse(raw);
    lines = Array.isArray(parsed) ? parsed.filter(isLine) : [];
  } catch {
    lines = [];
  }
  cached = { raw, lines };
  return lines;
}

function write(lines: readonly CartLine[]): void {
  localStorage.setItem(CART_KEY, JSON.stringify(lines));
  for (const listener of listeners) listener();
}

function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  // Another tab changed the cart.
  const onStorage = (event: StorageEvent) => {
    if (event.key === CART_KEY || event.key === null) listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

const clamp = (quantity: number) => Math.max(1, Math.min(MAX_QUANTITY, Math.trunc(quantity)));

export const cart = {
  lines: read,
  /** Adds quantity units (to what is there), remembering the product as it is now. */
  add(product: { id: string; name: string; price: Money }, quantity = 1): void {
    const lines = read();
    const existing = lines.find((line) => line.productId === product.id);
    const line: CartLine = {
      productId: product.id,
      quantity: clamp((existing?.quantity ?? 0) + quantity),
      name: product.name,
      price: { amount: product.price.amount, currencyCode: product.price.currencyCode },
    };
    write(existing === undefined ? [...lines, line] : lines.map((l) => (l.productId === product.id ? line : l)));
  },
  setQuantity(productId: string, quantity: number): void {
    write(read().map((line) => (line.productId === productId ? { ...line, quantity: clamp(quantity) } : line)));
  },
  /** Takes what the shopper has now seen as the product's current name and price. */
  acknowledge(productId: string, current: { name: string; price: Money }): void {
    write(read().map((line) => (line.productId === productId ? { ...line, name: current.name, price: { ...current.price } } : line)));
  },
  remove(productId: string): void {
    write(read().filter((line) => line.productId !== productId));
  },
  clear(): void {
    write([]);
  },
};

export function useCart(): readonly CartLine[] {
  return useSyncExternalStore(subscribe, read, () => []);
}

/** The number of units in the cart. */
export function countUnits(lines: readonly CartLine[]): number {
  return lines.reduce((n, line) => n + line.quantity, 0);
}
