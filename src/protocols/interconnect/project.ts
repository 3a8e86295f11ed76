/**
 * Migration / new-supply projects with the PVV and PQR test phases (spec §6), the state model of
 * §6.4 and its clocks as deadlines.
 *
 *   REQUESTED ─agreement-signed─► AGREED ─test-window-set─► PVV ─report-sent─► PVV_REPORT
 *   PVV_REPORT ─remarks (within the window)─► PVV;   window lapses without remarks ─► PQR
 *   PQR ─report-sent─► PQR_REPORT ─remarks─► PQR;   window lapses ─► MIGRATING ─migration-done─► COMPLETED
 *   PVV | PQR ─failure | blocking─► <phase>_CLOCK_PAUSED ─resolved─► PVV | PQR
 *   <phase>_CLOCK_PAUSED (blocking, phase period lapsed) ─suspension (TIM)─► SUSPENDED ─restart─► PVV | PQR
 *
 * Clocks: the agreement within `agreementDays` of the request; each phase within its days of
 * active testing (a pause always stops it, spec §6.4.1); PVV + PQR within `testsMonths`; the whole
 * project within `overallMonths` of the agreement. Whether a pause or suspension also stops the
 * tests and overall clocks is configurable (spec §8.5). A stopped clock has no due date; a running
 * one is extended by the paused time it does not count.
 */
import type { Issue } from '../../domain/issues.js';
import type { Instant, Role } from './types.js';

export type ProjectState =
  | 'REQUESTED'
  | 'AGREED'
  | 'PVV'
  | 'PVV_REPORT'
  | 'PVV_CLOCK_PAUSED'
  | 'PQR'
  | 'PQR_REPORT'
  | 'PQR_CLOCK_PAUSED'
  | 'SUSPENDED'
  | 'MIGRATING'
  | 'COMPLETED';

export type ProjectEventKind =
  | 'agreement-signed'
  | 'test-window-set'
  | 'report-sent'
  | 'remarks'
  | 'failure'
  | 'blocking'
  | 'resolved'
  | 'suspension'
  | 'restart'
  | 'migration-done';

export const PROJECT_EVENTS: readonly ProjectEventKind[] = ['agreement-signed', 'test-window-set', 'report-sent', 'remarks', 'failure', 'blocking', 'resolved', 'suspension', 'restart', 'migration-done'];

type Phase = 'PVV' | 'PQR';

export interface Pause {
  phase: Phase;
  kind: 'failure' | 'blocking';
  from: Instant;
  to: Instant | null;
  /** TIM suspended the test phase and the migration during this pause */
  suspendedAt?: Instant;
}

export interface Project {
  id: string;
  role: Role;
  counterpart: string;
  kind: 'migration' | 'new-supply';
  /** mobile-to-mobile (ST 770) or fixed-to-mobile (ST 769 SIP-I) */
  traffic: 'M-M' | 'fixed-mobile';
  plan: string | null;
  state: ProjectState;
  requestedAt: Instant;
  agreementAt: Instant | null;
  testsStartedAt: Instant | null;
  phaseStartedAt: Instant | null;
  reportSentAt: Instant | null;
  pauses: Pause[];
  completedAt: Instant | null;
  log: { at: Instant; event: ProjectEventKind | 'report-window-lapsed'; by: Role | 'time'; note?: string }[];
}

export interface ProjectRules {
  agreementDays: number;
  pvvDays: number;
  pqrDays: number;
  testsMonths: number;
  overallMonths: number;
  reportWindowDays: number;
  /** a pause or suspension stops the PVV+PQR clock too */
  pauseStopsTestsClock: boolean;
  /** a pause or suspension stops the whole-project clock too */
  pauseStopsOverallClock: boolean;
}

export const DEFAULT_PROJECT_RULES: ProjectRules = {
  agreementDays: 60,
  pvvDays: 45,
  pqrDays: 45,
  testsMonths: 3,
  overallMonths: 9,
  reportWindowDays: 5,
  pauseStopsTestsClock: true,
  pauseStopsOverallClock: true,
};

const DAY = 86_400_000;

/** Which side may record each event (`both`: either, the other receives it). */
export const PROJECT_ACTOR: Record<ProjectEventKind, Role | 'both'> = {
  'agreement-signed': 'both',
  'test-window-set': 'tim',
  'report-sent': 'tim',
  remarks: 'operator',
  failure: 'both',
  blocking: 'both',
  resolved: 'both',
  suspension: 'tim',
  restart: 'both',
  'migration-done': 'tim',
};

export const PROJECT_STATE_CODES: ReadonlySet<string> = new Set(['SG_IC_WRONG_ROLE', 'SG_IC_PROJECT_STATE', 'SG_IC_WINDOW_CLOSED', 'SG_IC_PHASE_NOT_LAPSED', 'SG_IC_NOT_BLOCKING']);

