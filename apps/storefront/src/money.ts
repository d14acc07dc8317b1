// Exact money in the browser: amounts are decimal strings ("19.99"), never floats. Arithmetic is
// done on BigInt minor units at the larger of the operands' scales.

export interface Money {
  readonly amount: string;
  readonly currencyCode: string;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

function parse(amount: string): { units: bigint; scale: number } {
  const match = DECIMAL.exec(amount);
  if (match === null) throw new Error(`not a decimal amount: ${amount}`);
  const fraction = match[3] ?? '';
  const units = BigInt(`${match[2] ?? '0'}${fraction}`);
  return { units: match[1] === '-' ? -units : units, scale: fraction.length };
}

function format(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? `.${digits.slice(digits.length - scale)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** amount × quantity, exactly. */
export function times(amount: string, quantity: number): string {
  const { units, scale } = parse(amount);
  return format(units * BigInt(quantity), scale);
}

/** The sum of amounts, exactly, at the largest scale among them ("0" for none). */
export function sum(amounts: readonly string[]): string {
  const parsed = amounts.map(parse);
  const scale = Math.max(0, ...parsed.map((p) => p.scale));
  const total = parsed.reduce((acc, p) => acc + p.units * 10n ** BigInt(scale - p.scale), 0n);
  return format(total, scale);
}

/** "19.99 USD": the amount exactly as the API gave it. */
export function showMoney(money: Money): string {
  return `${money.amount} ${money.currencyCode}`;
}

/** Whether two decimal strings are the same amount ("5.0" and "5.00" are). */
export function sameAmount(a: string, b: string): boolean {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  return x.units * 10n ** BigInt(scale - x.scale) === y.units * 10n ** BigInt(scale - y.scale);
}
