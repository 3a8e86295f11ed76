/**
 * The scripted behaviours of the test peer (`switchgate simulate peer`), as operators write them:
 *
 * - `accept`               RUEM-VA on the requested date
 * - `reject:<code>`        ABBM with that WBCI code (default 8117)
 * - `accept-after:<s>`     RUEM-VA after s seconds
 * - `silent`               never answers (the CRM side sees its answer deadline pass)
 * - `twice`                RUEM-VA, delivered twice (the partner must take the second as a duplicate)
 * - `reject-akm-tr:<code>` RUEM-VA, then ABBM-TR with that code (default 8121) to every AKM-TR
 *
 * Changes (TVS-VA, STR-AUF, STR-AEN) get `accept` (ERLM), `reject:<code>` (ABBM) or `silent`.
 */
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

const CODE = /^[0-9A-Z]{3,5}$/;

/** The behaviour a text names, or the reason it names none. */
export function parseVaBehaviour(text: string): VaBehaviour | string {
  const [name, arg, extra] = text.trim().split(':');
  if (extra !== undefined) return `"${text}": too many ":"`;
  switch (name) {
    case 'accept':
    case 'silent':
    case 'twice':
      return arg === undefined ? { kind: name } : `"${text}": ${name} takes no argument`;
    case 'reject':
    case 'reject-akm-tr': {
      const code = arg ?? (name === 'reject' ? '8117' : '8121');
      return CODE.test(code) ? { kind: name, code } : `"${text}": ${code} is not a WBCI code`;
    }
    case 'accept-after': {
      const seconds = Number(arg);
      return arg !== undefined && Number.isFinite(seconds) && seconds >= 0 && seconds <= 86_400 ? { kind: name, seconds } : `"${text}": accept-after needs seconds (0–86400)`;
    }
    default:
      return `"${text}": unknown behaviour (one of ${VA_BEHAVIOUR_FORMS.join(', ')})`;
  }
}

export function parseChangeBehaviour(text: string): ChangeBehaviour | string {
  const b = parseVaBehaviour(text);
  if (typeof b === 'string') return b;
  if (b.kind === 'accept' || b.kind === 'reject' || b.kind === 'silent') return b;
  return `"${text}": a change is answered with ${CHANGE_BEHAVIOUR_FORMS.join(', ')}`;
}

/** A phone number as the behaviour table keys it: national digits without leading zeros (089 1234567 → 891234567). */
export function numberKey(text: string): string {
  const digits = text.replace(/\D/g, '');
  return digits.startsWith('49') && text.trim().startsWith('+') ? digits.slice(2) : digits.replace(/^0+/, '');
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
