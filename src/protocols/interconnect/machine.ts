/**
 * THE state machine of access requests (spec §9), for both sides. Each step names its actor —
 * submit and annul are the operator's, progress, complete and reject are TIM's — and is decided
 * the same way whether this gateway sends it (`direction: 'out'`, the actor must be this side) or
 * receives it (`'in'`, the actor must be the counterpart). A refused step changes nothing and says
 * why with a stable code.
 *
 *   DRAFT ─submit─► SUBMITTED ─progress─► IN_PROGRESS
 *   SUBMITTED | IN_PROGRESS ─complete─► COMPLETED (completion date, TDs)
 *   SUBMITTED | IN_PROGRESS ─annul─► ANNULLED (reimbursement, §3; never a cessation, never partial)
 *   SUBMITTED | IN_PROGRESS ─reject─► REJECTED_INCOMPLETE (cessations only, §4)
 */
import type { Issue } from '../../domain/issues.js';
import { toEpochDay } from '../../domain/calendar.js';
import { annulmentReimbursement, type AnnulmentRules, type Tariffs } from './fees.js';
import type { AccessRequest, ActivationData, IsoDate, RequestState, Role } from './types.js';

export type RequestCommand =
  | { kind: 'submit' }
  | { kind: 'progress' }
  | { kind: 'complete'; completionDate: IsoDate; tds: { port?: string; link?: string } }
  | { kind: 'reject'; reason: string }
  /** `cacModules`: how many modules the annulment covers, when the client says so (must be all) */
  | { kind: 'annul'; requestDate: IsoDate; cacModules?: number };

export type CommandKind = RequestCommand['kind'];

export const ACTOR_OF: Record<CommandKind, Role> = { submit: 'operator', annul: 'operator', progress: 'tim', complete: 'tim', reject: 'tim' };

export interface MachineContext {
  direction: 'in' | 'out';
  today: IsoDate;
  now: Date;
  tariffs: Tariffs;
  annulment: AnnulmentRules;
}

export type Decision = { ok: true; next: AccessRequest } | { ok: false; issues: Issue[] };

/** Codes that mean "not now / not by you" (409); every other refusal is about content (422). */
export const STATE_CODES: ReadonlySet<string> = new Set([
  'SG_IC_WRONG_ROLE',
  'SG_IC_WRONG_STATE',
  'SG_IC_CLOSED',
  'SG_IC_ALREADY_DELIVERED',
  'SG_IC_ANNUL_CESSATION',
  'SG_IC_NOT_SUBMITTED',
  'SG_IC_ALREADY_IN_PROGRESS',
  'SG_IC_REJECT_ONLY_CESSATION',
]);

const refuse = (path: string, rule: string, code: string, message: string): Decision => ({ ok: false, issues: [{ path, rule, code, message, severity: 'error' }] });

const OPEN: readonly RequestState[] = ['SUBMITTED', 'IN_PROGRESS'];

function stateRefusal(r: AccessRequest, kind: CommandKind): Decision | undefined {
  if (r.state === 'ANNULLED' || r.state === 'REJECTED_INCOMPLETE') return refuse('/state', 'open', 'SG_IC_CLOSED', `request ${r.id} is ${r.state}: nothing more can happen to it`);
  if (kind === 'submit') return r.state === 'DRAFT' ? undefined : refuse('/state', 'draft', 'SG_IC_WRONG_STATE', `request ${r.id} is ${r.state}: only a DRAFT can be submitted`);
  if (r.state === 'DRAFT') return refuse('/state', 'submitted', 'SG_IC_NOT_SUBMITTED', `request ${r.id} is a DRAFT: submit it first`);
  if (kind === 'annul') {
    if (r.type === 'cessation') return refuse('/type', 'notCessation', 'SG_IC_ANNUL_CESSATION', 'a cessation request cannot be annulled (spec §3)');
    if (r.state === 'COMPLETED') return refuse('/state', 'notDelivered', 'SG_IC_ALREADY_DELIVERED', `request ${r.id} was delivered on ${r.completion?.completionDate}: cease the access instead`);
  }
  if (r.state === 'COMPLETED') return refuse('/state', 'open', 'SG_IC_CLOSED', `request ${r.id} is COMPLETED`);
  if (kind === 'progress' && r.state === 'IN_PROGRESS') return refuse('/state', 'submitted', 'SG_IC_ALREADY_IN_PROGRESS', `request ${r.id} is already IN_PROGRESS`);
  if (kind === 'reject' && r.type !== 'cessation') {
    return refuse('/type', 'cessation', 'SG_IC_REJECT_ONLY_CESSATION', 'only a cessation is rejected as incomplete (spec §4); other requests are completed or annulled');
  }
  if (!OPEN.includes(r.state)) return refuse('/state', 'open', 'SG_IC_WRONG_STATE', `request ${r.id} is ${r.state}`);
  return undefined;
}

