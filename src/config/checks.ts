/** Configuration checks that need the domain: holiday regions and deadline keys. */
import { parseHolidayRegion } from '../domain/calendar.js';
import { defaultWbciRules } from '../protocols/wbci/rules.js';
import type { SemanticCheck } from './load.js';

export const configChecks: SemanticCheck[] = [
  (c) => {
    try {
      parseHolidayRegion(c.self.holidayRegion);
      return [];
    } catch (err) {
      return [{ key: 'self.holidayRegion', problem: (err as Error).message }];
    }
  },
  (c) =>
    Object.entries(c.deadlines.wbci).flatMap(([key, value]) => {
      if (!(key in defaultWbciRules)) {
        return [{ key: `deadlines.wbci.${key}`, problem: `unknown deadline key (known: ${Object.keys(defaultWbciRules).join(', ')})` }];
      }
      const expected = typeof defaultWbciRules[key as keyof typeof defaultWbciRules];
      return typeof value === expected ? [] : [{ key: `deadlines.wbci.${key}`, problem: `must be a ${expected}` }];
    }),
];
