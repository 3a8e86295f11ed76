/**
 * The Donating's verification of a codice sessione (N8 → N9, italy.md §10.3/§10.5): the code is
 * one it issued, its Fase 2 still stands, it has not expired, the COR is the agreed one and every
 * number asked for was agreed. The answer is the N9 ESITO with the reason of a KO.
 */
import { REASONS } from './codes.js';

/** What the Donating agreed in Fase 2 for one codice sessione. */
export interface AgreedSession {
  /** false once the Fase 2 was cancelled, refused or closed */
  standing: boolean;
  /** end of validity; null = no expiry configured */
  validUntil: Date | null;
  cors: readonly string[];
  numbers: readonly string[];
}

export interface SessionQuestion {
  cor: string;
  numbers: readonly string[];
}

export type SessionAnswer = { esito: 'OK' } | { esito: 'KO'; code: string; reason: string };

/** Digits only, without an Italian international prefix, so that `+39 06 1234567` matches `061234567`. */
export function normaliseNumber(n: string): string {
  const digits = n.replace(/[^0-9+]/g, '');
  if (digits.startsWith('+39')) return digits.slice(3);
  if (digits.startsWith('0039')) return digits.slice(4);
  return digits.replace(/\+/g, '');
}

export function checkSession(q: SessionQuestion, agreed: AgreedSession | undefined, now: Date): SessionAnswer {
  if (!agreed) return { esito: 'KO', code: REASONS.sessionUnknown, reason: 'codice sessione unknown to the Donating' };
  if (!agreed.standing) return { esito: 'KO', code: REASONS.sessionNotValid, reason: 'codice sessione no longer valid: the Fase 2 was cancelled or closed' };
  if (agreed.validUntil !== null && now.getTime() > agreed.validUntil.getTime()) {
    return { esito: 'KO', code: REASONS.sessionExpired, reason: `codice sessione expired on ${agreed.validUntil.toISOString()}` };
  }
  if (!agreed.cors.includes(q.cor)) return { esito: 'KO', code: REASONS.corMismatch, reason: 'COR is not the one agreed in Fase 2' };
  const ok = new Set(agreed.numbers.map(normaliseNumber));
  const extra = q.numbers.filter((n) => !ok.has(normaliseNumber(n)));
  if (extra.length > 0) return { esito: 'KO', code: REASONS.numbersMismatch, reason: `${extra.length} number(s) not among those agreed in Fase 2` };
  return { esito: 'OK' };
}
