/**
 * Content checks of the Recipient's Fase 2 messages: what the Donating's gateway verifies itself
 * in the formal validation (italy.md §9.1 reading: syntax, code, CC, known operator), and what the
 * Recipient's gateway checks before it sends. No ordering or date logic: that is machine.ts.
 *
 * Each issue names its KO category (§9.3) so a refusal can be answered with the right reason.
 */
import type { Issue } from '../../domain/issues.js';
import { toEpochDay } from '../../domain/calendar.js';
import { COS_PATTERN, DEFAULT_COS_TABLE, type CosTable } from './cos.js';
import { computeCheckChar, normalizeCode } from './migration-code.js';
import type { AgcomRules } from './rules.js';
import { normalizeItalianNumber, SECRET_PATTERN } from './secret-code.js';
import type { Cancellation, KoCategory, MigrationRequest, OperatorCode, Reschedule } from './types.js';

/** COW (or TIM codice segreto) → code of the operator whose pool it belongs to; undefined if none. */
export type CowOwner = (cow: string) => OperatorCode | undefined;

export interface FormalIssue extends Issue {
  category: KoCategory;
}

export const OPERATOR_CODE_PATTERN = /^[A-Z0-9]{3}$/;
/** `CodiceOrdineRecipient`: value set not public; FTTH uses ≤18 `<op>_<unique>`, allow a little more (tag I). */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,49}$/;
/** `DirectoryNumber`: digits, ≤20 (FTTH DN ≤20, italy.md §10.3) */
export const DIRECTORY_NUMBER_PATTERN = /^[0-9]{3,20}$/;
/** codice fiscale of a person (with omocodia letters) or an 11-digit partita IVA */
export const TAX_CODE_PATTERN = /^(?:[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]|[0-9]{11})$/;
export const ISO_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
export const FREE_TEXT_MAX = 255;
export const NAME_MAX = 100;
export const PIN_MAX = 50;

export interface FieldCheckOptions {
  rules: AgcomRules;
  cosTable?: CosTable;
  /** when given, the secret must belong to the Donating's pool */
  cowOwner?: CowOwner;
  /**
   * A secret `cowOwner` does not know: `error` on the Donating (it knows its own pool),
   * `ignore` on the Recipient (it may not know every partner's pool).
   */
  unknownSecret?: 'error' | 'ignore';
}

interface Collector {
  out: FormalIssue[];
  add(path: string, rule: string, code: string, category: KoCategory, message: string, severity?: 'error' | 'warning'): void;
}

function collector(): Collector {
  const out: FormalIssue[] = [];
  return {
    out,
    add(path, rule, code, category, message, severity = 'error') {
      out.push({ path, rule, code, message, severity, category });
    },
  };
}

export function isIsoDate(s: string): boolean {
  if (!ISO_DATE_PATTERN.test(s)) return false;
  try {
    toEpochDay(s);
    return true;
  } catch {
    return false;
  }
}

function checkHeader(m: { recipient: string; donating: string; sender: string; orderId: string; sentDate: string }, c: Collector): void {
  for (const field of ['recipient', 'donating', 'sender'] as const) {
    if (!OPERATOR_CODE_PATTERN.test(m[field])) {
      c.add(`/${field}`, 'pattern', 'SG_AGCOM_FORMAT', 'FORMATO', `operator code ${JSON.stringify(m[field])} must be 3 characters A–Z 0–9`);
    }
  }
  if (m.recipient === m.donating) {
    c.add('/donating', 'distinctParties', 'SG_AGCOM_FORMAT', 'FORMATO', `Recipient and Donating must differ (both ${m.recipient})`);
  }
  if (!ORDER_ID_PATTERN.test(m.orderId)) {
    c.add('/orderId', 'pattern', 'SG_AGCOM_FORMAT', 'FORMATO', `CodiceOrdineRecipient ${JSON.stringify(m.orderId)} must be 1–50 characters A–Z a–z 0–9 _ . - /`);
  }
  if (!isIsoDate(m.sentDate)) {
    c.add('/sentDate', 'date', 'SG_AGCOM_FORMAT', 'FORMATO', `DataInvioRichiesta ${JSON.stringify(m.sentDate)} is not a calendar date`);
  }
}

function checkText(value: string | undefined, path: string, max: number, c: Collector): void {
  if (value !== undefined && value.length > max) {
    c.add(path, 'maxLength', 'SG_AGCOM_FORMAT', 'FORMATO', `${value.length} characters; at most ${max}`);
  }
}

