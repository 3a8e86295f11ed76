/**
 * The WBCI Meldungscode table and its placement rules (wbci.md §5).
 *
 * Unknown codes are passed through with a warning: whether 8101, 8102 or 8119–8139 exist is not
 * known (wbci.md §16.6), and a receiver must never reject on them. A *known* code in the wrong
 * message is an error.
 */
import type { Issue } from '../../domain/issues.js';
import {
  FIELD,
  checkCharset,
  checkList,
  checkPattern,
  checkText,
  isBlank,
  issue,
  present,
  withArticle,
} from './fields/checks.js';
import { LIMITS, type Severity, type ValidationMode } from './fields/formats.js';
import type { ChangeType, CorrectedAddressField, Meldung, MeldungType, VaType } from './types.js';

/** Where a code may appear: the five Meldungen and the synchronous TEQ. */
export type CodeContext = MeldungType | 'TEQ';

export interface MeldungscodeInfo {
  readonly code: string;
  /** short name (ZWA, RNG, …); empty where the table has none */
  readonly short: string;
  /** standard `Meldungstext` */
  readonly text: string;
  readonly allowedIn: readonly CodeContext[];
}

const row = (code: string, short: string, text: string, ...allowedIn: CodeContext[]): MeldungscodeInfo =>
  Object.freeze({ code, short, text, allowedIn: Object.freeze(allowedIn) });

export const MELDUNGSCODES: readonly MeldungscodeInfo[] = Object.freeze([
  row('8001', 'ZWA', 'Auftragsbestätigung (ZWA)', 'RUEM-VA'),
  row('8002', 'NAT', 'Auftragsbestätigung (NAT)', 'RUEM-VA'),
  row('8003', '', 'Terminverschiebung ok', 'ERLM'),
  row('8004', '', 'Storno ok', 'ERLM'),
  row('8010', '', 'Antwort des aufnehmenden Anbieters', 'AKM-TR'),
  row('8103', 'RNG', 'Rufnummer nicht geschaltet', 'ABBM'),
  row('8104', 'ADAPLZ', 'Adresse abweichend PLZ', 'RUEM-VA'),
  row('8105', 'ADAORT', 'Adresse abweichend Ort', 'RUEM-VA'),
  row('8106', 'ADASTR', 'Adresse abweichend Straße', 'RUEM-VA'),
  row('8107', 'ADAHSNR', 'Adresse abweichend Hausnummer', 'RUEM-VA'),
  row('8108', 'ADFPLZ', 'Adresse falsch Postleitzahl', 'ABBM'),
  row('8109', 'ADFORT', 'Adresse falsch Ort', 'ABBM'),
  row('8110', 'ADFSTR', 'Adresse falsch Straße', 'ABBM'),
  row('8111', 'ADFHSNR', 'Adresse falsch Hausnummer', 'ABBM'),
  row('8112', 'AIF', 'Anschlussinhaber falsch', 'ABBM'),
  row('8113', 'AIFVN', 'Anschlussinhaber falsch Vorname', 'ABBM'),
  row('8114', 'WAI', 'Weitere Anschlussinhaber', 'ABBM'),
  row('8115', 'BVID', 'Vorabstimmungs-, Terminverschiebungs-, Storno-ID wird bereits verwendet', 'ABBM'),
  row('8116', 'SONST', 'Sonstiges', 'ABBM'),
  row('8117', 'KNI', 'Kunde nicht identifizierbar', 'ABBM'),
  row('8118', 'VAE', 'Vorabstimmung mit anderen oder gleichen EKP bereits erfolgt', 'ABBM'),
  row('8140', 'VAID_ABG', 'Vorabstimmungs-ID nicht bekannt', 'ABBM', 'ABBM-TR'),
  row('8141', 'TV_ABG', 'Terminverschiebung abgelehnt', 'ABBM'),
  row('8142', 'STORNO_ABG', 'Storno abgelehnt', 'ABBM'),
  row('8143', 'WVNR_ABG', 'WITA-Vertragsnummer unbekannt', 'ABBM-TR'),
  row('8144', 'LID_ABG', 'Line-ID unbekannt', 'ABBM-TR'),
  row('8145', 'WVNR_OVAID', 'WITA-Vertragsnummer gehört nicht zur Vorabstimmungs-ID', 'ABBM-TR'),
  row('8146', 'LID_OVAID', 'Line-ID gehört nicht zur Vorabstimmungs-ID', 'ABBM-TR'),
  row('8147', 'UETN_NM', 'Übernahme der technischen Ressource nicht möglich', 'ABBM-TR'),
  row('8148', 'UETN_BB', 'Übernahme der technischen Ressource wurde bereits bestätigt', 'ABBM-TR'),
  row('8149', 'UPK', 'Projektkenner unbekannt', 'ABBM'),
  row('0993', '', 'Versionsnummer fehlerhaft', 'TEQ'),
  row('0995', '', 'Datenstruktur ungültig', 'TEQ'),
  row('OK', '', 'OK', 'TEQ'),
]);

