/** The data behind each console page (templates in ./views only lay it out). */
import { encodeListCursor, readListCursor } from '../list-cursor.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { Clock } from '../../domain/clock.js';
import type { CaseRow, Database } from '../../store/schema.js';
import type { GatewayConfig } from '../../config/types.js';
import { listCases, loadCase, caseHistory } from '../../store/repos/cases.js';
import { messagesOfCase } from '../../store/repos/messages.js';
import { withRawWire } from '../../store/wire-codec.js';
import { caseCountsByState, destinationHealth, openDeadLetters } from '../../store/repos/ops.js';
import { replayDeadLetter, setAsideDeadLetter, SET_ASIDE_NOTE_MAX } from '../../delivery/dead-letters.js';
import { WHOLESALE_DESTINATION } from '../../wholesale/types.js';
import { caseView, messageView } from '../views.js';
import { ACTIONS, type ActionFailure, type ActionName, type ConsoleActions, type Form } from './actions.js';
import type { ConsoleContext } from './plugin.js';

export interface PageDeps {
  config: GatewayConfig;
  db: Kysely<Database>;
  clock: Clock;
  actions: ConsoleActions;
}

type Query = Record<string, string | undefined>;

const PAGE_SIZE = 50;
const ROLES = ['recipient', 'donating'];
const PROCEDURES = ['wbci', 'agcom'];

// an unreadable cursor starts from the first page
const decodeCursor = (s: string | undefined) => (s ? readListCursor(s) : undefined);

/** Keeps only filter values that can be right; anything else is ignored (and shown as unset). */
function filtersOf(q: Query) {
  const pick = (v: string | undefined, max: number) => (v && v.length <= max ? v : undefined);
  return {
    procedure: PROCEDURES.includes(q.procedure ?? '') ? q.procedure : undefined,
    role: ROLES.includes(q.role ?? '') ? q.role : undefined,
    state: pick(q.state, 40),
    peer: pick(q.peer, 20),
    overdue: q.overdue === 'true' ? true : undefined,
  };
}

const iso = (d: Date | string | null | undefined): string => (d ? new Date(d).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');

export const casePage = {
  async list(d: PageDeps, q: Query) {
    const id = q.id?.trim();
    if (id) {
      if (id.length <= 64 && (await loadCase(d.db, id))) return { redirect: `/console/cases/${encodeURIComponent(id)}` };
    }
    const f = filtersOf(q);
    const [rows, counts] = await Promise.all([
      listCases(d.db, { ...f, after: decodeCursor(q.cursor), limit: PAGE_SIZE + 1 }),
      caseCountsByState(d.db, { procedure: f.procedure, role: f.role, peer: f.peer, overdue: f.overdue }),
    ]);
    const now = d.clock.now();
    const page = rows.slice(0, PAGE_SIZE);
    const last = page[page.length - 1];
    const params = new URLSearchParams(Object.entries(f).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)]));
    const withFilters = (extra: Record<string, string>) => {
      const p = new URLSearchParams(params);
      for (const [k, v] of Object.entries(extra)) p.set(k, v);
      return `/console?${p.toString()}`;
    };
    return {
      redirect: undefined,
      notFound: id ? id : undefined,
      filters: f,
      procedures: PROCEDURES,
      roles: ROLES,
      peers: d.config.peers.map((p) => p.carrierCode),
      counts,
      stateLink: (state: string) => withFilters({ state }),
      total: counts.reduce((n, c) => n + c.count, 0),
      cases: page.map((r) => {
        const v = caseView(r, now);
        return { ...v, link: `/console/cases/${encodeURIComponent(r.id)}`, updated: iso(r.updated_at), created: iso(r.created_at) };
      }),
      next: rows.length > PAGE_SIZE && last ? withFilters({ cursor: encodeListCursor(last.created_us, last.id) }) : undefined,
      first: q.cursor ? withFilters({}) : undefined,
    };
  },

  async show(d: PageDeps, id: string, q: Query, ctx: ConsoleContext, failed?: { action: ActionName; failure: ActionFailure; form: Form }) {
    const row = await loadCase(d.db, id);
    if (!row) return undefined;
    return caseModel(d, row, q, ctx, failed);
  },

  async act(d: PageDeps, id: string, actionName: string, form: Form, ctx: ConsoleContext) {
    const row = await loadCase(d.db, id);
    if (!row) return { kind: 'not-found' as const };
    const action = (ACTIONS as readonly string[]).includes(actionName) ? (actionName as ActionName) : undefined;
    const result = action
      ? await d.actions.run(row, action, form)
      : { ok: false as const, failure: { status: 404, code: 'SG_NOT_FOUND', message: `no action ${actionName}`, fields: {}, general: [`There is no action ${actionName}.`] } };
    if (result.ok) return { kind: 'done' as const, messageId: result.messageId };
    const fresh = (await loadCase(d.db, id)) ?? row;
    return {
      kind: 'failed' as const,
      status: result.failure.status,
      model: await caseModel(d, fresh, {}, ctx, { action: action ?? 'answer', failure: result.failure, form }),
    };
  },
};

