import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatCents, isAmount, parseCents, prorate } from '../../../src/protocols/interconnect/money.js';

describe('interconnect money', () => {
  it.each([
    ['390.51', 39051],
    ['390.5', 39050],
    ['390', 39000],
    ['0.01', 1],
    ['0', 0],
  ])('parses %s as %i cents', (input, cents) => {
    expect(parseCents(input)).toBe(cents);
  });

  it.each(['', '1.234', '01.00', '1,00', ' 1', '1e3', 'NaN', '.5', '-1.00', '+1'])('refuses %j', (input) => {
    expect(isAmount(input)).toBe(false);
  });

  it('accepts a negative amount only when asked', () => {
    expect(parseCents('-1.20', { allowNegative: true })).toBe(-120);
  });

  it('formats with two places', () => {
    expect(formatCents(39051)).toBe('390.51');
    expect(formatCents(5)).toBe('0.05');
    expect(formatCents(-5)).toBe('-0.05');
    expect(formatCents(100)).toBe('1.00');
  });

  it('round-trips every amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), (cents) => parseCents(formatCents(cents)) === cents),
    );
  });

  it('prorates half up in exact arithmetic', () => {
    expect(prorate(1000, 1, 3)).toBe(333);
    expect(prorate(1000, 2, 3)).toBe(667);
    expect(prorate(1, 1, 2)).toBe(1);
    expect(prorate(3100, 15, 31)).toBe(1500);
  });
});
