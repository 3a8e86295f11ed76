/**
 * Open deadlines of a Fase 2 case, derived from the case state alone so they can be recomputed
 * after every message and stored with the case ("deadlines are data").
 *
 * The Fase 2 answer times are not public (italy.md §13.1): they only raise alerts, they never move
 * the state. Counts are on the Italian working-day calendar (`createCalendar({ country: 'IT' })`).
 */
import type { WorkingDayCalendar } from '../../domain/calendar.js';
import { addDays, dueAfter } from '../../domain/calendar.js';
import { isTerminal, type AgcomCaseState, type ChangeKind } from './case-state.js';
import type { AgcomRules } from './rules.js';
import type { AgcomParty, IsoDate } from './types.js';

export type DeadlineName = 'formalAnswer' | 'managerialAnswer' | 'changeAnswer' | 'sessionCodeExpiry';

export interface Deadline {
  name: DeadlineName;
  /** ISO instant: the last instant of the due day in the calendar's zone */
  dueAt: string;
  /** the party that has to act */
  party: AgcomParty;
  /** the order id, or the change kind for `changeAnswer` */
  ref?: string;
}

export interface DeadlineContext {
  calendar: WorkingDayCalendar;
  rules: AgcomRules;
}

/**
 * The last instant at which the Recipient may still cancel or reschedule: the end of the DAC day
 * minus the configured cut-off in working days (0: the DAC day is included). Null without a DAC.
 */
export function changeWindowEndsAt(dac: IsoDate | null, kind: ChangeKind, ctx: DeadlineContext): Date | null {
  if (dac === null) return null;
  const cutoff = kind === 'ANNULLAMENTO' ? ctx.rules.cancelCutoffWorkingDaysBeforeDac : ctx.rules.rescheduleCutoffWorkingDaysBeforeDac;
  return ctx.calendar.endOfDay(ctx.calendar.addWorkingDays(dac, -cutoff));
}

/** Until when the codice sessione of a validated case is valid; null if no validity is configured. */
export function sessionCodeValidUntil(state: AgcomCaseState, ctx: DeadlineContext): Date | null {
  if (ctx.rules.sessionCodeValidityDays <= 0 || state.managerialAt === null || state.sessionCode === null) return null;
  const day = ctx.calendar.today(new Date(state.managerialAt));
  return ctx.calendar.endOfDay(addDays(day, ctx.rules.sessionCodeValidityDays));
}

/** The deadlines open now; a closed case has none. */
export function computeDeadlines(state: AgcomCaseState, ctx: DeadlineContext): Deadline[] {
  const { calendar, rules } = ctx;
  const out: Deadline[] = [];
  if (isTerminal(state.state)) return out;

  if (state.state === 'AWAITING_FORMAL') {
    out.push({
      name: 'formalAnswer',
      dueAt: dueAfter(state.requestedAt, rules.formalAnswerWorkingDays, calendar).toISOString(),
      party: 'donating',
      ref: state.orderId,
    });
  }
  if (state.state === 'AWAITING_FORMAL' || state.state === 'AWAITING_MANAGERIAL') {
    out.push({
      name: 'managerialAnswer',
      dueAt: dueAfter(state.requestedAt, rules.managerialAnswerWorkingDays, calendar).toISOString(),
      party: 'donating',
      ref: state.orderId,
    });
  }
  if (state.openChange) {
    out.push({
      name: 'changeAnswer',
      dueAt: dueAfter(state.openChange.at, rules.changeAnswerWorkingDays, calendar).toISOString(),
      party: 'donating',
      ref: state.openChange.kind,
    });
  }
  if (state.state === 'VALIDATED') {
    const until = sessionCodeValidUntil(state, ctx);
    if (until) out.push({ name: 'sessionCodeExpiry', dueAt: until.toISOString(), party: 'recipient', ref: state.orderId });
  }
  return out;
}