async function caseModel(d: PageDeps, row: CaseRow, q: Query, ctx: ConsoleContext, failed?: { action: ActionName; failure: ActionFailure; form: Form }) {
  const now = d.clock.now();
  const view = caseView(row, now);
  const wire = q.wire;
  const [stored, history] = await Promise.all([messagesOfCase(d.db, row.id), caseHistory(d.db, row.id)]);
  // the wire form is stored compressed (store/wire-codec.ts): restored only for the message shown
  const messages = await Promise.all(stored.map(async (m) => (m.message_id === wire ? (await withRawWire(d.db, [m]))[0]! : m)));
  const order = (row.wholesale_order ?? null) as null | { state?: string; externalId?: string; providerOrderId?: string | null; orderType?: string; dac?: string | null; failure?: { code: string; reason: string | null } | null; history?: { at: string; event: string; from: string | null; to: string; code?: string; reason?: string }[] };
  const canWrite = ctx.principal.scopes.has('switches:write');
  const data = (row.data ?? {}) as Record<string, unknown>;
  return {
    c: { ...view, createdAt: iso(row.created_at), updatedAt: iso(row.updated_at) },
    parties: partiesOf(row, data, d.config.self.carrierCode),
    procedurePartial: procedurePartial(row.procedure),
    agcom: row.procedure === 'agcom' ? (view as { agcom?: unknown }).agcom : undefined,
    data,
    timeline: messages.map((m) => {
      const v = messageView(m, m.message_id === wire) as ReturnType<typeof messageView> & { signature?: unknown; raw?: string | null };
      return {
        ...v,
        at: iso(m.created_at),
        deliveredAt: iso(m.delivered_at),
        signature: signatureText(v.signature),
        wireLink: `/console/cases/${encodeURIComponent(row.id)}?wire=${encodeURIComponent(m.message_id)}#msg-${encodeURIComponent(m.message_id)}`,
        showWire: m.message_id === wire,
        summary: summaryOf(m.body),
      };
    }),
    history: history.map((h) => ({ at: iso(h.at), from: h.from_state, to: h.to_state, note: h.note })),
    deadlines: view.deadlines.map((dl) => ({ ...dl, due: iso(dl.dueAt) })),
    order: order && {
      ...order,
      history: (order.history ?? []).map((h) => ({ ...h, at: iso(h.at) })),
    },
    actions: canWrite ? d.actions.available(row) : [],
    canWrite,
    openChange: row.open_change as { id?: string; kind?: string; requestedDate?: string } | null,
    done: q.done,
    failed,
    csrf: ctx.csrf,
    errs: (a: ActionName, field: string): string[] => (failed?.action === a ? (failed.failure.fields[field] ?? []) : []),
    general: (a: ActionName): string[] => (failed?.action === a ? failed.failure.general : []),
    val: (a: ActionName, field: string, fallback = ''): string => {
      if (failed?.action !== a) return fallback;
      const v = failed.form[field];
      return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
    },
    actionUrl: (a: ActionName) => `/console/cases/${encodeURIComponent(row.id)}/actions/${a}`,
  };
}

const VIEWS = fileURLToPath(new URL('./views/', import.meta.url));
const partials = new Map<string, string | undefined>();
/** A procedure shows its own section by shipping `views/partials/case-<procedure>.eta`. */
function procedurePartial(procedure: string): string | undefined {
  if (!/^[a-z0-9-]{1,32}$/.test(procedure)) return undefined;
  if (!partials.has(procedure)) partials.set(procedure, existsSync(`${VIEWS}partials/case-${procedure}.eta`) ? `partials/case-${procedure}` : undefined);
  return partials.get(procedure);
}

function partiesOf(row: CaseRow, data: Record<string, unknown>, self: string) {
  const we = { role: row.role, carrier: self };
  const they = { role: row.role === 'recipient' ? 'donating' : 'recipient', carrier: row.peer };
  const va = (data.va ?? (data as { request?: unknown }).request ?? null) as { customer?: Record<string, unknown>; location?: Record<string, unknown> } | null;
  const customer = va?.customer
    ? [va.customer.salutation, va.customer.firstName, va.customer.lastName, va.customer.companyName, va.customer.name].filter((x) => typeof x === 'string').join(' ')
    : '';
  const location = va?.location ? [va.location.street, va.location.houseNumber, va.location.postalCode, va.location.city].filter((x) => typeof x === 'string').join(' ') : '';
  return { recipient: row.role === 'recipient' ? we.carrier : they.carrier, donating: row.role === 'donating' ? we.carrier : they.carrier, customer, location };
}

