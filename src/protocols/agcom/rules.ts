/**
 * The AGCOM Fase 2 counts and switches as configuration (italy.md §12, §13).
 *
 * Almost nothing here is public: every value is a default to be confirmed per partner, and the
 * config file may override any of them (`deadlines.agcom`, then per partner). Counts are working
 * days (WD) on the Italian calendar unless the name says `Days` (calendar days).
 */
import type { CosTable } from './cos.js';
import type { MigrationCodeOptions } from './migration-code.js';

export interface AgcomRules {
  /** §13.1: the Donating's formal answer (xml2) is due this many WD after the request (§12: pure-NP checks take 1 WD) */
  formalAnswerWorkingDays: number;
  /** §13.1: the managerial answer (xml3) is due this many WD after the request (same analogy; alerts only) */
  managerialAnswerWorkingDays: number;
  /** the Donating's answer to a cancellation or a reschedule is due this many WD after it */
  changeAnswerWorkingDays: number;
  /** §12: earliest DAC of a request, in WD after today (pure NP: t0 + 1 + 8 WD) */
  minDacLeadWorkingDays: number;
  /** earliest rescheduled DAC, in WD after today (tag I) */
  rescheduleMinLeadWorkingDays: number;
  /** §10.2: the DAC must be a working day */
  dacMustBeWorkingDay: boolean;
  /** §12 (legge 40/2007): transfers without delays beyond 30 days; a DAC further ahead is warned about */
  maxDacHorizonDays: number;
  /** §13.11: a cancellation must arrive at least this many WD before the DAC; 0 = up to the DAC day included (§12) */
  cancelCutoffWorkingDaysBeforeDac: number;
  /** same for a reschedule; 0 = up to the DAC day included (§12, FTTH) */
  rescheduleCutoffWorkingDaysBeforeDac: number;
  /** a request must carry a DAC (the documented xml1 record has none) */
  requireDac: boolean;
  /** a validated case completes (Fase 2 over) once the DAC is this many calendar days past */
  completeDaysAfterDac: number;
  /** §10.5/§13.4: validity of the codice sessione in calendar days after the OK; 0 = no expiry (README: why 30) */
  sessionCodeValidityDays: number;
  /** §10.5: codice sessione ≤ 50 characters */
  sessionCodeMaxLength: number;
  /** §12: numbers per request */
  maxNumbersPerRequest: number;
  /** §13.12: migration codes (resource/service pairs) per line: one or two */
  maxResourcesPerRequest: number;
  /** §6.5/§13.5: COR length bounds */
  minCorLength: number;
  maxCorLength: number;
  /** §8: an unknown COS refuses the request (else it is only warned about) */
  unknownCosIsError: boolean;
  /** §6.5.5: a wrong check character refuses (else it is only warned about) */
  checkCharMismatchIsError: boolean;
  /** §13.5: codes without a COS are accepted */
  allowCodesWithoutCos: boolean;
}

export const defaultAgcomRules: Readonly<AgcomRules> = Object.freeze({
  formalAnswerWorkingDays: 1,
  managerialAnswerWorkingDays: 1,
  changeAnswerWorkingDays: 1,
  minDacLeadWorkingDays: 9,
  rescheduleMinLeadWorkingDays: 1,
  dacMustBeWorkingDay: true,
  maxDacHorizonDays: 30,
  cancelCutoffWorkingDaysBeforeDac: 0,
  rescheduleCutoffWorkingDaysBeforeDac: 0,
  requireDac: false,
  completeDaysAfterDac: 1,
  sessionCodeValidityDays: 30,
  sessionCodeMaxLength: 50,
  maxNumbersPerRequest: 10,
  maxResourcesPerRequest: 2,
  minCorLength: 6,
  maxCorLength: 12,
  unknownCosIsError: false,
  checkCharMismatchIsError: true,
  allowCodesWithoutCos: true,
});

export const AGCOM_RULE_KEYS = Object.keys(defaultAgcomRules) as (keyof AgcomRules)[];