/** Formal checks of a request (both procedures). */
export function checkRequest(req: MigrationRequest, opts: FieldCheckOptions): FormalIssue[] {
  const { rules } = opts;
  const cosTable = opts.cosTable ?? DEFAULT_COS_TABLE;
  const c = collector();
  checkHeader(req, c);
  const attivazione = req.procedure === 'attivazione';
  const secretName = attivazione ? 'codice segreto' : 'COW';

  // The secret and whose pool it is in
  const secretOk = SECRET_PATTERN.test(req.secret);
  if (!secretOk) {
    c.add('/secret', 'pattern', 'SG_AGCOM_SECRET_FORMAT', 'FORMATO', `${secretName} ${JSON.stringify(req.secret)} must be 3 characters A–Z 0–9`);
  } else if (opts.cowOwner) {
    const owner = opts.cowOwner(req.secret);
    if (owner === undefined) {
      if ((opts.unknownSecret ?? 'error') === 'error') {
        c.add('/secret', 'secretInPool', 'SG_AGCOM_SECRET_UNKNOWN', 'CODICE_SEGRETO', `${secretName} ${req.secret} is not in the pool of ${req.donating} or of any known operator`);
      }
    } else if (owner !== req.donating) {
      c.add('/secret', 'secretOfDonating', 'SG_AGCOM_SECRET_OTHER_OPERATOR', 'CODICE_SEGRETO', `${secretName} ${req.secret} belongs to ${owner}, not to the Donating ${req.donating}`);
    }
  }

  // Resource/service pairs
  if (req.resources.length === 0) {
    c.add('/resources', 'minItems', 'SG_AGCOM_REQUIRED', 'FORMATO', 'at least one resource code (CodiceRisorsa1) is required');
  } else if (req.resources.length > rules.maxResourcesPerRequest) {
    c.add('/resources', 'maxItems', 'SG_AGCOM_TOO_MANY', 'FORMATO', `${req.resources.length} resource codes; at most ${rules.maxResourcesPerRequest}`);
  }
  const corPattern = attivazione ? /^[0-9]+$/ : /^[A-Z0-9]+$/;
  req.resources.forEach((r, i) => {
    const base = `/resources/${i}`;
    const corOk = corPattern.test(r.cor) && r.cor.length >= rules.minCorLength && r.cor.length <= rules.maxCorLength;
    if (!corOk) {
      const what = attivazione ? 'phone number: digits' : 'COR: A–Z 0–9';
      c.add(`${base}/cor`, 'pattern', 'SG_AGCOM_COR_FORMAT', 'FORMATO', `${JSON.stringify(r.cor)} is not a valid ${what}, ${rules.minCorLength}–${rules.maxCorLength} characters`);
    }
    if (r.cos !== undefined) {
      if (attivazione) {
        c.add(`${base}/cos`, 'noCosInAttivazione', 'SG_AGCOM_COS_UNEXPECTED', 'FORMATO', `the codice segreto has no COS; ${r.cos} is ignored`, 'warning');
      } else if (!COS_PATTERN.test(r.cos)) {
        c.add(`${base}/cos`, 'pattern', 'SG_AGCOM_COS_FORMAT', 'FORMATO', `COS ${JSON.stringify(r.cos)} must be 3 characters A–Z 0–9`);
      } else if (!cosTable.has(r.cos)) {
        c.add(`${base}/cos`, 'knownCos', 'SG_AGCOM_COS_UNKNOWN', 'FORMATO', `COS ${r.cos} is not a known service code`, rules.unknownCosIsError ? 'error' : 'warning');
      }
    } else if (!attivazione && !rules.allowCodesWithoutCos) {
      c.add(`${base}/cos`, 'required', 'SG_AGCOM_REQUIRED', 'FORMATO', 'codes without a COS are not accepted');
    }
    if (r.checkChar !== undefined && secretOk && corOk) {
      const expected = computeCheckChar(req.secret, r.cor);
      if (r.checkChar !== expected) {
        c.add(
          `${base}/checkChar`,
          'checkChar',
          'SG_AGCOM_CHECK_CHAR',
          'FORMATO',
          `check character ${JSON.stringify(r.checkChar)} does not match ${req.secret}+${r.cor}: expected ${expected}`,
          rules.checkCharMismatchIsError ? 'error' : 'warning',
        );
      }
    }
  });
  const cors = req.resources.map((r) => r.cor);
  if (cors.length === 2 && cors[0] === cors[1] && req.resources[0].cos === req.resources[1].cos) {
    c.add('/resources/1', 'distinctResources', 'SG_AGCOM_FORMAT', 'FORMATO', 'the second resource code repeats the first');
  }

  // Customer
  if (req.customer.lastNameOrCompany.trim() === '') {
    c.add('/customer/lastNameOrCompany', 'required', 'SG_AGCOM_REQUIRED', 'FORMATO', 'surname or company name (CognomeClienteRagioneSociale) is required');
  }
  checkText(req.customer.lastNameOrCompany, '/customer/lastNameOrCompany', NAME_MAX, c);
  checkText(req.customer.firstName, '/customer/firstName', NAME_MAX, c);
  if (req.customer.taxCode !== undefined && !TAX_CODE_PATTERN.test(req.customer.taxCode)) {
    c.add('/customer/taxCode', 'pattern', 'SG_AGCOM_FORMAT', 'FORMATO', `${JSON.stringify(req.customer.taxCode)} is neither a codice fiscale (16 characters) nor a partita IVA (11 digits)`);
  }

  // Numbers
  if (req.numbers.length > rules.maxNumbersPerRequest) {
    c.add('/numbers', 'maxItems', 'SG_AGCOM_TOO_MANY', 'FORMATO', `${req.numbers.length} numbers; at most ${rules.maxNumbersPerRequest}`);
  }
  const seen = new Set<string>();
  req.numbers.forEach((n, i) => {
    if (!DIRECTORY_NUMBER_PATTERN.test(n)) {
      c.add(`/numbers/${i}`, 'pattern', 'SG_AGCOM_NUMBER_FORMAT', 'FORMATO', `${JSON.stringify(n)} must be 3–20 digits`);
    } else if (seen.has(n)) {
      c.add(`/numbers/${i}`, 'uniqueItems', 'SG_AGCOM_FORMAT', 'FORMATO', `${n} is listed twice`);
    }
    seen.add(n);
  });

  if (req.dac !== undefined) {
    if (!isIsoDate(req.dac)) c.add('/dac', 'date', 'SG_AGCOM_FORMAT', 'FORMATO', `DAC ${JSON.stringify(req.dac)} is not a calendar date`);
  } else if (rules.requireDac) {
    c.add('/dac', 'required', 'SG_AGCOM_REQUIRED', 'FORMATO', 'a requested migration date (DAC) is required');
  }
  checkText(req.notes, '/notes', FREE_TEXT_MAX, c);
  checkText(req.pin, '/pin', PIN_MAX, c);
  checkText(req.correlationId, '/correlationId', NAME_MAX, c);
  if (req.totalRequests !== undefined && !/^[1-9][0-9]{0,2}$/.test(req.totalRequests)) {
    c.add('/totalRequests', 'pattern', 'SG_AGCOM_FORMAT', 'FORMATO', `TotRichieste ${JSON.stringify(req.totalRequests)} must be a number 1–999`);
  }
  return c.out;
}

