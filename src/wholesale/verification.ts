/**
 * The donating side's answer when the wholesale provider asks "did phase 2 succeed for this id
 * (VA-ID / codice sessione) and these numbers?" (architecture.md "Southbound", italy.md §10.3
 * N8/N9). Pure: the caller loads the case and turns it into a procedure-neutral subject.
 *
 * Reason codes of a KO, checked in this order:
 * - `UNKNOWN_ID`: no case with this id on which this gateway is the donating side (a case where
 *   it is the recipient is not revealed);
 * - `CANCELLED`: phase 2 ended by cancellation (WBCI: ERLM to STR-AUF/STR-AEN, also an expired
 *   STR-AEN successor wait);
 * - `NOT_AGREED`: phase 2 has not succeeded (no answer yet, rejected, or a KUE whose resource
 *   handover (AKM-TR) is missing or was rejected);
 * - `EXPIRED`: phase 2 succeeded but is over (WBCI: the case completed after its Wechseltermin);
 * - `NUMBERS_MISMATCH`: at least one number asked about is not among the agreed ones (numbers
 *   are a subset check: the provider may ask about some of them, never about others).
 */
import type { AgcomCaseState } from '../protocols/agcom/case-state.js';
import type { WbciCaseState } from '../protocols/wbci/case-state.js';
import { isKue } from '../protocols/wbci/types.js';

export const VERIFICATION_CODES = ['UNKNOWN_ID', 'CANCELLED', 'NOT_AGREED', 'EXPIRED', 'NUMBERS_MISMATCH'] as const;
export type VerificationCode = (typeof VERIFICATION_CODES)[number];

export interface VerificationRequest {
  id: string;
  numbers: string[];
}

export type VerificationAnswer = { result: 'OK' } | { result: 'KO'; code: VerificationCode; message: string };

export type Phase2Status = 'agreed' | 'pending' | 'rejected' | 'cancelled' | 'expired';

/** Agreed numbers as national significant numbers (no trunk prefix, no country code). */
export type AgreedNumbers =
  | { kind: 'single'; list: string[] }
  | { kind: 'block'; base: string; operatorPosition: string; ranges: { from: string; to: string }[] };

/** What the decision needs to know about the case the id names. */
export interface VerificationSubject {
  id: string;
  role: 'recipient' | 'donating';
  status: Phase2Status;
  /** human explanation of the status (goes into the KO message) */
  detail: string;
  numbers: AgreedNumbers | null;
}

const ko = (code: VerificationCode, message: string): VerificationAnswer => ({ result: 'KO', code, message });

/** A number as the agreed list holds it, or undefined when `raw` is not a number of the plan. */
export type NumberNormalizer = (raw: string) => string | undefined;

/**
 * `countryCode`: German-style plans (trunk prefix 0 dropped); or a normalizer for plans where the
 * leading 0 is part of the number (Italy: `italianNumber`). Agreed numbers must be in the same form.
 */
export function decideVerification(subject: VerificationSubject | undefined, req: VerificationRequest, countryCode: string | NumberNormalizer = '49'): VerificationAnswer {
  const normalize: NumberNormalizer = typeof countryCode === 'string' ? (raw) => nationalSignificantNumber(raw, countryCode) : countryCode;
  if (!subject || subject.role !== 'donating') return ko('UNKNOWN_ID', `no phase 2 with id ${req.id} is known on the donating side`);
  switch (subject.status) {
    case 'cancelled':
      return ko('CANCELLED', `${req.id} was cancelled: ${subject.detail}`);
    case 'pending':
    case 'rejected':
      return ko('NOT_AGREED', `${req.id} is not agreed: ${subject.detail}`);
    case 'expired':
      return ko('EXPIRED', `${req.id} is no longer valid: ${subject.detail}`);
    case 'agreed':
      break;
  }
  for (const raw of req.numbers) {
    const nsn = normalize(raw);
    if (nsn === undefined) return ko('NUMBERS_MISMATCH', `${JSON.stringify(raw)} is not a national number`);
    if (!matches(subject.numbers, nsn)) return ko('NUMBERS_MISMATCH', `${raw} is not among the numbers agreed for ${req.id}`);
  }
  return { result: 'OK' };
}

/**
 * `089 1234567`, `0891234567`, `+49 89 1234567`, `0049891234567` and `891234567` all become
 * `891234567`; undefined for anything that is not a number of `countryCode`.
 */
export function nationalSignificantNumber(raw: string, countryCode = '49'): string | undefined {
  const s = raw.replace(/[\s/()-]/g, '');
  let digits: string;
  if (s.startsWith('+')) {
    if (!s.startsWith(`+${countryCode}`)) return undefined;
    digits = s.slice(1 + countryCode.length);
  } else if (s.startsWith(`00${countryCode}`)) {
    digits = s.slice(2 + countryCode.length);
  } else if (s.startsWith('0')) {
    digits = s.slice(1);
  } else {
    digits = s;
  }
  return /^[1-9][0-9]{2,14}$/.test(digits) ? digits : undefined;
}

