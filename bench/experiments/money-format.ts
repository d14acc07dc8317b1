// Micro-benchmark behind bench/README.md's proposed fix 2: kit's formatDecimal as it is, against the
// same formatting with the currency's minor-unit digits cached (which is all the fix changes).
// Run: npx tsx --conditions=@emporium/source bench/experiments/money-format.ts
import { formatDecimal, type Money } from '@emporium/kit/money.js';

const CALLS = 100_000;
const money: Money = { currencyCode: 'USD', amountMinor: 1999n };

const digitsByCurrency = new Map<string, number>();
function cachedDigits(currencyCode: string): number {
  let digits = digitsByCurrency.get(currencyCode);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency: currencyCode }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsByCurrency.set(currencyCode, digits);
  }
  return digits;
}

/** formatDecimal's body with the cached lookup. */
function formatCached(value: Money): string {
  const digits = cachedDigits(value.currencyCode);
  const negative = value.amountMinor < 0n;
  const units = (negative ? -value.amountMinor : value.amountMinor).toString().padStart(digits + 1, '0');
  const whole = digits === 0 ? units : `${units.slice(0, -digits)}.${units.slice(-digits)}`;
  return negative ? `-${whole}` : whole;
}

function microsPerCall(format: (value: Money) => string): number {
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) format(money);
  return ((performance.now() - started) * 1000) / CALLS;
}

if (formatCached(money) !== formatDecimal(money)) throw new Error('the cached variant formats differently');
for (let round = 1; round <= 3; round++) {
  process.stdout.write(
    `round ${round}: formatDecimal ${microsPerCall(formatDecimal).toFixed(2)} µs/call, cached ${microsPerCall(formatCached).toFixed(3)} µs/call\n`,
  );
}