/** Formal checks of a cancellation or reschedule (their date rules are the machine's). */
export function checkChange(m: Cancellation | Reschedule): FormalIssue[] {
  const c = collector();
  checkHeader(m, c);
  if (m.type === 'RIMODULAZIONE' && !isIsoDate(m.dac)) {
    c.add('/dac', 'date', 'SG_AGCOM_FORMAT', 'FORMATO', `DAC ${JSON.stringify(m.dac)} is not a calendar date`);
  }
  checkText(m.notes, '/notes', FREE_TEXT_MAX, c);
  return c.out;
}

// ---------------------------------------------------------------------------------------------
// Line keys

/**
 * The key of a line for "one open switch per line": the Donating's operator code and the resource
 * as the Donating names it (COR, or the phone number in attivazione), normalised. The service
 * keeps these unique among open cases; a second request for the same key is a DUPLICATO.
 */
export function lineKeyOf(donating: OperatorCode, cor: string): string {
  const digitsOnly = /^[\d\s.\-/()+]+$/.test(cor);
  const resource = digitsOnly ? normalizeItalianNumber(cor) : normalizeCode(cor);
  return `${donating.toUpperCase()}/${resource}`;
}

/** The distinct line keys of a request (one per resource code). */
export function lineKeys(req: Pick<MigrationRequest, 'donating' | 'resources'>): string[] {
  return [...new Set(req.resources.map((r) => lineKeyOf(req.donating, r.cor)))];
}
