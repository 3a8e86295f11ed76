/**
 * Migration / new-supply projects with PVV and PQR (spec §6): the operator requests, either side
 * records the events it owns (protocols/interconnect/project.ts says who), the other side receives
 * them over the wire. The clocks are the case's deadlines; the deadline tick announces a lapsed
 * one once (`deadline.overdue`) and moves a project whose report window lapsed without remarks.
 */
import type { CaseRow } from '../../store/schema.js';
import type { NewDomainEvent } from '../../store/repos/events.js';
import { updateCase } from '../../store/repos/cases.js';
import type { HistoryEntry } from '../../store/case-history.js';
import { appendEvents } from '../../store/repos/events.js';
import { AppError, notFound } from '../errors.js';
import { announceOverdue, forEachDueCase, type Unit } from '../case-unit.js';
import { decideProject, newProject, PROJECT_STATE_CODES, tickProject, type Project, type ProjectEventKind } from '../../protocols/interconnect/project.js';
import type { InterconnectCore, StoredDeadline } from './core.js';
import { notKnown, refusal, refusedOutcome, replayed, type CreateOptions, type ReceiveOutcome } from './requests.js';
import type { ProjectEventBody, ProjectOpenBody, WireEnvelope } from './wire.js';

export type StoredProject = { object: 'project' } & Project;

export interface OpenProjectInput {
  counterpart: string;
  kind: Project['kind'];
  traffic: Project['traffic'];
  plan?: string;
}

export class ProjectSteps {
  constructor(private readonly core: InterconnectCore) {}

  async open(input: OpenProjectInput, opts: CreateOptions = {}): Promise<CaseRow> {
    if (this.core.settings.role !== 'operator') {
      throw refusal([{ path: '/', rule: 'actor', code: 'SG_IC_WRONG_ROLE', message: 'the operator requests a migration or new supply; this gateway plays tim', severity: 'error' }], PROJECT_STATE_CODES);
    }
    if (!this.core.settings.counterpart(input.counterpart)) {
      throw new AppError(422, 'SG_UNKNOWN_PEER', `${input.counterpart} is not a configured interconnection counterpart`, [
        { path: '/counterpart', rule: 'knownPeer', code: 'SG_UNKNOWN_PEER', message: `no peer ${input.counterpart} with protocol interconnect-json is configured`, severity: 'error' },
      ]);
    }
    const id = await this.core.newId('project');
    const p: StoredProject = { object: 'project', ...newProject({ id, role: 'operator', counterpart: input.counterpart, kind: input.kind, traffic: input.traffic, plan: input.plan ?? null, requestedAt: this.core.now().toISOString() }) };
    const body: ProjectOpenBody = { kind: p.kind, traffic: p.traffic, plan: p.plan, requestedAt: p.requestedAt };
    return this.core.tx(async (trx) => {
      const { row } = await this.core.persist({ db: trx, locked: true }, { prev: null, next: p, message: { direction: 'out', kind: 'open', body }, events: [{ type: 'interconnect.project.requested', caseId: id, data: { kind: p.kind } }] });
      await opts.beforeCommit?.(trx, id);
      return row;
    });
  }

