/**
 * The `deadlines.wbci` section of the config file: validated and merged over the defaults of
 * wbci.md §10 (src/protocols/wbci/rules.ts) into the rules the WBCI machine is given.
 */
import { WBCI_RULE_KEYS, defaultWbciRules, type WbciRules } from '../protocols/wbci/rules.js';
import type { WbciRulesInput } from './wbci-rules-input.js';

/** Where the rules live in the config file; used in error messages. */
const CONFIG_PATH = 'deadlines.wbci';

/** Problems of a partial rules object, one message per offending key (empty if valid). */
export function validateWbciRulesInput(input: WbciRulesInput | undefined): string[] {
  const errors: string[] = [];
  if (input === undefined) return errors;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return [`${CONFIG_PATH}: must be an object`];
  }
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (!(key in defaultWbciRules)) {
      errors.push(`${CONFIG_PATH}.${key}: unknown key (known: ${WBCI_RULE_KEYS.join(', ')})`);
      continue;
    }
    const expected = typeof defaultWbciRules[key as keyof WbciRules];
    if (expected === 'boolean') {
      if (typeof value !== 'boolean') errors.push(`${CONFIG_PATH}.${key}: must be true or false, got ${JSON.stringify(value)}`);
    } else if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      errors.push(`${CONFIG_PATH}.${key}: must be a whole number ≥ 0, got ${JSON.stringify(value)}`);
    } else if (value > 3660) {
      errors.push(`${CONFIG_PATH}.${key}: ${value} is implausibly large (max 3660)`);
    }
  }
  return errors;
}

/** Defaults merged with a (validated) partial; throws one error naming every bad key. */
export function resolveWbciRules(partial?: WbciRulesInput | Partial<WbciRules>): WbciRules {
  const input = partial as WbciRulesInput | undefined;
  const errors = validateWbciRulesInput(input);
  if (errors.length > 0) throw new Error(`invalid WBCI rules: ${errors.join('; ')}`);
  const rules: WbciRules = { ...defaultWbciRules };
  for (const [key, value] of Object.entries(input ?? {})) {
    if (value !== undefined) (rules as unknown as Record<string, number | boolean>)[key] = value;
  }
  return rules;
}
