/**
 * Access requests R1–R5 and c′ (spec §2–§4), both sides. The operator creates (DRAFT or at once
 * SUBMITTED), submits and annuls; TIM receives, progresses, completes and rejects incomplete
 * cessations. Every step is decided by the one machine (protocols/interconnect/machine.ts), the
 * §2 data rules run before anything is sent and again on receipt, and a refused step changes
 * nothing. Creation and submission hold an advisory lock on the PdI (and on the accesses a step
 * references), so two requests cannot both claim one BG address on any number of replicas.
 */
import { sql, type Kysely } from 'kysely';
import { errorsOnly, type Issue } from '../../domain/issues.js';
import type { CaseRow, Database } from '../../store/schema.js';
import { AppError, invalidContent, notFound, refusedByStateMachine } from '../errors.js';
import type { CommandOptions, Tx, Unit } from '../case-unit.js';
import { canonicalIp, claimedBg, referencedAccesses, requestDataIssues, type FieldContext } from '../../protocols/interconnect/fields.js';
import { cessationFees, reconfigurationFee } from '../../protocols/interconnect/fees.js';
import { decide, effectOnAccess, explainRefusal, newRequest, STATE_CODES, type MachineContext, type RequestCommand } from '../../protocols/interconnect/machine.js';
import type { AccessRequest, RequestData, RequestType } from '../../protocols/interconnect/types.js';
import type { InterconnectCore, Loaded, Stored } from './core.js';
import type { AnnulBody, CompleteBody, RejectBody, SubmitBody, WireEnvelope } from './wire.js';

export type StoredRequest = { object: 'request' } & AccessRequest;

/** `POST /v1/interconnect/requests`: the type, the counterpart, draft, and the type's data flat. */
export type CreateRequestInput = { type: RequestType; counterpart: string; draft?: boolean } & Record<string, unknown>;

/** Runs in the transaction that creates or changes the object (the Idempotency-Key is marked there). */
export type CreateOptions = CommandOptions;

/** advisory-lock class of interconnection keys (PdIs, accesses); distinct from AGCOM's 0x4147 */
const LOCK_CLASS = 0x4943; // 'IC'

/** A refusal of the rules as the API answers it: 409 for "not now / not you", 422 for content. */
export function refusal(issues: Issue[], stateCodes: ReadonlySet<string> = STATE_CODES): AppError {
  const first = errorsOnly(issues)[0];
  return first && stateCodes.has(first.code) ? refusedByStateMachine(issues) : invalidContent(issues);
}

/** The outcome of a received wire message. */
export type ReceiveOutcome =
  | { status: 'accepted'; caseId: string; duplicate: boolean }
  | { status: 'refused'; httpStatus: number; code: string; issues: Issue[]; duplicate: boolean };

export function dataOf(input: CreateRequestInput): RequestData {
  const { counterpart: _c, draft: _d, ...rest } = input;
  void _c;
  void _d;
  const data = { ...rest } as Record<string, unknown>;
  if ((input.type === 'port-activation' || input.type === 'joint-activation') && data.cacModulesBeyondDimensioning === undefined) data.cacModulesBeyondDimensioning = 0;
  return data as unknown as RequestData;
}

export class RequestSteps {
  constructor(private readonly core: InterconnectCore) {}