export type ProjectDecision = { ok: true; next: Project } | { ok: false; issues: Issue[] };

const refuse = (path: string, rule: string, code: string, message: string): ProjectDecision => ({ ok: false, issues: [{ path, rule, code, message, severity: 'error' }] });

export function addMonths(at: Instant, months: number): Date {
  const d = new Date(at);
  const day = d.getUTCDate();
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
  const last = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate();
  t.setUTCDate(Math.min(day, last));
  return t;
}

export function newProject(init: Pick<Project, 'id' | 'role' | 'counterpart' | 'kind' | 'traffic' | 'plan' | 'requestedAt'>): Project {
  return { ...init, state: 'REQUESTED', agreementAt: null, testsStartedAt: null, phaseStartedAt: null, reportSentAt: null, pauses: [], completedAt: null, log: [] };
}

const phaseOf = (s: ProjectState): Phase | undefined => (s.startsWith('PVV') ? 'PVV' : s.startsWith('PQR') ? 'PQR' : undefined);
const openPause = (p: Project): Pause | undefined => p.pauses.find((x) => x.to === null);

/** Milliseconds of the pauses (optionally of one phase) that lie after `since`, closed ones only. */
function pausedMs(p: Project, since: number, phase?: Phase): number {
  return p.pauses
    .filter((x) => x.to !== null && (phase === undefined || x.phase === phase))
    .reduce((s, x) => s + Math.max(0, Date.parse(x.to!) - Math.max(since, Date.parse(x.from))), 0);
}

/** Active testing time of the current phase up to `now` (pauses excluded). */
function phaseActiveMs(p: Project, now: Date): number {
  if (!p.phaseStartedAt) return 0;
  const phase = phaseOf(p.state);
  const start = Date.parse(p.phaseStartedAt);
  const open = openPause(p);
  const end = open ? Date.parse(open.from) : now.getTime();
  return end - start - pausedMs(p, start, phase);
}

export function phaseDays(phase: Phase, r: ProjectRules): number {
  return phase === 'PVV' ? r.pvvDays : r.pqrDays;
}

export interface ProjectDeadline {
  name: 'agreement' | 'pvv' | 'pqr' | 'tests' | 'overall';
  dueAt: string;
  party: Role | 'both';
}

/** The running clocks of a project and when each lapses. */
export function projectDeadlines(p: Project, r: ProjectRules): ProjectDeadline[] {
  const out: ProjectDeadline[] = [];
  if (p.state === 'REQUESTED') out.push({ name: 'agreement', dueAt: new Date(Date.parse(p.requestedAt) + r.agreementDays * DAY).toISOString(), party: 'both' });
  if (p.state === 'COMPLETED') return out;
  const paused = openPause(p) !== undefined;
  const phase = phaseOf(p.state);
  if (phase && p.phaseStartedAt && (p.state === 'PVV' || p.state === 'PQR')) {
    const start = Date.parse(p.phaseStartedAt);
    out.push({ name: phase === 'PVV' ? 'pvv' : 'pqr', dueAt: new Date(start + phaseDays(phase, r) * DAY + pausedMs(p, start, phase)).toISOString(), party: 'both' });
  }
  const testing = p.testsStartedAt && phase !== undefined;
  if (testing && !(paused && r.pauseStopsTestsClock)) {
    const start = Date.parse(p.testsStartedAt!);
    const extra = r.pauseStopsTestsClock ? pausedMs(p, start) : 0;
    out.push({ name: 'tests', dueAt: new Date(addMonths(p.testsStartedAt!, r.testsMonths).getTime() + extra).toISOString(), party: 'both' });
  }
  if (p.agreementAt && !(paused && r.pauseStopsOverallClock)) {
    const start = Date.parse(p.agreementAt);
    const extra = r.pauseStopsOverallClock ? pausedMs(p, start) : 0;
    out.push({ name: 'overall', dueAt: new Date(addMonths(p.agreementAt, r.overallMonths).getTime() + extra).toISOString(), party: 'both' });
  }
  return out;
}

/** When the final-report observation window ends, if one is open. */
export function reportWindowEnd(p: Project, r: ProjectRules): Date | undefined {
  if ((p.state !== 'PVV_REPORT' && p.state !== 'PQR_REPORT') || !p.reportSentAt) return undefined;
  return new Date(Date.parse(p.reportSentAt) + r.reportWindowDays * DAY);
}

export interface ProjectContext {
  direction: 'in' | 'out';
  now: Date;
  rules: ProjectRules;
  /** when the event happened (a received event keeps the sender's instant) */
  at?: Instant;
}