const BY_CODE: ReadonlyMap<string, MeldungscodeInfo> = new Map(MELDUNGSCODES.map((c) => [c.code, c]));
const BY_SHORT: ReadonlyMap<string, MeldungscodeInfo> = new Map(
  MELDUNGSCODES.filter((c) => c.short !== '').map((c) => [c.short, c]),
);

export function codeInfo(code: string): MeldungscodeInfo | undefined {
  return BY_CODE.get(code);
}

export function standardText(code: string): string | undefined {
  return BY_CODE.get(code)?.text;
}

/** `codeForShort('ZWA')` → `8001`; for APIs that accept the short names. */
export function codeForShort(short: string): string | undefined {
  return BY_SHORT.get(short)?.code;
}

/** ADA code → the one address attribute its position corrects. */
export const ADA_FIELDS: Readonly<Record<string, CorrectedAddressField>> = Object.freeze({
  '8104': 'postalCode',
  '8105': 'city',
  '8106': 'street',
  '8107': 'houseNumber',
});
export const ADF_CODES: ReadonlySet<string> = new Set(['8108', '8109', '8110', '8111']);
export const RNG_CODE = '8103';
export const SONST_CODE = '8116';
/** codes that permit a `begruendung` (SONST also requires one) */
export const REASON_CODES: ReadonlySet<string> = new Set(['8116', '8141', '8142', '8115']);

const set = (...codes: string[]): ReadonlySet<string> => new Set(codes);
const RUEM_VA_CODES = set('8001', '8002', '8104', '8105', '8106', '8107');
const ABBM_VA_CODES = set('8103', '8108', '8109', '8110', '8111', '8112', '8113', '8114', '8115', '8116', '8117', '8118', '8140', '8149');
const ABBM_TV_CODES = set('8141', '8115', '8140');
const ABBM_STORNO_CODES = set('8142', '8115', '8140');
const ABBM_TR_CODES = set('8140', '8143', '8144', '8145', '8146', '8147', '8148');
const ERLM_TV_CODES = set('8003');
const ERLM_STORNO_CODES = set('8004');
const AKM_TR_CODES = set('8010');

const isVa = (bc: unknown): bc is VaType => bc === 'VA-KUE-MRN' || bc === 'VA-KUE-ORN' || bc === 'VA-RRNP';
const isStorno = (bc: unknown): bc is Exclude<ChangeType, 'TVS-VA'> => bc === 'STR-AUF' || bc === 'STR-AEN';

/**
 * The known codes a Meldung may carry given what it answers; undefined when the business case
 * does not fit the Meldung (reported by the structure validation, not here).
 */
export function allowedCodes(type: MeldungType, businessCase: VaType | ChangeType): ReadonlySet<string> | undefined {
  switch (type) {
    case 'RUEM-VA':
      return isVa(businessCase) ? RUEM_VA_CODES : undefined;
    case 'ABBM':
      if (isVa(businessCase)) return ABBM_VA_CODES;
      if (businessCase === 'TVS-VA') return ABBM_TV_CODES;
      return isStorno(businessCase) ? ABBM_STORNO_CODES : undefined;
    case 'ABBM-TR':
      return ABBM_TR_CODES;
    case 'AKM-TR':
      return AKM_TR_CODES;
    case 'ERLM':
      if (businessCase === 'TVS-VA') return ERLM_TV_CODES;
      return isStorno(businessCase) ? ERLM_STORNO_CODES : undefined;
  }
}

const ZWA_NAT = set('8001', '8002');

/** The codes of which a Meldung must carry exactly one, if any. */
function mandatoryCodes(type: MeldungType, businessCase: unknown): ReadonlySet<string> | undefined {
  if (type === 'RUEM-VA') return ZWA_NAT;
  if (type === 'AKM-TR') return AKM_TR_CODES;
  if (type === 'ERLM') return businessCase === 'TVS-VA' ? ERLM_TV_CODES : isStorno(businessCase) ? ERLM_STORNO_CODES : undefined;
  return undefined;
}

