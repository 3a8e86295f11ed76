/**
 * Fault reports (spec §5): the operator reports, TIM diagnoses and closes with an outcome.
 *
 *   OPEN ─diagnose─► DIAGNOSED ─close─► CLOSED      (close straight from OPEN carries its diagnosis)
 *
 * Outcome a: a malfunction in TIM's network, no charge. Outcomes b (no malfunction / not TIM's)
 * and c (the operator's configuration or network) are an *intervento a vuoto*, charged at the
 * configured amount (default EUR 390.51, net of VAT [I]).
 */
import type { Issue } from '../../domain/issues.js';
import { formatCents, type Cents } from './money.js';
import type { FaultOutcome, FaultReport, Role } from './types.js';

export type FaultCommand = { kind: 'diagnose'; diagnosis: string } | { kind: 'close'; outcome: FaultOutcome; diagnosis?: string };

export type FaultDecision = { ok: true; next: FaultReport } | { ok: false; issues: Issue[] };

export const FAULT_STATE_CODES: ReadonlySet<string> = new Set(['SG_IC_WRONG_ROLE', 'SG_IC_FAULT_CLOSED']);

const refuse = (path: string, rule: string, code: string, message: string): FaultDecision => ({ ok: false, issues: [{ path, rule, code, message, severity: 'error' }] });

export const isInterventoAVuoto = (o: FaultOutcome): boolean => o === 'b' || o === 'c';

export function openFault(init: { id: string; role: Role; counterpart: string; accessId: string | null; pdi: string; description: string; openedAt: string }): FaultReport {
  return {
    ...init,
    state: 'OPEN',
    diagnosis: null,
    outcome: null,
    interventoAVuoto: false,
    charge: null,
    closedAt: null,
    history: [{ at: init.openedAt, state: 'OPEN', note: 'reported' }],
  };
}

/**
 * Decides TIM's step on a fault. `direction` as for requests: TIM sends it, the operator receives
 * it. The charge is TIM's to state: on the operator's side `charge` is what TIM sent.
 */
export function decideFault(f: FaultReport, cmd: FaultCommand, ctx: { direction: 'in' | 'out'; now: Date; interventoAVuoto: Cents; charge?: string }): FaultDecision {
  const fromTim = ctx.direction === 'out' ? f.role === 'tim' : f.role === 'operator';
  if (!fromTim) return refuse('/', 'actor', 'SG_IC_WRONG_ROLE', `only TIM may ${cmd.kind === 'close' ? 'close' : 'diagnose'} a fault report; this gateway plays ${f.role}`);
  if (f.state === 'CLOSED') return refuse('/state', 'open', 'SG_IC_FAULT_CLOSED', `fault ${f.id} is already CLOSED (outcome ${f.outcome})`);
  const at = ctx.now.toISOString();
  if (cmd.kind === 'diagnose') {
    return { ok: true, next: { ...f, state: 'DIAGNOSED', diagnosis: cmd.diagnosis, history: [...f.history, { at, state: 'DIAGNOSED', note: 'diagnosis' }] } };
  }
  const diagnosis = cmd.diagnosis ?? f.diagnosis;
  if (!diagnosis) return refuse('/diagnosis', 'required', 'SG_IC_DIAGNOSIS_REQUIRED', 'a fault is closed with its diagnosis: give one here or diagnose it first');
  const vuoto = isInterventoAVuoto(cmd.outcome);
  const charge = vuoto ? (ctx.charge ?? formatCents(ctx.interventoAVuoto)) : '0.00';
  return {
    ok: true,
    next: {
      ...f,
      state: 'CLOSED',
      diagnosis,
      outcome: cmd.outcome,
      interventoAVuoto: vuoto,
      charge,
      closedAt: at,
      history: [...f.history, { at, state: 'CLOSED', note: `outcome ${cmd.outcome}${vuoto ? ' (intervento a vuoto)' : ''}` }],
    },
  };
}
