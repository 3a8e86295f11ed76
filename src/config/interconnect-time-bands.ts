/**
 * `interconnect.timeBands`: the time bands of the traffic rating (spec §7.2; the reference offer
 * defines them). The JSON Schema fragment checks the shape; `timeBandsConfigProblems` refuses at
 * start-up a list that leaves a minute of a kind of day uncovered or covers one twice, naming the
 * key (`interconnect.timeBands[2].to`, or `interconnect.timeBands` for a gap).
 */
import { compileTimeBands, DEFAULT_TIME_BANDS, timeBandIssues, type CompiledTimeBands, type TimeBandEntry } from '../protocols/interconnect/billing/time-bands.js';
import type { ConfigProblem } from './load.js';

export const timeBandsSchema = {
  type: 'array',
  minItems: 1,
  maxItems: 256,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'days', 'from', 'to'],
    properties: {
      name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
      days: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['weekday', 'saturday', 'holiday'] } },
      from: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' },
      to: { type: 'string', pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' },
    },
  },
} as const;

const KEY = 'interconnect.timeBands';

/** `/2/to` → `interconnect.timeBands[2].to`; `` → `interconnect.timeBands`. */
function keyOf(path: string): string {
  return KEY + path.split('/').slice(1).map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`)).join('');
}

export function timeBandsConfigProblems(c: { interconnect?: { timeBands?: TimeBandEntry[] } }): ConfigProblem[] {
  const bands = c.interconnect?.timeBands;
  if (!bands) return [];
  return timeBandIssues(bands).map((i) => ({ key: keyOf(i.path), problem: i.message }));
}

/** The configured bands (already checked at start-up), or the defaults. */
export function resolveTimeBands(c: { interconnect?: { timeBands?: TimeBandEntry[] } }): CompiledTimeBands {
  return compileTimeBands(c.interconnect?.timeBands ?? DEFAULT_TIME_BANDS);
}
