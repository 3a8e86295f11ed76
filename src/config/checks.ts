/** Configuration checks that need the domain: holiday regions and deadline keys. */
import { parseHolidayRegion } from '../domain/calendar.js';
import { validateWbciRulesInput } from './wbci-rules.js';
import type { SemanticCheck } from './load.js';
import { agcomConfigProblems } from './agcom-config.js';
import { timeBandsConfigProblems } from './interconnect-time-bands.js';
import { interconnectConfigProblems } from './interconnect-config.js';
import { wsSecurityProblems } from './ws-security-material.js';

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
    validateWbciRulesInput(c.deadlines.wbci).map((text) => {
      const [key, ...rest] = text.split(': ');
      return { key: key!, problem: rest.join(': ') };
    }),
  (c) => agcomConfigProblems(c),
  (c) => timeBandsConfigProblems(c),
  (c) => interconnectConfigProblems(c),
  (c) => wsSecurityProblems(c),
];
