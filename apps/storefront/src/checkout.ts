import type { CartLine } from './cart';

// One idempotency key per checkout attempt. "Place order" may reach the gateway, which places the
// order, while its answer is lost on the way back; the shopper presses again, maybe after reloading
// the page. Sending the same key makes the gateway answer with that order instead of placing
// another, so the key lives in this tab's sessionStorage (a reload keeps it, closing the tab ends
// it; nothing secret). The attempt is the cart's contents: a changed cart is a new attempt with a
// new key. The key is dropped once the attempt has its answer: the order placed, or rejected.

export const CHECKOUT_KEY = 'emporium.checkout';

interface Attempt {
  /** attemptOf the cart the key was made for. */
  readonly cart: string;
  readonly key: string;
}

/** Where storage is refused (a privacy mode), the attempt lasts as long as the page. */
let inMemory: Attempt | null = null;

/** A fresh idempotency key: 128 random bits (crypto.randomUUID needs a secure context; this does not). */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** What one checkout attempt orders: the same cart is the same attempt (and keeps its key). */
export function attemptOf(lines: readonly CartLine[]): string {
  return lines.map((line) => `${line.productId}×${line.quantity}`).join(',');
}

function isAttempt(value: unknown): value is Attempt {
  if (typeof value !== 'object' || value === null) return false;
  const { cart, key } = value as Record<string, unknown>;
  return typeof cart === 'string' && typeof key === 'string' && /^[0-9a-f]{32}$/.test(key);
}

function stored(): Attempt | null {
  let raw: string | null;
  try {
    raw = sessionStorage.getItem(CHECKOUT_KEY);
  } catch {
    return inMemory;
  }
  try {
    const parsed: unknown = raw === null ? null : JSON.parse(raw);
    return isAttempt(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

function store(attempt: Attempt | null): void {
  inMemory = attempt;
  try {
    if (attempt === null) sessionStorage.removeItem(CHECKOUT_KEY);
    else sessionStorage.setItem(CHECKOUT_KEY, JSON.stringify(attempt));
  } catch {
    // Storage refused or full: the attempt is kept in memory only.
  }
}

/** The idempotency key of the checkout attempt for this cart: the one already made for it, or a new one. */
export function checkoutKey(lines: readonly CartLine[]): string {
  const cart = attemptOf(lines);
  const current = stored();
  if (current?.cart === cart) return current.key;
  const attempt = { cart, key: newIdempotencyKey() };
  store(attempt);
  return attempt.key;
}

/** Ends the attempt (its order is placed or rejected): the next "Place order" is a new one. */
export function endCheckout(): void {
  store(null);
}
