/**
 * The scripted behaviours of the test peer (`switchgate simulate peer`), as operators write them.
 *
 * WBCI (the simulator is the Donating answering VAs):
 *
 * - `accept`               RUEM-VA on the requested date
 * - `reject:<code>`        ABBM with that WBCI code (default 8117)
 * - `accept-after:<s>`     RUEM-VA after s seconds
 * - `silent`               never answers (the CRM side sees its answer deadline pass)
 * - `twice`                RUEM-VA, delivered twice (the partner must take the second as a duplicate)
 * - `reject-akm-tr:<code>` RUEM-VA, then ABBM-TR with that code (default 8121) to every AKM-TR
 *
 * Changes (TVS-VA, STR-AUF, STR-AEN) get `accept` (ERLM), `reject:<code>` (ABBM) or `silent`.
 *
 * AGCOM (the simulator is the Donating; its gateway sends the formal validation, xml2, itself; the
 * script decides the managerial validation, xml3):
 *
 * - `accept`               managerial OK with a CodiceSessione
 * - `reject:<why>`         managerial KO; <why> is a KO category (FORMATO, CODICE_SEGRETO, RISORSA,
 *                          NUMERAZIONI, DUPLICATO, ALTRO) or a CodiceMotivoRifiuto such as E03
 *                          (its category follows the wire values); default ALTRO
 * - `accept-after:<s>`     OK after s seconds
 * - `silent`               no managerial answer (the Recipient's managerialAnswer deadline passes)
 * - `twice`                OK, delivered twice (in two xml3 files)
 */
import { KO_CATEGORIES, type KoCategory } from '../protocols/agcom/types.js';

export type VaBehaviour =
  | { kind: 'accept' }
  | { kind: 'reject'; code: string }
  | { kind: 'accept-after'; seconds: number }
  | { kind: 'silent' }
  | { kind: 'twice' }
  | { kind: 'reject-akm-tr'; code: string };

export type ChangeBehaviour = { kind: 'accept' } | { kind: 'reject'; code: string } | { kind: 'silent' };

export const VA_BEHAVIOUR_FORMS = ['accept', 'reject[:code]', 'accept-after:<seconds>', 'silent', 'twice', 'reject-akm-tr[:code]'] as const;
export const CHANGE_BEHAVIOUR_FORMS = ['accept', 'reject[:code]', 'silent'] as const;

export const AGCOM_VA_BEHAVIOUR_FORMS = ['accept', 'reject[:category|reasonCode]', 'accept-after:<seconds>', 'silent', 'twice'] as const;

/** Which procedure the simulator plays: the behaviours mean (and allow) slightly different things. */
export type SimulatedProcedure = 'wbci' | 'agcom';

const CODE = /^[0-9A-Z]{3,5}$/;
/** an AGCOM KO category, or a CodiceMotivoRifiuto (≤ 10 characters on the wire) */
const AGCOM_WHY = /^[0-9A-Z_]{1,20}$/;

const wbciCode = (text: string, kind: 'reject' | 'reject-akm-tr', code: string): VaBehaviour | string =>
  CODE.test(code) ? { kind, code } : `"${text}": ${code} is not a WBCI code`;

/** The behaviour a text names, or the reason it names none. */
export function parseVaBehaviour(text: string, procedure: SimulatedProcedure = 'wbci'): VaBehaviour | string {
  const [name, arg, extra] = text.trim().split(':');
  if (extra !== undefined) return `"${text}": too many ":"`;
  switch (name) {
    case 'accept':
    case 'silent':
    case 'twice':
      return arg === undefined ? { kind: name } : `"${text}": ${name} takes no argument`;
    case 'reject':
      if (procedure === 'agcom') {
        const why = arg ?? 'ALTRO';
        return AGCOM_WHY.test(why) && (isKoCategory(why) || why.length <= 10)
          ? { kind: name, code: why }
          : `"${text}": ${why} is neither a KO category (${KO_CATEGORIES.join(', ')}) nor a reason code of up to 10 characters`;
      }
      return wbciCode(text, name, arg ?? '8117');
    case 'reject-akm-tr':
      if (procedure === 'agcom') return `"${text}": reject-akm-tr is a WBCI behaviour (one of ${AGCOM_VA_BEHAVIOUR_FORMS.join(', ')})`;
      return wbciCode(text, name, arg ?? '8121');
    case 'accept-after': {
      const seconds = Number(arg);
      return arg !== undefined && Number.isFinite(seconds) && seconds >= 0 && seconds <= 86_400 ? { kind: name, seconds } : `"${text}": accept-after needs seconds (0–86400)`;
    }
    default:
      return `"${text}": unknown behaviour (one of ${(procedure === 'agcom' ? AGCOM_VA_BEHAVIOUR_FORMS : VA_BEHAVIOUR_FORMS).join(', ')})`;
  }
}

export function parseChangeBehaviour(text: string): ChangeBehaviour | string {
  const b = parseVaBehaviour(text);
  if (typeof b === 'string') return b;
  if (b.kind === 'accept' || b.kind === 'reject' || b.kind === 'silent') return b;
  return `"${text}": a change is answered with ${CHANGE_BEHAVIOUR_FORMS.join(', ')}`;
}

export const isKoCategory = (s: string): s is KoCategory => (KO_CATEGORIES as readonly string[]).includes(s);

/**
 * A phone number as the behaviour table keys it: national digits without leading zeros
 * (089 1234567 → 891234567, +49 89 1234567 → 891234567, +39 06 9234552 and 069234552 → 69234552).
 */
export function numberKey(text: string): string {
  const digits = text.replace(/\D/g, '');
  const national = text.trim().startsWith('+') && (digits.startsWith('49') || digits.startsWith('39')) ? digits.slice(2) : digits;
  return national.replace(/^0+/, '');
}

export interface BehaviourTable {
  default: VaBehaviour;
  /** by VA-ID */
  byCase: Map<string, VaBehaviour>;
  /** by number (numberKey) */
  byNumber: Map<string, VaBehaviour>;
  changes: ChangeBehaviour;
}

/** Per case first, then per number (the first of the VA's numbers that has one), then the default. */
export function behaviourFor(table: BehaviourTable, caseId: string, numbers: string[]): VaBehaviour {
  const byCase = table.byCase.get(caseId);
  if (byCase) return byCase;
  for (const n of numbers) {
    const b = table.byNumber.get(numberKey(n));
    if (b) return b;
  }
  return table.default;
}