  async record(id: string, event: ProjectEventKind, note?: string, opts: CreateOptions = {}): Promise<CaseRow> {
    return this.core.command(id, opts, async (u) => {
      const prev = await this.core.load<StoredProject>(u, id, 'project');
      if (!prev) throw notFound('project', id);
      const d = decideProject(prev.value, event, { direction: 'out', now: this.core.now(), rules: this.core.settings.projects }, note);
      if (!d.ok) throw refusal(d.issues, PROJECT_STATE_CODES);
      const next: StoredProject = { object: 'project', ...d.next };
      const at = next.log[next.log.length - 1]!.at;
      const body: ProjectEventBody = { event, at, ...(note ? { note } : {}) };
      const { row } = await this.core.persist(u, { prev, next, message: { direction: 'out', kind: 'event', body }, events: [this.#event(next, event)] });
      return row;
    });
  }

  #event(p: StoredProject, event: string): NewDomainEvent {
    return { type: 'interconnect.project.event', caseId: p.id, data: { event, state: p.state } };
  }

  async receive(env: WireEnvelope, peer: string, raw: string): Promise<ReceiveOutcome> {
    return this.core.run(async (u: Unit) => {
      const seen = await this.core.seen(u.db, env);
      if (seen) return replayed(seen);
      if (env.kind === 'open') {
        if (this.core.settings.role !== 'tim') return refusedOutcome([{ path: '/kind', rule: 'actor', code: 'SG_IC_WRONG_ROLE', message: 'projects are requested from TIM; this gateway plays operator', severity: 'error' }], PROJECT_STATE_CODES);
        if (await this.core.load(u, env.id, 'project')) return refusedOutcome([{ path: '/id', rule: 'unique', code: 'SG_IC_ID_IN_USE', message: `project ${env.id} is already known here`, severity: 'error' }]);
        const b = env.body as unknown as ProjectOpenBody;
        const p: StoredProject = { object: 'project', ...newProject({ id: env.id, role: 'tim', counterpart: peer, kind: b.kind, traffic: b.traffic, plan: b.plan ?? null, requestedAt: b.requestedAt }) };
        await this.core.persist(u, { prev: null, next: p, message: { direction: 'in', envelope: env, raw }, events: [{ type: 'interconnect.project.received', caseId: env.id, data: { kind: p.kind } }] });
        return { status: 'accepted', caseId: env.id, duplicate: false };
      }
      const prev = await this.core.load<StoredProject>(u, env.id, 'project');
      if (!prev || prev.value.counterpart !== peer) return notKnown(env);
      if (env.kind !== 'event') return refusedOutcome([{ path: '/kind', rule: 'wire', code: 'SG_IC_WIRE', message: `${env.kind} is not a step of a project`, severity: 'error' }]);
      const b = env.body as unknown as ProjectEventBody;
      // the sender's tick may have moved the project on already (a report window lapsed): catch up first
      const current = tickProject(prev.value, new Date(b.at), this.core.settings.projects) ?? prev.value;
      const d = decideProject(current, b.event, { direction: 'in', now: this.core.now(), rules: this.core.settings.projects, at: b.at }, b.note);
      if (!d.ok) return refusedOutcome(d.issues, PROJECT_STATE_CODES);
      const next: StoredProject = { object: 'project', ...d.next };
      await this.core.persist(u, { prev, next, message: { direction: 'in', envelope: env, raw }, events: [this.#event(next, b.event)] });
      return { status: 'accepted', caseId: env.id, duplicate: false };
    });
  }

  /** Announces lapsed clocks once and applies lapsed report windows, for every project due. */
  async tickDue(limit = 100): Promise<number> {
    const now = this.core.now();
    return forEachDueCase(this.core.d.db, 'interconnect', now, limit, async (trx, row) => {
      const stored = row.data as unknown as StoredProject;
      if (stored.object !== 'project') return;
      const events: NewDomainEvent[] = [];
      let p = stored;
      const history: HistoryEntry[] = [];
      const moved = tickProject(p, now, this.core.settings.projects);
      if (moved) {
        history.push({ from: p.state, to: moved.state, note: 'report window lapsed' });
        events.push({ type: 'interconnect.project.event', caseId: p.id, data: { event: 'report-window-lapsed', state: moved.state } });
        p = { object: 'project', ...moved };
      }
      const overdue = announceOverdue(p.id, this.core.deadlinesOf(p, row.deadlines as unknown as StoredDeadline[]), now);
      await updateCase(trx, this.core.snapshot(p, overdue.deadlines, now), history);
      await appendEvents(trx, [...events, ...overdue.events]);
    });
  }
}