/** What the config file may hold: any subset, values unchecked until validated. */
export type AgcomRulesInput = Partial<Record<keyof AgcomRules, unknown>>;

/** Counts that must be ≥ 1 for the procedure to make sense. */
const AT_LEAST_ONE: ReadonlySet<keyof AgcomRules> = new Set([
  'sessionCodeMaxLength',
  'maxNumbersPerRequest',
  'maxResourcesPerRequest',
  'minCorLength',
  'maxCorLength',
] as (keyof AgcomRules)[]);

/** Problems of a partial rules object, one message per offending key (empty if valid). */
export function validateAgcomRulesInput(input: unknown, configPath = 'deadlines.agcom'): string[] {
  const errors: string[] = [];
  if (input === undefined) return errors;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return [`${configPath}: must be an object`];
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (!(key in defaultAgcomRules)) {
      errors.push(`${configPath}.${key}: unknown key (known: ${AGCOM_RULE_KEYS.join(', ')})`);
      continue;
    }
    const k = key as keyof AgcomRules;
    if (typeof defaultAgcomRules[k] === 'boolean') {
      if (typeof value !== 'boolean') errors.push(`${configPath}.${key}: must be true or false, got ${JSON.stringify(value)}`);
      continue;
    }
    const min = AT_LEAST_ONE.has(k) ? 1 : 0;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      errors.push(`${configPath}.${key}: must be a whole number ≥ ${min}, got ${JSON.stringify(value)}`);
    } else if (value > 3660) {
      errors.push(`${configPath}.${key}: ${value} is implausibly large (max 3660)`);
    }
  }
  if (errors.length === 0) {
    const merged = { ...defaultAgcomRules, ...(input as Partial<AgcomRules>) };
    if (merged.maxCorLength < merged.minCorLength) {
      errors.push(`${configPath}.maxCorLength: ${merged.maxCorLength} is below minCorLength ${merged.minCorLength}`);
    }
    if (merged.maxResourcesPerRequest > 2) {
      errors.push(`${configPath}.maxResourcesPerRequest: the xml1 record has two resource slots, got ${merged.maxResourcesPerRequest}`);
    }
    if (merged.maxNumbersPerRequest > 10) {
      errors.push(`${configPath}.maxNumbersPerRequest: the xml1 record has ten number slots, got ${merged.maxNumbersPerRequest}`);
    }
  }
  return errors;
}

/**
 * Defaults merged with partial layers (e.g. the global `deadlines.agcom`, then a partner's own);
 * throws one error naming every bad key.
 */
export function resolveAgcomRules(...layers: (AgcomRulesInput | Partial<AgcomRules> | undefined)[]): AgcomRules {
  const rules: AgcomRules = { ...defaultAgcomRules };
  const errors: string[] = [];
  for (const layer of layers) {
    const e = validateAgcomRulesInput(layer);
    if (e.length > 0) {
      errors.push(...e);
      continue;
    }
    for (const [key, value] of Object.entries(layer ?? {})) {
      if (value !== undefined) (rules as unknown as Record<string, number | boolean>)[key] = value as number | boolean;
    }
  }
  if (errors.length === 0) {
    // layers may be consistent alone and not together
    errors.push(...validateAgcomRulesInput(rules));
  }
  if (errors.length > 0) throw new Error(`invalid AGCOM rules: ${errors.join('; ')}`);
  return rules;
}

/** The code validator's options under the same configuration, so the CRM tool and Fase 2 agree. */
export function migrationCodeOptions(rules: AgcomRules, cosTable?: CosTable): MigrationCodeOptions {
  const opts: MigrationCodeOptions = {
    unknownCos: rules.unknownCosIsError ? 'error' : 'warning',
    checkCharMismatch: rules.checkCharMismatchIsError ? 'error' : 'warning',
    minCorLength: rules.minCorLength,
    maxCorLength: rules.maxCorLength,
    allowWithoutCos: rules.allowCodesWithoutCos,
  };
  if (cosTable) opts.cosTable = cosTable;
  return opts;
}
