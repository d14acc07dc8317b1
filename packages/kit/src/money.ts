import type { Money as ProtoMoney } from '@emporium/contracts/emporium/type/v1/money.js';
import { invalidArgument } from './errors.js';

/** An exact amount: integer minor units of an ISO 4217 currency. Never a float. */
export interface Money {
  readonly currencyCode: string;
  readonly amountMinor: bigint;
}

const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
/** The largest amount proto (int64) and the databases (bigint) can carry. */
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * The largest price, in minor units of any currency: 10^14 (1,000,000,000,000.00 USD). Chosen so
 * that the largest order there can be — 50 lines × 1,000 units × this price = 5 × 10^18 — still
 * fits int64 (9.22 × 10^18) with room to spare: a valid order's total can never overflow.
 */
export const MAX_PRICE_MINOR = 100_000_000_000_000n;

/** Whether an amount fits int64, so that it can be stored and sent. */
export function fitsInt64(amountMinor: bigint): boolean {
  return amountMinor >= INT64_MIN && amountMinor <= INT64_MAX;
}

/** Whether value is an ISO 4217 code, upper case, of a currency Intl knows. */
export function isCurrencyCode(value: string): boolean {
  return /^[A-Z]{3}$/.test(value) && KNOWN_CURRENCIES.has(value);
}

/** Validates an ISO 4217 code (upper case, known to ICU); INVALID_ARGUMENT naming the field. */
export function parseCurrencyCode(value: string, field: string): string {
  if (!isCurrencyCode(value)) {
    throw invalidArgument(field, 'must be an ISO 4217 currency code such as USD');
  }
  return value;
}

const minorDigitsByCurrency = new Map<string, number>();

/** How many decimal places the currency's minor unit has: 2 for USD, 0 for JPY, 3 for KWD. */
export function minorUnitDigits(currencyCode: string): number {
  // Asked for every price of every response, and building an Intl.NumberFormat is expensive beside
  // a map lookup: once per currency. An unknown code throws before anything is cached.
  let digits = minorDigitsByCurrency.get(currencyCode);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency: currencyCode }).resolvedOptions().maximumFractionDigits ?? 2;
    minorDigitsByCurrency.set(currencyCode, digits);
  }
  return digits;
}

function parseInt64(value: string, field: string): bigint {
  if (!/^-?\d{1,19}$/.test(value)) throw invalidArgument(field, 'must be an integer');
  const amount = BigInt(value);
  if (!fitsInt64(amount)) throw invalidArgument(field, 'is out of range');
  return amount;
}

/** Money from a request; a missing message or bad part is INVALID_ARGUMENT naming e.g. "price.currency_code". */
export function moneyFromProto(value: ProtoMoney | undefined, field: string): Money {
  if (value === undefined) throw invalidArgument(field, 'is required');
  return {
    currencyCode: parseCurrencyCode(value.currencyCode, `${field}.currency_code`),
    amountMinor: parseInt64(value.amountMinor, `${field}.amount_minor`),
  };
}

export function moneyToProto(money: Money): ProtoMoney {
  return { currencyCode: money.currencyCode, amountMinor: money.amountMinor.toString() };
}

/** "19.99" for 1999 USD, "1999" for 1999 JPY, "-0.05" for -5 USD. */
export function formatDecimal(money: Money): string {
  const digits = minorUnitDigits(money.currencyCode);
  const negative = money.amountMinor < 0n;
  const units = (negative ? -money.amountMinor : money.amountMinor).toString().padStart(digits + 1, '0');
  const whole = digits === 0 ? units : `${units.slice(0, -digits)}.${units.slice(-digits)}`;
  return negative ? `-${whole}` : whole;
}

/**
 * Parses an exact decimal string in a currency: "19.99" -> 1999 minor units of USD. More decimal
 * places than the currency has, exponents, spaces or separators are INVALID_ARGUMENT.
 */
export function parseDecimal(text: string, currencyCode: string, field: string): Money {
  const match = /^(-?)(\d{1,19})(?:\.(\d+))?$/.exec(text);
  if (!match) throw invalidArgument(field, 'must be a decimal number such as 19.99');
  const [, sign = '', whole = '0', fraction = ''] = match;
  const digits = minorUnitDigits(currencyCode);
  if (fraction.length > digits) {
    throw invalidArgument(field, `must have at most ${digits} decimal places for ${currencyCode}`);
  }
  const minor = BigInt(`${sign}${whole}${fraction.padEnd(digits, '0')}`);
  if (!fitsInt64(minor)) throw invalidArgument(field, 'is out of range');
  return { currencyCode, amountMinor: minor };
}

export function multiply(money: Money, quantity: number): Money {
  return { currencyCode: money.currencyCode, amountMinor: money.amountMinor * BigInt(quantity) };
}

/** The sum of amounts that must share one currency (a mix is a programming error). */
export function sum(amounts: readonly Money[], currencyCode: string): Money {
  let total = 0n;
  for (const amount of amounts) {
    if (amount.currencyCode !== currencyCode) {
      throw new Error(`cannot add ${amount.currencyCode} to ${currencyCode}`);
    }
    total += amount.amountMinor;
  }
  return { currencyCode, amountMinor: total };
}

/**
 * Σ unit price × quantity, or undefined when the total or a line's subtotal does not fit int64:
 * an amount that cannot be stored or sent must be refused before anything is done about it.
 */
export function checkedTotal(
  lines: ReadonlyArray<{ readonly unitPrice: Money; readonly quantity: number }>,
  currencyCode: string,
): Money | undefined {
  const subtotals = lines.map((line) => multiply(line.unitPrice, line.quantity));
  if (!subtotals.every((subtotal) => fitsInt64(subtotal.amountMinor))) return undefined;
  const total = sum(subtotals, currencyCode);
  return fitsInt64(total.amountMinor) ? total : undefined;
}
