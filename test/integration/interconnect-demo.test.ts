/** `npm run demo -- interconnect` runs to its end and prints the fees it is there to show. */
import { expect, it, vi } from 'vitest';
import { runInterconnectDemo } from '../../src/demo/interconnect.js';

it('the interconnect demo carries R2, the annulled R1, the fault and a month of traffic through and prints their amounts', { timeout: 180_000 }, async () => {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  try {
    await runInterconnectDemo();
  } finally {
    log.mockRestore();
  }
  const out = lines.join('\n');
  expect(out).toMatch(/operator: COMPLETED {3}TIM: COMPLETED/);
  expect(out).toMatch(/portMonthlyFees × 6 +1860\.00 EUR/);
  expect(out).toMatch(/total +3333\.00 EUR/);
  expect(out).toContain('TIM computed 3333.00 EUR');
  expect(out).toContain('outcome c, interventoAVuoto=true, charge 390.51 EUR');
  expect(out).toMatch(/2026-11 {2}peak +\d+ calls/);
  expect(out).toMatch(/2026-11 {2}offpeak +\d+ calls/);
  expect(out).toContain('5000 calls rated');
});
