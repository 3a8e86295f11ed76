import { describe, expect, it } from 'vitest';
import { decideProject, DEFAULT_PROJECT_RULES, newProject, projectDeadlines, tickProject, type Project, type ProjectEventKind, type ProjectRules } from '../../../src/protocols/interconnect/project.js';

const T0 = '2026-01-05T09:00:00.000Z';
const DAY = 86_400_000;
const at = (days: number) => new Date(Date.parse(T0) + days * DAY);

/** Applies events [day, event, side] in order; each must be accepted. */
function run(steps: [number, ProjectEventKind, 'operator' | 'tim'][], rules: ProjectRules = DEFAULT_PROJECT_RULES): Project {
  let p = newProject({ id: 'P', role: 'operator', counterpart: 'ITA.TIM', kind: 'migration', traffic: 'M-M', plan: null, requestedAt: T0 });
  for (const [d, ev, side] of steps) {
    const moved = tickProject(p, at(d), rules);
    if (moved) p = moved;
    const r = decideProject(p, ev, { direction: side === 'operator' ? 'out' : 'in', now: at(d), rules });
    if (!r.ok) throw new Error(`${ev} on day ${d}: ${r.issues[0]!.code}`);
    p = r.next;
  }
  return p;
}
const due = (p: Project, rules = DEFAULT_PROJECT_RULES) => Object.fromEntries(projectDeadlines(p, rules).map((d) => [d.name, d.dueAt.slice(0, 10)]));

describe('project clocks (spec §6)', () => {
  it('agreement within 60 days of the request; then the 9-month clock from the agreement', () => {
    expect(due(run([]))).toEqual({ agreement: '2026-03-06' });
    expect(due(run([[20, 'agreement-signed', 'tim']]))).toEqual({ overall: '2026-10-25' });
  });

  it('PVV 45 days of testing and PVV+PQR 3 months from the start of the tests', () => {
    const p = run([[0, 'agreement-signed', 'tim'], [10, 'test-window-set', 'tim']]);
    expect(p.state).toBe('PVV');
    expect(due(p)).toEqual({ pvv: '2026-03-01', tests: '2026-04-15', overall: '2026-10-05' });
  });

  it('a failure pauses the phase clock; by default the 3- and 9-month clocks stop too and resume extended', () => {
    const paused = run([[0, 'agreement-signed', 'tim'], [10, 'test-window-set', 'tim'], [20, 'failure', 'operator']]);
    expect(paused.state).toBe('PVV_CLOCK_PAUSED');
    expect(due(paused)).toEqual({});
    const resumed = run([[0, 'agreement-signed', 'tim'], [10, 'test-window-set', 'tim'], [20, 'failure', 'operator'], [27, 'resolved', 'tim']]);
    expect(due(resumed)).toEqual({ pvv: '2026-03-08', tests: '2026-04-22', overall: '2026-10-12' });
  });

  it('with pauseStopsTestsClock and pauseStopsOverallClock false only the phase clock is extended', () => {
    const rules = { ...DEFAULT_PROJECT_RULES, pauseStopsTestsClock: false, pauseStopsOverallClock: false };
    const paused = run([[0, 'agreement-signed', 'tim'], [10, 'test-window-set', 'tim'], [20, 'blocking', 'operator']], rules);
    expect(due(paused, rules)).toEqual({ tests: '2026-04-15', overall: '2026-10-05' });
    const resumed = run([[0, 'agreement-signed', 'tim'], [10, 'test-window-set', 'tim'], [20, 'blocking', 'operator'], [27, 'resolved', 'tim']], rules);
    expect(due(resumed, rules)).toEqual({ pvv: '2026-03-08', tests: '2026-04-15', overall: '2026-10-05' });
  });

  it('the final-report window: remarks within it reopen the phase; without remarks PVV moves to PQR and PQR to migration', () => {
    const base: [number, ProjectEventKind, 'operator' | 'tim'][] = [[0, 'agreement-signed', 'tim'], [1, 'test-window-set', 'tim'], [40, 'report-sent', 'tim']];
    expect(run([...base, [44.99, 'remarks', 'operator']]).state).toBe('PVV');
    // at the window's end the report counts as accepted: the project is in PQR already
    expect(() => run([...base, [45, 'remarks', 'operator']])).toThrow('SG_IC_PROJECT_STATE');
    const late = decideProject(run(base), 'remarks', { direction: 'out', now: at(46), rules: DEFAULT_PROJECT_RULES });
    expect(late.ok ? null : late.issues[0]!.code).toBe('SG_IC_WINDOW_CLOSED');
    const reported = run(base);
    expect(tickProject(reported, at(44.99), DEFAULT_PROJECT_RULES)).toBeUndefined();
    const pqr = tickProject(reported, at(45), DEFAULT_PROJECT_RULES)!;
    expect(pqr).toMatchObject({ state: 'PQR', phaseStartedAt: at(45).toISOString() });
    const done = run([...base, [80, 'report-sent', 'tim'], [86, 'migration-done', 'tim']]);
    expect(done.state).toBe('COMPLETED');
  });

  it('TIM suspends only for a blocking failure once the phase period lapsed; the restart resumes the phase', () => {
    const base: [number, ProjectEventKind, 'operator' | 'tim'][] = [[0, 'agreement-signed', 'tim'], [1, 'test-window-set', 'tim']];
    expect(() => run([...base, [30, 'failure', 'operator'], [50, 'suspension', 'tim']])).toThrow('SG_IC_NOT_BLOCKING');
    expect(() => run([...base, [30, 'blocking', 'operator'], [50, 'suspension', 'tim']])).toThrow('SG_IC_PHASE_NOT_LAPSED');
    const suspended = run([...base, [46, 'blocking', 'operator'], [50, 'suspension', 'tim']]);
    expect(suspended.state).toBe('SUSPENDED');
    expect(due(suspended)).toEqual({});
    const restarted = run([...base, [46, 'blocking', 'operator'], [50, 'suspension', 'tim'], [80, 'restart', 'operator']]);
    expect(restarted.state).toBe('PVV');
    expect(due(restarted).pvv).toBe(at(1 + 45 + 34).toISOString().slice(0, 10));
  });

  it('who records what: the operator cannot set the test window, TIM cannot make remarks', () => {
    expect(() => run([[0, 'agreement-signed', 'tim'], [1, 'test-window-set', 'operator']])).toThrow('SG_IC_WRONG_ROLE');
    expect(() => run([[0, 'agreement-signed', 'tim'], [1, 'test-window-set', 'tim'], [40, 'report-sent', 'tim'], [41, 'remarks', 'tim']])).toThrow('SG_IC_WRONG_ROLE');
    expect(() => run([[0, 'migration-done', 'tim']])).toThrow('SG_IC_PROJECT_STATE');
  });
});
