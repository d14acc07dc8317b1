import type { Money as ProtoMoney } from '@emporium/contracts/emporium/type/v1/money.js';
import type { Money } from '@emporium/kit/money.js';

/*
 * Reading the services' answers. A field the contract says is always there but is missing is the
 * service's bug, not the client's: these throw plain errors, which the client sees as INTERNAL.
 */

export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`backend answer without ${what}`);
  return value;
}

export function moneyOf(value: ProtoMoney | undefined, what: string): Money {
  const money = required(value, what);
  if (!/^-?\d{1,19}$/.test(money.amountMinor)) throw new Error(`backend answer with a malformed ${what}`);
  return { currencyCode: money.currencyCode, amountMinor: BigInt(money.amountMinor) };
}

/** Money the contract says may be absent (an order not priced): null then, and checked when present. */
export function optionalMoneyOf(value: ProtoMoney | undefined, what: string): Money | null {
  return value === undefined ? null : moneyOf(value, what);
}