/** Decides one recorded event. */
export function decideProject(p: Project, event: ProjectEventKind, ctx: ProjectContext, note?: string): ProjectDecision {
  const actor = PROJECT_ACTOR[event];
  const by: Role = ctx.direction === 'out' ? p.role : p.role === 'tim' ? 'operator' : 'tim';
  if (actor !== 'both' && actor !== by) return refuse('/event', 'actor', 'SG_IC_WRONG_ROLE', `${event} is recorded by ${actor === 'tim' ? 'TIM' : 'the operator'}; this ${ctx.direction === 'out' ? 'gateway plays' : 'message comes from'} ${by}`);
  const at = ctx.at ?? ctx.now.toISOString();
  const wrong = (allowed: string) => refuse('/event', 'state', 'SG_IC_PROJECT_STATE', `${event} is possible ${allowed}; project ${p.id} is ${p.state}`);
  const log = [...p.log, { at, event, by, ...(note ? { note } : {}) }];
  const phase = phaseOf(p.state);
  switch (event) {
    case 'agreement-signed':
      if (p.state !== 'REQUESTED') return wrong('in REQUESTED');
      return { ok: true, next: { ...p, state: 'AGREED', agreementAt: at, log } };
    case 'test-window-set':
      if (p.state !== 'AGREED') return wrong('in AGREED');
      return { ok: true, next: { ...p, state: 'PVV', testsStartedAt: at, phaseStartedAt: at, log } };
    case 'report-sent':
      if (p.state !== 'PVV' && p.state !== 'PQR') return wrong('in PVV or PQR');
      return { ok: true, next: { ...p, state: p.state === 'PVV' ? 'PVV_REPORT' : 'PQR_REPORT', reportSentAt: at, log } };
    case 'remarks': {
      if (p.state !== 'PVV_REPORT' && p.state !== 'PQR_REPORT') return wrong('on a final report (PVV_REPORT, PQR_REPORT)');
      const end = reportWindowEnd(p, ctx.rules)!;
      // the window is half-open: at its end instant the report counts as accepted (tickProject)
      if (Date.parse(at) >= end.getTime()) return refuse('/event', 'withinWindow', 'SG_IC_WINDOW_CLOSED', `the observation window on the final report closed at ${end.toISOString()}`);
      return { ok: true, next: { ...p, state: phase!, reportSentAt: null, log } };
    }
    case 'failure':
    case 'blocking':
      if (p.state !== 'PVV' && p.state !== 'PQR') return wrong('during PVV or PQR tests');
      return { ok: true, next: { ...p, state: `${p.state}_CLOCK_PAUSED`, pauses: [...p.pauses, { phase: p.state, kind: event, from: at, to: null }], log } };
    case 'resolved': {
      if (p.state !== 'PVV_CLOCK_PAUSED' && p.state !== 'PQR_CLOCK_PAUSED') return wrong('while a test clock is paused');
      return { ok: true, next: { ...p, state: phase!, pauses: p.pauses.map((x) => (x.to === null ? { ...x, to: at } : x)), log } };
    }
    case 'suspension': {
      if (p.state !== 'PVV_CLOCK_PAUSED' && p.state !== 'PQR_CLOCK_PAUSED') return wrong('on a paused test phase');
      const open = openPause(p)!;
      if (open.kind !== 'blocking') return refuse('/event', 'blocking', 'SG_IC_NOT_BLOCKING', 'TIM suspends only for a failure it deems blocking (record "blocking", not "failure")');
      const active = phaseActiveMs(p, ctx.now);
      const period = phaseDays(phase!, ctx.rules) * DAY;
      if (active < period) {
        return refuse('/event', 'phasePeriodLapsed', 'SG_IC_PHASE_NOT_LAPSED', `the ${phase} period (${phaseDays(phase!, ctx.rules)} days of testing) has not lapsed: ${Math.floor(active / DAY)} days so far`);
      }
      return { ok: true, next: { ...p, state: 'SUSPENDED', pauses: p.pauses.map((x) => (x.to === null ? { ...x, suspendedAt: at } : x)), log } };
    }
    case 'restart': {
      if (p.state !== 'SUSPENDED') return wrong('in SUSPENDED');
      const open = openPause(p)!;
      return { ok: true, next: { ...p, state: open.phase, pauses: p.pauses.map((x) => (x.to === null ? { ...x, to: at } : x)), log } };
    }
    case 'migration-done':
      if (p.state !== 'MIGRATING') return wrong('in MIGRATING');
      return { ok: true, next: { ...p, state: 'COMPLETED', completedAt: at, log } };
  }
}

/** The time-driven step: a final report's observation window lapsed without remarks. */
export function tickProject(p: Project, now: Date, r: ProjectRules): Project | undefined {
  const end = reportWindowEnd(p, r);
  if (!end || end.getTime() > now.getTime()) return undefined;
  const at = end.toISOString();
  const log = [...p.log, { at, event: 'report-window-lapsed' as const, by: 'time' as const }];
  if (p.state === 'PVV_REPORT') return { ...p, state: 'PQR', phaseStartedAt: at, reportSentAt: null, log };
  return { ...p, state: 'MIGRATING', reportSentAt: null, phaseStartedAt: null, log };
}