/** Why `kind` may not happen now on `r` by the side of `role`, before looking at the content. */
export function explainRefusal(r: AccessRequest, kind: CommandKind, direction: 'in' | 'out'): Decision | undefined {
  const actor = ACTOR_OF[kind];
  const expected = direction === 'out' ? r.role : r.role === 'operator' ? 'tim' : 'operator';
  if (actor !== expected) {
    return refuse('/', 'actor', 'SG_IC_WRONG_ROLE', direction === 'out' ? `only ${actor === 'tim' ? 'TIM' : 'the operator'} may ${kind} a request; this gateway plays ${r.role}` : `${kind} comes from ${actor === 'tim' ? 'TIM' : 'the operator'}, not from this gateway's counterpart`);
  }
  return stateRefusal(r, kind);
}

function completionIssues(r: AccessRequest, c: Extract<RequestCommand, { kind: 'complete' }>, today: IsoDate): Issue[] {
  const out: Issue[] = [];
  const e = (path: string, rule: string, code: string, message: string) => out.push({ path, rule, code, message, severity: 'error' });
  if (r.orderDate && toEpochDay(c.completionDate) < toEpochDay(r.orderDate)) e('/completionDate', 'notBefore', 'SG_IC_COMPLETION_DATE', `the completion date ${c.completionDate} is before the order date ${r.orderDate}`);
  if (toEpochDay(c.completionDate) > toEpochDay(today)) e('/completionDate', 'notAfter', 'SG_IC_COMPLETION_DATE', `the completion date ${c.completionDate} is in the future (today is ${today}): it is the day the positive test report was delivered`);
  if (r.data.type === 'cessation' && toEpochDay(c.completionDate) < toEpochDay(r.data.requestedDate)) {
    e('/completionDate', 'notBefore', 'SG_IC_BEFORE_REQUESTED_DATE', `TIM may cease only from the requested cessation date ${r.data.requestedDate}`);
  }
  const needPort = r.type === 'port-activation' || r.type === 'joint-activation';
  const needLink = r.type === 'joint-activation';
  if (needPort && !c.tds.port) e('/tds/port', 'required', 'SG_IC_TD_REQUIRED', 'the TD assigned to the VoIP Ethernet port is required');
  if (needLink && !c.tds.link) e('/tds/link', 'required', 'SG_IC_TD_REQUIRED', 'a joint activation assigns a second TD, for the link');
  if (!needPort && c.tds.port) e('/tds/port', 'notAllowed', 'SG_IC_TD_NOT_ALLOWED', `a ${r.type} request assigns no port TD`);
  if (!needLink && c.tds.link) e('/tds/link', 'notAllowed', 'SG_IC_TD_NOT_ALLOWED', `a ${r.type} request assigns no link TD`);
  if (needLink && c.tds.port && c.tds.port === c.tds.link) e('/tds/link', 'distinct', 'SG_IC_TD_DISTINCT', 'port and link have two distinct commercial TDs');
  return out;
}

function orderedModules(r: AccessRequest): number | undefined {
  if (r.data.type === 'port-activation' || r.data.type === 'joint-activation') return (r.data as ActivationData).cacModules;
  if (r.data.type === 'cac-expansion') return r.data.cacModules;
  return undefined;
}

