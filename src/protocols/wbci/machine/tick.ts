/** Time-driven transitions (§6.4). */
import type { WorkingDayCalendar } from '../../../domain/calendar.js';
import { addDays, daysBetween } from '../../../domain/calendar.js';
import type { WbciCaseState } from '../case-state.js';
import { successorDueAt } from '../deadlines.js';
import type { WbciRules } from '../rules.js';
import type { Decision, Direction, MachineContext } from './types.js';

// ---------------------------------------------------------------------------------------------
// tick

/** Time-driven transitions (§6.4); null when nothing is due. `direction` is not used. */
export function tick(state: WbciCaseState, ctx: Omit<MachineContext, 'direction'> & { direction?: Direction }): Decision | null {
  const at = ctx.now.toISOString();
  if (state.state === 'REPLACED' && state.replacedBy === undefined) {
    const due = successorDueAt(state, ctx);
    if (due && ctx.now.getTime() > due.getTime()) {
      return {
        ok: true,
        state: { ...state, state: 'REPLACED_EXPIRED' },
        warnings: [],
        effects: [{ kind: 'closed', state: 'REPLACED_EXPIRED' }],
      };
    }
    return null;
  }
  if ((state.state === 'AGREED' || state.state === 'TR_NOTIFIED') && state.openChange === null && state.switchDate) {
    const past = daysBetween(state.switchDate, ctx.calendar.today(ctx.now));
    if (past >= ctx.rules.completeDaysAfterSwitchDate) {
      return {
        ok: true,
        state: { ...state, state: 'COMPLETED', closedAt: at },
        warnings: [],
        effects: [{ kind: 'closed', state: 'COMPLETED' }],
      };
    }
  }
  return null;
}

/**
 * The earliest instant at which `tick` would change `state` by itself, or null if only a message
 * can move it now. Lets the service schedule ticks instead of polling every case.
 */
export function nextTimedTransitionAt(state: WbciCaseState, ctx: { calendar: WorkingDayCalendar; rules: WbciRules }): Date | null {
  if (state.state === 'REPLACED') {
    if (state.replacedBy !== undefined) return null;
    const due = successorDueAt(state, ctx);
    return due ? new Date(due.getTime() + 1) : null;
  }
  if ((state.state === 'AGREED' || state.state === 'TR_NOTIFIED') && state.openChange === null && state.switchDate) {
    const lastDayBefore = addDays(state.switchDate, ctx.rules.completeDaysAfterSwitchDate - 1);
    return new Date(ctx.calendar.endOfDay(lastDayBefore).getTime() + 1);
  }
  return null;
}