const list = (codes: ReadonlySet<string>): string => [...codes].join(', ');
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function checkCorrected(out: Issue[], corrected: unknown, path: string, code: string, expected: CorrectedAddressField, mode: ValidationMode): void {
  if (typeof corrected !== 'object' || corrected === null) {
    out.push(issue(path, 'type', 'SG_FIELD_FORMAT', `${path} must be an object { field, value }.`));
    return;
  }
  const c = corrected as { field?: unknown; value?: unknown };
  if (c.field !== expected) {
    out.push(
      // received: the partner's intent is clear enough to keep; the machine raises it for clarification
      issue(`${path}/field`, 'adaField', 'SG_CODE_RULE', `${path}/field must be ${expected} for ADA code ${code}; got ${JSON.stringify(c.field)}.`, mode === 'receive' ? 'warning' : 'error'),
    );
    if (mode === 'receive' && typeof c.field === 'string' && (Object.values(ADA_FIELDS) as string[]).includes(c.field)) {
      expected = c.field as CorrectedAddressField;
    } else {
      return;
    }
  }
  const vp = `${path}/value`;
  switch (expected) {
    case 'postalCode':
      checkPattern(out, c.value, vp, FIELD.postalCode, true);
      break;
    case 'houseNumber':
      checkPattern(out, c.value, vp, FIELD.houseNumber, true);
      break;
    case 'city':
      checkText(out, c.value, vp, { max: LIMITS.city, required: true });
      break;
    case 'street':
      checkText(out, c.value, vp, { max: LIMITS.street, required: true });
      break;
  }
}

/**
 * Every code rule of wbci.md §5 for the positions of one Meldung (and the `begruendung` rules of
 * an ABBM, which hinge on its codes).
 */
