import { describe, expect, it } from 'vitest';
import { DomainError } from '../src/errors.js';
import { MAX_PRICE_MINOR, checkedTotal, fitsInt64, formatDecimal, minorUnitDigits, moneyFromProto, multiply, parseDecimal, sum } from '../src/money.js';

const usd = (amountMinor: bigint) => ({ currencyCode: 'USD', amountMinor });

describe('money', () => {
  it('knows each currency’s minor unit', () => {
    expect([minorUnitDigits('USD'), minorUnitDigits('JPY'), minorUnitDigits('KWD')]).toEqual([2, 0, 3]);
    // Asked again (now from the cache), the same answers; an unknown code fails every time.
    expect([minorUnitDigits('KWD'), minorUnitDigits('JPY'), minorUnitDigits('USD')]).toEqual([3, 0, 2]);
    expect(() => minorUnitDigits('XX')).toThrow(RangeError);
    expect(() => minorUnitDigits('XX')).toThrow(RangeError);
  });

  it('formats and parses exact decimals both ways', () => {
    const cases: Array<[string, string, bigint]> = [
      ['USD', '19.99', 1999n],
      ['USD', '0.10', 10n],
      ['USD', '0.00', 0n],
      ['USD', '-0.05', -5n],
      ['JPY', '1999', 1999n],
      ['KWD', '1.005', 1005n],
      ['USD', '92233720368547758.07', 2n ** 63n - 1n],
    ];
    for (const [currencyCode, text, minor] of cases) {
      expect(formatDecimal({ currencyCode, amountMinor: minor })).toBe(text);
      expect(parseDecimal(text, currencyCode, 'price').amountMinor).toBe(minor);
    }
    expect(parseDecimal('5', 'USD', 'price').amountMinor).toBe(500n);
    expect(parseDecimal('5.1', 'USD', 'price').amountMinor).toBe(510n);
  });

  it('refuses anything that is not an exact decimal in the currency', () => {
    for (const text of ['', '1.999', '1e3', ' 1', '1,00', 'NaN', '0x10', '.5', '1.', '92233720368547758.08']) {
      expect(() => parseDecimal(text, 'USD', 'price')).toThrow(DomainError);
    }
    expect(() => parseDecimal('1.5', 'JPY', 'price')).toThrow(/price/);
  });

  it('sums and multiplies without floating point', () => {
    expect(multiply(usd(10n), 3).amountMinor).toBe(30n);
    expect(multiply(usd(1999n), 7).amountMinor).toBe(13993n);
    expect(sum([usd(30n), usd(13993n)], 'USD')).toEqual(usd(14023n));
    expect(() => sum([{ currencyCode: 'EUR', amountMinor: 1n }], 'USD')).toThrow();
  });

  it('validates proto money, naming the part at fault', () => {
    expect(moneyFromProto({ currencyCode: 'USD', amountMinor: '1999' }, 'price')).toEqual(usd(1999n));
    expect(() => moneyFromProto(undefined, 'price')).toThrow(/^price: is required/);
    expect(() => moneyFromProto({ currencyCode: 'usd', amountMinor: '1' }, 'price')).toThrow(/price\.currency_code/);
    expect(() => moneyFromProto({ currencyCode: 'XYZ', amountMinor: '1' }, 'price')).toThrow(/price\.currency_code/);
    expect(() => moneyFromProto({ currencyCode: 'USD', amountMinor: '1.5' }, 'price')).toThrow(/price\.amount_minor/);
  });

  it('the largest order at the largest price fits int64: 50 lines x 1,000 units x MAX_PRICE_MINOR', () => {
    const largest = Array.from({ length: 50 }, () => ({ unitPrice: usd(MAX_PRICE_MINOR), quantity: 1_000 }));
    expect(checkedTotal(largest, 'USD')).toEqual(usd(5n * 10n ** 18n));
    expect(fitsInt64(2n ** 63n - 1n)).toBe(true);
    expect(fitsInt64(2n ** 63n)).toBe(false);
  });

  it('checkedTotal: undefined when the total or any subtotal would not fit int64', () => {
    expect(checkedTotal([{ unitPrice: usd(1999n), quantity: 3 }, { unitPrice: usd(10n), quantity: 7 }], 'USD')).toEqual(usd(6067n));
    const nearLimit = usd(9_223_372_036_854_775_000n);
    expect(checkedTotal([{ unitPrice: nearLimit, quantity: 1 }], 'USD')).toEqual(nearLimit);
    expect(checkedTotal([{ unitPrice: nearLimit, quantity: 2 }], 'USD')).toBeUndefined();
    expect(checkedTotal([{ unitPrice: nearLimit, quantity: 1 }, { unitPrice: usd(1_000n), quantity: 1 }], 'USD')).toBeUndefined();
    // A negative line cannot hide an overflowing one.
    expect(checkedTotal([{ unitPrice: nearLimit, quantity: 2 }, { unitPrice: usd(-nearLimit.amountMinor), quantity: 1 }], 'USD')).toBeUndefined();
  });
});