  #ctx(direction: 'in' | 'out'): MachineContext {
    const s = this.core.settings;
    return { direction, today: this.core.today(), now: this.core.now(), tariffs: s.tariffs, annulment: s.annulment };
  }

  async #lock(trx: Tx, keys: readonly string[]): Promise<void> {
    for (const k of [...new Set(keys)].sort()) await sql`SELECT pg_advisory_xact_lock(${LOCK_CLASS}::int, hashtext(${k}))`.execute(trx);
  }

  #lockKeys(d: RequestData): string[] {
    const bg = claimedBg(d);
    return [...(bg ? [`pdi:${bg.pdi}`] : []), ...referencedAccesses(d).map((id) => `access:${id}`)];
  }

  /** What the §2 rules need from the store: the BG addresses held on the PdI and the referenced accesses. */
  async #fieldContext(db: Tx | Kysely<Database>, d: RequestData, self: string | null, locked: boolean): Promise<FieldContext> {
    const bgInUse = new Map<string, string>();
    const bg = claimedBg(d);
    if (bg) {
      const rows = await db
        .selectFrom('cases')
        .select(['id', 'data'])
        .where('procedure', '=', 'interconnect')
        .where('type', 'in', ['port-activation', 'joint-activation', 'reconfiguration'])
        .where('state', 'in', ['SUBMITTED', 'IN_PROGRESS', 'COMPLETED'])
        .where(sql<boolean>`data->'data'->>'pdi' = ${bg.pdi}`)
        .execute();
      for (const r of rows) {
        const req = r.data as unknown as StoredRequest;
        if (req.id === self || req.ceasedBy) continue;
        // a completed reconfiguration's addresses are its access's now
        if (req.type === 'reconfiguration' && req.state === 'COMPLETED') continue;
        for (const ip of (req.data as { bgIpAddresses: string[] }).bgIpAddresses) bgInUse.set(canonicalIp(ip), req.id);
      }
    }
    const accesses = new Map<string, AccessRequest>();
    for (const id of referencedAccesses(d)) {
      const a = await this.core.load<StoredRequest>({ db, locked }, id, 'request');
      if (a) accesses.set(id, a.value);
    }
    return { today: this.core.today(), bgInUse, accesses };
  }

  /** Fees known at submission: cessation pro rata (§4), the reconfiguration's set-up cost. */
  #withFees(r: StoredRequest, ctx: FieldContext): StoredRequest {
    const t = this.core.settings.tariffs;
    if (r.data.type === 'cessation') {
      const accesses = r.data.accessIds.map((id) => ctx.accesses.get(id)!).filter(Boolean);
      return { ...r, cessationFees: cessationFees(r.data.requestedDate, accesses, t, r.data.cacModulesOnly) };
    }
    if (r.data.type === 'reconfiguration') return { ...r, reconfigurationFee: reconfigurationFee(t) };
    return r;
  }

  #submitBody(r: StoredRequest): SubmitBody {
    return { data: r.data, orderDate: r.orderDate!, submittedAt: r.submittedAt!, cessationFees: r.cessationFees };
  }

  #requireOperator(): void {
    if (this.core.settings.role !== 'operator') {
      throw refusal([{ path: '/', rule: 'actor', code: 'SG_IC_WRONG_ROLE', message: 'requests are created by the operator; this gateway plays tim', severity: 'error' }]);
    }
  }

  async create(input: CreateRequestInput, opts: CreateOptions = {}): Promise<CaseRow> {
    this.#requireOperator();
    if (!this.core.settings.counterpart(input.counterpart)) {
      throw new AppError(422, 'SG_UNKNOWN_PEER', `${input.counterpart} is not a configured interconnection counterpart`, [
        { path: '/counterpart', rule: 'knownPeer', code: 'SG_UNKNOWN_PEER', message: `no peer ${input.counterpart} with protocol interconnect-json is configured`, severity: 'error' },
      ]);
    }
    const data = dataOf(input);
    const id = await this.core.newId('request');
    return this.core.tx(async (trx) => {
      await this.#lock(trx, this.#lockKeys(data));
      const fctx = await this.#fieldContext(trx, data, null, true);
      const issues = requestDataIssues(data, fctx);
      if (errorsOnly(issues).length) throw refusal(issues);
      const draft: StoredRequest = { object: 'request', ...newRequest({ id, role: 'operator', counterpart: input.counterpart, data }, { state: 'DRAFT' }) };
      const u: Unit = { db: trx, locked: true };
      if (input.draft) {
        const { row } = await this.core.persist(u, { prev: null, next: draft, events: [{ type: 'interconnect.request.created', caseId: id, data: { type: data.type, state: 'DRAFT' } }] });
        await opts.beforeCommit?.(trx, id);
        return row;
      }
      const d = decide(draft, { kind: 'submit' }, this.#ctx('out'));
      if (!d.ok) throw refusal(d.issues);
      const next = this.#withFees({ object: 'request', ...d.next }, fctx);
      const { row } = await this.core.persist(u, {
        prev: null,
        next,
        message: { direction: 'out', kind: 'submit', body: this.#submitBody(next) },
        events: [{ type: 'interconnect.request.submitted', caseId: id, data: { type: data.type } }],
      });
      await opts.beforeCommit?.(trx, id);
      return row;
    });
  }

  async submit(id: string, opts: CreateOptions = {}): Promise<CaseRow> {
    return this.core.tx(async (trx) => {
      const u: Unit = { db: trx, locked: true };
      const prev = await this.core.load<StoredRequest>(u, id, 'request');
      if (!prev) throw notFound('interconnection request', id);
      const early = explainRefusal(prev.value, 'submit', 'out');
      if (early && !early.ok) throw refusal(early.issues);
      await this.#lock(trx, this.#lockKeys(prev.value.data));
      // the PdI or the accesses may have changed since the draft was written
      const fctx = await this.#fieldContext(trx, prev.value.data, id, true);
      const issues = requestDataIssues(prev.value.data, fctx);
      if (errorsOnly(issues).length) throw refusal(issues);
      const d = decide(prev.value, { kind: 'submit' }, this.#ctx('out'));
      if (!d.ok) throw refusal(d.issues);
      const next = this.#withFees({ object: 'request', ...d.next }, fctx);
      const { row } = await this.core.persist(u, {
        prev,
        next,
        message: { direction: 'out', kind: 'submit', body: this.#submitBody(next) },
        events: [{ type: 'interconnect.request.submitted', caseId: id, data: { type: next.type } }],
      });
      await opts.beforeCommit?.(trx, id);
      return row;
    });
  }

  /** A step this gateway takes on an existing request (progress, complete, reject, annul). */
  async step(id: string, cmd: Exclude<RequestCommand, { kind: 'submit' }>, opts: CreateOptions = {}): Promise<CaseRow> {
    return this.core.command(id, opts, async (u) => {
      const prev = await this.core.load<StoredRequest>(u, id, 'request');
      if (!prev) throw notFound('interconnection request', id);
      const d = decide(prev.value, cmd, this.#ctx('out'));
      if (!d.ok) throw refusal(d.issues);
      const next: StoredRequest = { object: 'request', ...d.next };
      const also = await this.#accessEffects(u, next);
      const { row } = await this.core.persist(u, { prev, next, also, message: { direction: 'out', kind: cmd.kind, body: this.#wireBody(next, cmd) }, events: this.#events(next, cmd.kind) });
      return row;
    });
  }

  #wireBody(r: StoredRequest, cmd: Exclude<RequestCommand, { kind: 'submit' }>): unknown {
    switch (cmd.kind) {
      case 'progress':
        return {};
      case 'complete':
        return { completionDate: r.completion!.completionDate, tds: r.completion!.tds } satisfies CompleteBody;
      case 'reject':
        return { reason: cmd.reason } satisfies RejectBody;
      case 'annul':
        return { requestDate: r.annulment!.requestDate, solarDays: r.annulment!.solarDays, reimbursement: r.annulment!.reimbursement } satisfies AnnulBody;
    }
  }

  #events(r: StoredRequest, kind: string) {
    const data: Record<string, unknown> = { type: r.type, state: r.state };
    if (kind === 'annul') data.reimbursement = r.annulment!.reimbursement.total;
    if (kind === 'complete') data.completionDate = r.completion!.completionDate;
    return [{ type: `interconnect.request.${kind === 'annul' ? 'annulled' : kind === 'complete' ? 'completed' : kind === 'reject' ? 'rejected' : 'in-progress'}`, caseId: r.id, data }];
  }

  /** A completed request changes the access it references (ceased, modules added, new BG addresses). */
  async #accessEffects(u: Unit, done: StoredRequest): Promise<{ prev: Loaded; next: Stored }[]> {
    if (done.state !== 'COMPLETED') return [];
    const out: { prev: Loaded; next: Stored }[] = [];
    for (const id of referencedAccesses(done.data)) {
      const prev = await this.core.load<StoredRequest>(u, id, 'request');
      if (!prev) continue;
      const changed = effectOnAccess(done, prev.value);
      if (changed) out.push({ prev, next: { object: 'request', ...changed } });
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // Received from the counterpart

  async receive(env: WireEnvelope, peer: string, raw: string): Promise<ReceiveOutcome> {
    if (env.kind === 'submit') return this.#receiveSubmit(env, peer, raw);
    return this.core.run(async (u) => {
      const seen = await this.core.seen(u.db, env);
      if (seen) return replayed(seen);
      const prev = await this.core.load<StoredRequest>(u, env.id, 'request');
      if (!prev || prev.value.counterpart !== peer) return notKnown(env);
      const cmd = commandOf(env);
      if (!cmd) return { status: 'refused', httpStatus: 422, code: 'SG_IC_WIRE', issues: [wireIssue(`/kind`, `${env.kind} is not a step of a request`)], duplicate: false };
      const d = decide(prev.value, cmd, this.#ctx('in'));
      if (!d.ok) return refusedOutcome(d.issues);
      const next: StoredRequest = { object: 'request', ...d.next };
      const events = this.#events(next, cmd.kind);
      if (cmd.kind === 'annul') {
        const theirs = (env.body as unknown as AnnulBody).reimbursement?.total;
        if (theirs !== next.annulment!.reimbursement.total) {
          events.push({ type: 'interconnect.fee.mismatch', caseId: next.id, data: { type: next.type, state: next.state, received: theirs ?? null, computed: next.annulment!.reimbursement.total } as never });
        }
      }
      const also = await this.#accessEffects(u, next);
      await this.core.persist(u, { prev, next, also, message: { direction: 'in', envelope: env, raw }, events });
      return { status: 'accepted', caseId: env.id, duplicate: false };
    });
  }

  async #receiveSubmit(env: WireEnvelope, peer: string, raw: string): Promise<ReceiveOutcome> {
    const body = env.body as SubmitBody;
    if (this.core.settings.role !== 'tim') return refusedOutcome([{ path: '/kind', rule: 'actor', code: 'SG_IC_WRONG_ROLE', message: 'requests are submitted to TIM; this gateway plays operator', severity: 'error' }]);
    const data = body.data;
    return this.core.tx(async (trx) => {
      const u: Unit = { db: trx, locked: true };
      const seen = await this.core.seen(trx, env);
      if (seen) return replayed(seen);
      const existing = await this.core.load<StoredRequest>(u, env.id, 'request');
      if (existing) return refusedOutcome([{ path: '/id', rule: 'unique', code: 'SG_IC_ID_IN_USE', message: `request ${env.id} is already known here (${existing.value.state})`, severity: 'error' }]);
      await this.#lock(trx, this.#lockKeys(data));
      const fctx = await this.#fieldContext(trx, data, env.id, true);
      // a cessation date that passed while the message travelled is TIM's to judge (reject as
      // incomplete), not a reason to refuse the message
      const issues = requestDataIssues(data, fctx)
        .filter((i) => i.code !== 'SG_IC_DATE_PAST')
        .map((i) => ({ ...i, path: `/body/data${i.path}` }));
      if (errorsOnly(issues).length) return refusedOutcome(issues);
      const base = newRequest({ id: env.id, role: 'tim', counterpart: peer, data }, { state: 'SUBMITTED', orderDate: body.orderDate, submittedAt: body.submittedAt });
      const next = this.#withFees({ object: 'request', ...base }, fctx);
      const events: { type: string; caseId: string; data: unknown }[] = [{ type: 'interconnect.request.received', caseId: env.id, data: { type: data.type } }];
      if (next.cessationFees && body.cessationFees && next.cessationFees.total !== body.cessationFees.total) {
        events.push({ type: 'interconnect.fee.mismatch', caseId: env.id, data: { received: body.cessationFees.total, computed: next.cessationFees.total } });
      }
      await this.core.persist(u, { prev: null, next, message: { direction: 'in', envelope: env, raw }, events });
      return { status: 'accepted', caseId: env.id, duplicate: false };
    });
  }
}

const wireIssue = (path: string, message: string): Issue => ({ path, rule: 'wire', code: 'SG_IC_WIRE', message, severity: 'error' });

function commandOf(env: WireEnvelope): Exclude<RequestCommand, { kind: 'submit' }> | undefined {
  const b = env.body as Record<string, unknown>;
  switch (env.kind) {
    case 'progress':
      return { kind: 'progress' };
    case 'complete':
      return { kind: 'complete', completionDate: String(b.completionDate), tds: (b.tds ?? {}) as CompleteBody['tds'] };
    case 'reject':
      return { kind: 'reject', reason: String(b.reason) };
    case 'annul':
      return { kind: 'annul', requestDate: String(b.requestDate) };
    default:
      return undefined;
  }
}

export function refusedOutcome(issues: Issue[], stateCodes: ReadonlySet<string> = STATE_CODES): ReceiveOutcome {
  const first = errorsOnly(issues)[0];
  const code = first?.code ?? 'SG_IC_REFUSED';
  return { status: 'refused', httpStatus: stateCodes.has(code) ? 409 : 422, code, issues, duplicate: false };
}

export function notKnown(env: WireEnvelope): ReceiveOutcome {
  return { status: 'refused', httpStatus: 404, code: 'SG_IC_UNKNOWN_OBJECT', issues: [{ path: '/id', rule: 'known', code: 'SG_IC_UNKNOWN_OBJECT', message: `no ${env.object} ${env.id} of this sender is known here`, severity: 'error' }], duplicate: false };
}

export function replayed(seen: { status: string; caseId: string; body: unknown }): ReceiveOutcome {
  if (seen.status !== 'refused') return { status: 'accepted', caseId: seen.caseId, duplicate: true };
  const body = seen.body as { reply?: { httpStatus: number; code: string }; issues?: Issue[] };
  return { status: 'refused', httpStatus: body.reply?.httpStatus ?? 409, code: body.reply?.code ?? 'SG_IC_REFUSED', issues: body.issues ?? [], duplicate: true };
}
