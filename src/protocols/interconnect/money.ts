/**
 * Money of the interconnection procedure: every amount is an integer number of euro cents inside
 * the gateway and a decimal string with two places ("390.51") at its edges (config, REST, wire).
 * Binary floats never hold an amount.
 */

/** Integer euro cents. A plain number is exact up to 2^53 cents (≈ 90 trillion euro). */
export type Cents = number;

const DECIMAL = /^(-?)(0|[1-9][0-9]{0,12})(?:\.([0-9]{1,2}))?$/;

export class MoneyFormatError extends Error {
  readonly code = 'SG_BAD_AMOUNT';
  constructor(readonly input: string) {
    super(`"${input}" is not an amount in EUR with at most two decimal places (e.g. "390.51")`);
  }
}

/** Parses "390.51", "390.5", "390" (and "-1.20" when `allowNegative`) into cents; anything else throws. */
export function parseCents(input: string, options: { allowNegative?: boolean } = {}): Cents {
  const match = DECIMAL.exec(input);
  if (!match) throw new MoneyFormatError(input);
  const [, sign, whole, fraction = ''] = match;
  if (sign === '-' && !options.allowNegative) throw new MoneyFormatError(input);
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return sign === '-' ? -cents : cents;
}

/** True when `input` is a well-formed amount (see parseCents). */
export function isAmount(input: string, options: { allowNegative?: boolean } = {}): boolean {
  try {
    parseCents(input, options);
    return true;
  } catch {
    return false;
  }
}

/** Formats cents as a decimal string with exactly two places: 39051 → "390.51", -5 → "-0.05". */
export function formatCents(cents: Cents): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`not a whole number of cents: ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * `cents × numerator / denominator`, rounded half up to the cent, computed in BigInt so that no
 * intermediate product loses precision (pro-rata fees: monthly fee × days / days in month).
 */
export function prorate(cents: Cents, numerator: number, denominator: number): Cents {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator <= 0) {
    throw new RangeError(`bad pro-rata fraction ${numerator}/${denominator}`);
  }
  const product = BigInt(cents) * BigInt(numerator);
  const d = BigInt(denominator);
  const negative = product < 0n;
  const abs = negative ? -product : product;
  const rounded = (abs * 2n + d) / (2n * d);
  return Number(negative ? -rounded : rounded);
}
