import { describe, expect, it } from 'vitest';
import { sameAmount, showMoney, sum, times } from './money';
import { statusWord, stockWords } from './stock';

describe('money in the browser', () => {
  it('multiplies and adds decimal strings exactly', () => {
    expect(times('19.99', 3)).toBe('59.97');
    expect(times('0.10', 3)).toBe('0.30');
    expect(times('1000000000000.00', 1000)).toBe('1000000000000000.00');
    expect(sum(['0.10', '0.20'])).toBe('0.30');
    expect(sum(['1234567.05', '39.98'])).toBe('1234607.03');
    expect(sum(['5', '0.5'])).toBe('5.5');
    expect(sum([])).toBe('0');
  });

  it('compares amounts by value and shows them as given', () => {
    expect(sameAmount('5.0', '5.00')).toBe(true);
    expect(sameAmount('5.01', '5.00')).toBe(false);
    expect(showMoney({ amount: '19.90', currencyCode: 'USD' })).toBe('19.90 USD');
    expect(() => times('1e3', 1)).toThrow(/not a decimal/);
  });
});

describe('words', () => {
  it('says the stock state in words', () => {
    expect(stockWords(0)).toBe('Sold out');
    expect(stockWords(-1)).toBe('Sold out');
    expect(stockWords(1)).toBe('Only 1 left');
    expect(stockWords(5)).toBe('Only 5 left');
    expect(stockWords(6)).toBe('In stock');
  });

  it('says order statuses as words', () => {
    expect(['PLACED', 'REJECTED', 'CANCELLED', 'PENDING'].map(statusWord)).toEqual(['Placed', 'Rejected', 'Cancelled', 'Pending']);
  });
});