function signatureText(sig: unknown): string | undefined {
  if (sig === undefined || sig === null) return undefined;
  if (typeof sig === 'string') return sig;
  const s = sig as { verdict?: string; status?: string; valid?: boolean; reason?: string };
  const verdict = s.verdict ?? s.status ?? (s.valid === true ? 'valid' : s.valid === false ? 'invalid' : 'unknown');
  return s.reason ? `${verdict}: ${s.reason}` : verdict;
}

/** A short line about the message: its codes, dates, texts — whatever the body has of these. */
function summaryOf(body: unknown): string {
  if (!body || typeof body !== 'object') return '';
  const b = body as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of ['result', 'code', 'switchDate', 'requestedDate', 'wechseltermin', 'kind', 'category', 'reason', 'text', 'stornoGrund']) {
    const v = b[k];
    if (typeof v === 'string' || typeof v === 'number') parts.push(`${k}: ${v}`);
  }
  const positions = (b.positions ?? b.codes) as unknown;
  if (Array.isArray(positions)) {
    const codes = positions.map((p) => (p && typeof p === 'object' ? ((p as { code?: string; text?: string }).code ?? '') + ((p as { text?: string }).text ? ` ${(p as { text?: string }).text}` : '') : String(p)));
    if (codes.length) parts.push(`codes: ${codes.join('; ')}`);
  }
  return parts.join(' · ').slice(0, 400);
}

export async function deadLettersPage(d: PageDeps, q: Query) {
  const items = await openDeadLetters(d.db, 200);
  return {
    items: items.map((x) => ({ ...x, at: iso(x.at), caseLink: x.caseId ? `/console/cases/${encodeURIComponent(x.caseId)}` : undefined })),
    replayed: q.replayed && /^\d+$/.test(q.replayed) ? Number(q.replayed) : undefined,
    missing: q.missing && /^\d+$/.test(q.missing) ? Number(q.missing) : 0,
    setAside: q.setAside === '1' ? ('done' as const) : q.setAside === '0' ? ('missing' as const) : undefined,
  };
}

/** Replays the ids of the form (`id`, one or many); ids already replayed or unknown are counted, not errors. */
export async function replayDeadLetters(d: PageDeps, form: Record<string, string | string[]>) {
  const raw = form.id;
  const ids = [...new Set((Array.isArray(raw) ? raw : raw ? [raw] : []).filter((s) => /^\d{1,15}$/.test(s)).map(Number))].slice(0, 500);
  const replayed: number[] = [];
  const missing: number[] = [];
  for (const id of ids) ((await replayDeadLetter(d.db, id)) ? replayed : missing).push(id);
  return { replayed, missing };
}

/**
 * Sets one letter aside with the operator's note; `invalid` when the form lacks an id or a note of 1–500
 * characters (the browser asks for one; this is the server's own check), `missing` when the letter is
 * unknown or closed already.
 */
export async function setAsideFromForm(d: PageDeps, form: Record<string, string | string[]>): Promise<'done' | 'missing' | 'invalid'> {
  const id = typeof form.id === 'string' && /^\d{1,15}$/.test(form.id) ? Number(form.id) : undefined;
  const note = typeof form.note === 'string' ? form.note.trim() : '';
  if (id === undefined || note.length === 0 || note.length > SET_ASIDE_NOTE_MAX) return 'invalid';
  return (await setAsideDeadLetter(d.db, id, note)) ? 'done' : 'missing';
}

export async function peersPage(d: PageDeps) {
  const configured = [...d.config.peers.map((p) => p.carrierCode), ...(d.config.wholesale ? [WHOLESALE_DESTINATION] : [])];
  const rows = await destinationHealth(d.db, configured);
  const kindOf = (dest: string) => (dest === WHOLESALE_DESTINATION ? 'wholesale provider' : d.config.peers.find((p) => p.carrierCode === dest)?.protocol ?? 'other');
  return {
    rows: rows.map((r) => ({
      ...r,
      kind: kindOf(r.destination),
      lastDelivered: iso(r.lastDeliveredAt),
      oldest: r.pending ? formatSeconds(r.oldestPendingSeconds) : '',
      health: r.deadLetters > 0 || r.failuresLastHour > 0 ? (r.pending > 0 && r.failuresLastHour > 0 ? 'failing' : 'degraded') : 'ok',
    })),
  };
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