function matches(agreed: AgreedNumbers | null, nsn: string): boolean {
  if (!agreed) return false;
  if (agreed.kind === 'single') return agreed.list.includes(nsn);
  if (nsn === agreed.base || nsn === agreed.base + agreed.operatorPosition) return true;
  if (!nsn.startsWith(agreed.base)) return false;
  const ext = nsn.slice(agreed.base.length);
  return agreed.ranges.some((r) => ext.length === r.from.length && ext >= r.from && ext <= r.to);
}

// ---------------------------------------------------------------------------------------------
// WBCI adapter

/** The WBCI case as the verification sees it. */
export function wbciVerificationSubject(s: WbciCaseState): VerificationSubject {
  const base = { id: s.vaId, role: s.role, numbers: wbciAgreedNumbers(s) };
  switch (s.state) {
    case 'AWAITING_ANSWER':
      return { ...base, status: 'pending', detail: 'the VA has not been answered' };
    case 'REJECTED':
      return { ...base, status: 'rejected', detail: 'the VA was rejected (ABBM)' };
    case 'CANCELLED':
      return { ...base, status: 'cancelled', detail: 'STR-AUF agreed (ERLM)' };
    case 'REPLACED':
    case 'REPLACED_EXPIRED':
      return { ...base, status: 'cancelled', detail: 'STR-AEN agreed (ERLM)' };
    case 'COMPLETED':
      return { ...base, status: 'expired', detail: `the Wechseltermin ${s.switchDate ?? ''} has passed and the case is closed` };
    case 'AGREED':
      if (isKue(s.type)) {
        const why = s.akmTr.status === 'rejected' ? 'the AKM-TR was rejected (ABBM-TR)' : 'no AKM-TR was received';
        return { ...base, status: 'pending', detail: why };
      }
      return { ...base, status: 'agreed', detail: 'RUEM-VA sent' };
    case 'TR_NOTIFIED':
      return { ...base, status: 'agreed', detail: 'RUEM-VA sent, AKM-TR received' };
  }
}

function wbciAgreedNumbers(s: WbciCaseState): AgreedNumbers | null {
  const confirmed = s.agreement?.numbers;
  if (confirmed?.kind === 'single') return { kind: 'single', list: confirmed.list.map((n) => n.areaCode + n.number) };
  if (confirmed?.kind === 'block') {
    return { kind: 'block', base: confirmed.areaCode + confirmed.baseNumber, operatorPosition: confirmed.operatorPosition, ranges: confirmed.blocks.map(({ from, to }) => ({ from, to })) };
  }
  const va = s.va;
  if (va.type === 'VA-KUE-ORN') return null;
  const n = va.numbers;
  if (n.kind === 'single') return { kind: 'single', list: n.list.map((x) => x.areaCode + x.number) };
  return { kind: 'block', base: n.areaCode + n.baseNumber, operatorPosition: n.operatorPosition, ranges: n.blocks.map(({ from, to }) => ({ from, to })) };
}

// ---------------------------------------------------------------------------------------------
// AGCOM adapter (italy.md §10.3 N8/N9: the provider verifies with the codice sessione)

/**
 * An Italian number without the international prefix: `+39 06 1234567`, `0039061234567` and
 * `06-1234567` all become `061234567` (the leading 0 of a geographic number is part of it);
 * undefined for anything else.
 */
export function italianNumber(raw: string): string | undefined {
  let s = raw.replace(/[\s/().-]/g, '');
  if (s.startsWith('+39')) s = s.slice(3);
  else if (s.startsWith('0039')) s = s.slice(4);
  return /^[0-9]{3,13}$/.test(s) ? s : undefined;
}

/**
 * The AGCOM case as the verification sees it; its id is the codice sessione. `validUntil` is the
 * end of the codice sessione's validity (deadlines.agcom.sessionCodeValidityDays; null = none):
 * a validated case asked about after it is expired (italy.md §10.5).
 */
export function agcomVerificationSubject(s: AgcomCaseState, validUntil: Date | null = null, now?: Date): VerificationSubject {
  const list = s.request.numbers.map((n) => italianNumber(n) ?? n);
  const base = { id: s.sessionCode ?? s.orderId, role: s.role, numbers: { kind: 'single' as const, list } };
  switch (s.state) {
    case 'AWAITING_FORMAL':
    case 'AWAITING_MANAGERIAL':
      return { ...base, status: 'pending', detail: 'the request has no managerial OK yet' };
    case 'REJECTED':
      return { ...base, status: 'rejected', detail: `the request was rejected (${s.rejection?.stage ?? 'managerial'} KO)` };
    case 'CANCELLED':
      return { ...base, status: 'cancelled', detail: 'annullamento accepted' };
    case 'COMPLETED':
      return { ...base, status: 'expired', detail: `the DAC ${s.dac ?? ''} has passed and the case is closed` };
    case 'VALIDATED':
      if (validUntil !== null && now !== undefined && now.getTime() > validUntil.getTime()) {
        return { ...base, status: 'expired', detail: `the codice sessione expired on ${validUntil.toISOString()} (deadlines.agcom.sessionCodeValidityDays)` };
      }
      return { ...base, status: 'agreed', detail: 'managerial OK (xml3) sent' };
  }
}