export function validatePositions(msg: Meldung, mode: ValidationMode): Issue[] {
  const out: Issue[] = [];
  const positions = checkList(out, msg.positions, '/positions', 1, LIMITS.positions, 'positions');
  // an empty list is reported once, as minItems, not again as a missing mandatory code
  if (!positions || positions.length === 0) return out;

  const type = msg.type;
  const bc = msg.businessCase;
  const allowed = allowedCodes(type, bc);
  const mandatory = mandatoryCodes(type, bc);
  let mandatoryCount = 0;
  let adfCount = 0;
  let hasReasonCode = false;
  let hasSonst = false;

  for (let i = 0; i < positions.length; i++) {
    const p = `/positions/${i}`;
    const pos = positions[i];
    if (typeof pos !== 'object' || pos === null) {
      out.push(issue(p, 'type', 'SG_FIELD_FORMAT', `${p} must be a position object { code, text? }.`));
      continue;
    }
    const { code, text, numbers, corrected } = pos as { code?: unknown; text?: unknown; numbers?: unknown; corrected?: unknown };
    checkText(out, text, `${p}/text`, { max: LIMITS.meldungstext, required: false });

    if (!present(code) || code === '') {
      out.push(issue(`${p}/code`, 'required', 'SG_FIELD_REQUIRED', `${p}/code (Meldungscode) is required.`));
      continue;
    }
    if (typeof code !== 'string') {
      out.push(issue(`${p}/code`, 'type', 'SG_FIELD_FORMAT', `${p}/code must be a string of at most ${LIMITS.meldungscode} characters.`));
      continue;
    }
    if (code.length > LIMITS.meldungscode) {
      out.push(issue(`${p}/code`, 'maxLength', 'SG_FIELD_LENGTH', `${p}/code must be at most ${LIMITS.meldungscode} characters; got ${code.length}.`));
      continue;
    }
    if (!checkCharset(out, code, `${p}/code`, false)) continue;

    const info = BY_CODE.get(code);
    const hasNumbers = Array.isArray(numbers) ? numbers.length > 0 : present(numbers);
    const hasCorrected = present(corrected);

    if (!info) {
      out.push(
        issue(`${p}/code`, 'unknownCode', 'SG_CODE_UNKNOWN', `Meldungscode ${JSON.stringify(code)} is not in the WBCI code table; it is passed through unchanged.`, 'warning'),
      );
      // nothing is known about an unknown code's payload: flag, never block
      if (hasNumbers) out.push(issue(`${p}/numbers`, 'numbersOnlyRng', 'SG_FIELD_FORBIDDEN', `${p}/numbers: only RNG (8103) is known to carry numbers.`, 'warning'));
      if (hasCorrected) out.push(issue(`${p}/corrected`, 'correctedOnlyAda', 'SG_FIELD_FORBIDDEN', `${p}/corrected: only ADA codes 8104-8107 carry a corrected address value.`, 'warning'));
      continue;
    }

    if (mandatory?.has(code)) mandatoryCount++;
    if (ADF_CODES.has(code)) adfCount++;
    if (code === SONST_CODE) hasSonst = true;
    if (REASON_CODES.has(code)) hasReasonCode = true;

    if (!info.allowedIn.includes(type)) {
      out.push(
        issue(
          `${p}/code`,
          'allowedIn',
          'SG_CODE_RULE',
          `Meldungscode ${code}${info.short ? ` (${info.short})` : ''} is not allowed in ${withArticle(type)}; it belongs in ${info.allowedIn.join(' or ')}.`,
        ),
      );
    } else if (allowed && !allowed.has(code)) {
      out.push(
        issue(
          `${p}/code`,
          'allowedForBusinessCase',
          'SG_CODE_RULE',
          `Meldungscode ${code}${info.short ? ` (${info.short})` : ''} is not allowed in ${withArticle(type)} answering ${String(bc)}; allowed there: ${list(allowed)}.`,
        ),
      );
    }

    // RNG numbers
    if (code === RNG_CODE) {
      const nums = checkList(out, numbers, `${p}/numbers`, 0, LIMITS.rngNumbers, 'numbers');
      if (nums) for (let j = 0; j < nums.length; j++) checkPattern(out, nums[j], `${p}/numbers/${j}`, FIELD.nationalNumber, true);
    } else if (hasNumbers) {
      out.push(issue(`${p}/numbers`, 'numbersOnlyRng', 'SG_FIELD_FORBIDDEN', `${p}/numbers is only allowed with RNG (8103), not with ${code}.`));
    }

    // ADA corrected address value
    const adaField = ADA_FIELDS[code];
    if (adaField !== undefined) {
      if (!hasCorrected) {
        out.push(
          issue(`${p}/corrected`, 'required', 'SG_FIELD_REQUIRED', `${p}/corrected is required with ADA code ${code}: { field: ${adaField}, value }.`),
        );
      } else {
        checkCorrected(out, corrected, `${p}/corrected`, code, adaField, mode);
      }
    } else if (hasCorrected) {
      out.push(issue(`${p}/corrected`, 'correctedOnlyAda', 'SG_FIELD_FORBIDDEN', `${p}/corrected is only allowed with ADA codes 8104-8107, not with ${code}.`));
    }
  }

  if (mandatory && mandatoryCount !== 1) {
    const what = list(mandatory).replace(/, (?=[^,]*$)/, ' or ');
    out.push(
      issue(
        '/positions',
        'exactlyOne',
        'SG_CODE_RULE',
        `${cap(withArticle(type))}${type === 'RUEM-VA' ? '' : ` answering ${String(bc)}`} must carry exactly one position with ${what}; found ${mandatoryCount}.`,
      ),
    );
  }

  if (type === 'ABBM') {
    // M-net's rule is for outgoing ABBMs; older partners still send ABBM 8108 (wbci.md §16.7)
    if (mode === 'send' && adfCount > 0 && adfCount === positions.length) {
      out.push(
        issue(
          '/positions',
          'adfOnly',
          'SG_CODE_RULE',
          'An ABBM with only ADF codes (8108-8111) must not be sent; send a RUEM-VA with the matching ADA codes (8104-8107) instead.',
        ),
      );
    }
    checkReason(out, msg.reason, hasSonst, hasReasonCode, mode === 'send' ? 'error' : 'warning');
  }
  return out;
}

/** SONST ⇔ begruendung; a begruendung is otherwise allowed only with 8141, 8142 or 8115 (wbci.md §5). */
function checkReason(out: Issue[], reason: unknown, hasSonst: boolean, hasReasonCode: boolean, severity: Severity): void {
  const given = typeof reason === 'string' ? !isBlank(reason) : present(reason);
  if (hasSonst && !given) {
    out.push(issue('/reason', 'sonstReason', 'SG_CODE_RULE', `An ABBM with SONST (8116) must carry /reason (begruendung, 1-${LIMITS.freeText} characters).`, severity));
  } else if (given && !hasReasonCode) {
    out.push(
      issue('/reason', 'reasonWithoutCode', 'SG_CODE_RULE', '/reason (begruendung) is only allowed with SONST (8116), or with 8141, 8142 or 8115.', severity),
    );
  }
}
