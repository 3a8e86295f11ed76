/**
 * The numeric codes of §10.3 that are not in the public material (N4 `STATO_ORDINE` 0–5, N7
 * `STATO_ORDINE` 0/1, N10 `EVENTO` 0–3) as mappings an operator can override
 * (`agcom.ftth.codes`) once its network operator confirms them. The defaults are the likely
 * reading of italy.md §10.3 (tag I).
 *
 * Also the reason codes switchgate puts in its own N12 NACKs (CODICE_MOTIVAZIONE ≤3): the public
 * model gives none, so they are ours and documented in the README.
 */
import type { FtthProblem } from './codec.js';

export const N4_STATES = ['acquisito', 'acquisitoKo', 'accettato', 'accettatoKo', 'sospeso', 'annullato'] as const;
export type N4State = (typeof N4_STATES)[number];
export const N7_OUTCOMES = ['ok', 'ko'] as const;
export type N7Outcome = (typeof N7_OUTCOMES)[number];
export const N10_EVENTS = ['firstDac', 'outcomeOk', 'outcomeKo', 'cancellation'] as const;
export type N10Event = (typeof N10_EVENTS)[number];

export interface FtthCodes {
  /** N4 STATO_ORDINE code → order state */
  n4StatoOrdine: Readonly<Record<string, N4State>>;
  /** N7 STATO_ORDINE code → completion outcome */
  n7StatoOrdine: Readonly<Record<string, N7Outcome>>;
  /** N10 EVENTO code → event announced to the Donating */
  n10Evento: Readonly<Record<string, N10Event>>;
}

export const DEFAULT_FTTH_CODES: FtthCodes = {
  n4StatoOrdine: { '0': 'acquisito', '1': 'acquisitoKo', '2': 'accettato', '3': 'accettatoKo', '4': 'sospeso', '5': 'annullato' },
  n7StatoOrdine: { '0': 'ok', '1': 'ko' },
  n10Evento: { '0': 'firstDac', '1': 'outcomeOk', '2': 'outcomeKo', '3': 'cancellation' },
};

/** The codes each table admits on the wire (the enumerations of the XSD). */
const WIRE_CODES = { n4StatoOrdine: ['0', '1', '2', '3', '4', '5'], n7StatoOrdine: ['0', '1'], n10Evento: ['0', '1', '2', '3'] } as const;
const MEANINGS = { n4StatoOrdine: N4_STATES, n7StatoOrdine: N7_OUTCOMES, n10Evento: N10_EVENTS } as const;

export interface CodeProblem {
  path: string;
  message: string;
}

/**
 * Problems of an override: every wire code mapped exactly once and every meaning reached exactly
 * once (a mapping that is not one-to-one would make two states indistinguishable).
 */
export function checkFtthCodes(codes: Partial<Record<keyof FtthCodes, Record<string, string>>>, base = '/agcom/ftth/codes'): CodeProblem[] {
  const out: CodeProblem[] = [];
  for (const table of Object.keys(WIRE_CODES) as (keyof FtthCodes)[]) {
    const m = codes[table];
    if (m === undefined) continue;
    const wire: readonly string[] = WIRE_CODES[table];
    const meanings: readonly string[] = MEANINGS[table];
    for (const code of Object.keys(m)) {
      if (!wire.includes(code)) out.push({ path: `${base}/${table}/${code}`, message: `not a code of the wire (${wire.join(', ')})` });
      else if (!meanings.includes(m[code]!)) out.push({ path: `${base}/${table}/${code}`, message: `must be one of ${meanings.join(', ')}` });
    }
    for (const code of wire) if (!(code in m)) out.push({ path: `${base}/${table}`, message: `code ${code} is not mapped` });
    const seen = new Map<string, string>();
    for (const [code, meaning] of Object.entries(m)) {
      const other = seen.get(meaning);
      if (other !== undefined) out.push({ path: `${base}/${table}/${code}`, message: `${meaning} is already code ${other}` });
      seen.set(meaning, code);
    }
  }
  return out;
}

/** Codes with an operator's (already checked) overrides applied table by table. */
export function resolveFtthCodes(overrides: Partial<FtthCodes> | undefined): FtthCodes {
  return { ...DEFAULT_FTTH_CODES, ...(overrides ?? {}) };
}

/** The wire code of a meaning under a mapping (the inverse direction, for sending). */
export function codeOf<T extends string>(table: Readonly<Record<string, T>>, meaning: T): string {
  for (const [code, m] of Object.entries(table)) if (m === meaning) return code;
  throw new Error(`no code for ${meaning}`);
}

/** CODICE_MOTIVAZIONE of switchgate's N12 NACKs and N9 KOs. */
export const REASONS = {
  /** not XML, hostile XML, not a SOAP 1.1 envelope */
  malformed: '001',
  /** a mandatory field is missing */
  required: '002',
  /** a field too long, not of its enumeration, or not in its lexical format */
  invalid: '003',
  /** an element the message does not have, or out of order */
  unexpected: '004',
  /** no order / case for the message's correlation key */
  unknownOrder: '010',
  /** the message is not allowed in the order's state (§10.4) */
  wrongState: '011',
  /** N9: no codice sessione like this was issued */
  sessionUnknown: '101',
  /** N9: the codice sessione's Fase 2 was cancelled or refused */
  sessionNotValid: '102',
  /** N9: the codice sessione is past its validity (deadlines.agcom.sessionCodeValidityDays) */
  sessionExpired: '103',
  /** N9: the COR is not the one agreed in Fase 2 */
  corMismatch: '104',
  /** N9: a number is not among those agreed in Fase 2 */
  numbersMismatch: '105',
} as const;

/** CODICE_MOTIVAZIONE of a malformed message's NACK, by the contract rule it broke (README "Bad input"). */
export const NACK_CODE_OF_RULE: Readonly<Record<FtthProblem['rule'], string>> = {
  xml: REASONS.malformed,
  envelope: REASONS.malformed,
  operation: REASONS.unexpected,
  required: REASONS.required,
  absent: REASONS.unexpected,
  unexpected: REASONS.unexpected,
  length: REASONS.invalid,
  enum: REASONS.invalid,
  format: REASONS.invalid,
  count: REASONS.invalid,
};