/** Decides one step on an existing request. */
export function decide(r: AccessRequest, cmd: RequestCommand, ctx: MachineContext): Decision {
  const early = explainRefusal(r, cmd.kind, ctx.direction);
  if (early) return early;
  const at = ctx.now.toISOString();
  switch (cmd.kind) {
    case 'submit':
      return { ok: true, next: { ...r, state: 'SUBMITTED', orderDate: ctx.today, submittedAt: at } };
    case 'progress':
      return { ok: true, next: { ...r, state: 'IN_PROGRESS' } };
    case 'complete': {
      const issues = completionIssues(r, cmd, ctx.today);
      if (issues.length) return { ok: false, issues };
      const tds: { port?: string; link?: string } = {};
      if (cmd.tds.port) tds.port = cmd.tds.port;
      if (cmd.tds.link) tds.link = cmd.tds.link;
      return { ok: true, next: { ...r, state: 'COMPLETED', completion: { completionDate: cmd.completionDate, tds } } };
    }
    case 'reject':
      return { ok: true, next: { ...r, state: 'REJECTED_INCOMPLETE', rejection: { reason: cmd.reason, at } } };
    case 'annul': {
      const total = orderedModules(r);
      if (cmd.cacModules !== undefined && cmd.cacModules !== total) {
        return refuse('/cacModules', 'wholeOrder', 'SG_IC_PARTIAL_ANNULMENT', `no partial annulment: the order has ${total ?? 0} CAC modules and is annulled as a whole (spec §3)`);
      }
      const orderDate = r.orderDate!;
      if (toEpochDay(cmd.requestDate) < toEpochDay(orderDate)) return refuse('/requestDate', 'notBefore', 'SG_IC_ANNUL_DATE', `the annulment date ${cmd.requestDate} is before the order date ${orderDate}`);
      if (toEpochDay(cmd.requestDate) > toEpochDay(ctx.today)) return refuse('/requestDate', 'notAfter', 'SG_IC_ANNUL_DATE', `the annulment date ${cmd.requestDate} is in the future (today is ${ctx.today})`);
      const { solarDays, reimbursement } = annulmentReimbursement(r.data, orderDate, cmd.requestDate, ctx.tariffs, ctx.annulment);
      return { ok: true, next: { ...r, state: 'ANNULLED', annulment: { requestDate: cmd.requestDate, solarDays, reimbursement } } };
    }
  }
}

/** A new request as the operator creates it (DRAFT) or TIM receives it (SUBMITTED). */
export function newRequest(
  init: Pick<AccessRequest, 'id' | 'role' | 'counterpart' | 'data'>,
  opts: { state: 'DRAFT' | 'SUBMITTED'; orderDate?: IsoDate; submittedAt?: string },
): AccessRequest {
  return {
    ...init,
    type: init.data.type,
    state: opts.state,
    orderDate: opts.orderDate ?? null,
    submittedAt: opts.submittedAt ?? null,
    completion: null,
    annulment: null,
    rejection: null,
    cessationFees: null,
    reconfigurationFee: null,
  };
}

/**
 * What a completed request does to the access it references: a cessation ceases it (or some of
 * its additional CAC modules), a cac-expansion adds modules, a reconfiguration replaces its BG
 * addresses. Undefined when the access is not affected.
 */
export function effectOnAccess(done: AccessRequest, access: AccessRequest): AccessRequest | undefined {
  const d = done.data;
  const date = done.completion!.completionDate;
  if (d.type === 'cessation' && d.accessIds.includes(access.id)) {
    if (d.cacModulesOnly !== undefined) return { ...access, ceasedCacModules: (access.ceasedCacModules ?? 0) + d.cacModulesOnly };
    return { ...access, ceasedBy: { requestId: done.id, date: d.requestedDate, completedOn: date } };
  }
  if (d.type === 'cac-expansion' && d.accessId === access.id) return { ...access, addedCacModules: (access.addedCacModules ?? 0) + d.cacModules };
  if (d.type === 'reconfiguration' && d.accessId === access.id) return { ...access, data: { ...(access.data as ActivationData & { type: 'port-activation' }), bgIpAddresses: d.bgIpAddresses } };
  return undefined;
}
