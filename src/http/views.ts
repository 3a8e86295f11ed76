/** The JSON shapes the API returns (architecture.md "Each case answer … has at least"). */
import type { CaseRow, MessageRow } from '../store/schema.js';
import { agcomCaseDetails } from '../app/agcom/view.js';
import type { DataProjection } from '../store/repos/cases.js';

interface StoredDeadlineView {
  name: string;
  dueAt: string;
  party?: string;
  ref?: string;
}

/**
 * The part of a case's `data` that caseView reads: these keys, and all of it for AGCOM cases
 * (agcomCaseDetails). Lists ask the store for only this (listCases' projection); a key read below
 * and missing here would render as null in lists only (test/integration/case-list-views.test.ts).
 */
export const CASE_VIEW_DATA = {
  keys: ['agreement', 'replaces', 'replacedBy', 'terminationDate'],
  whole: ['agcom'],
} as const satisfies DataProjection;

type CaseViewData = { [K in (typeof CASE_VIEW_DATA.keys)[number]]?: K extends 'agreement' ? unknown : string | null };

export function caseView(row: CaseRow, now: Date) {
  const data = (row.data ?? {}) as CaseViewData;
  const stored = (row.deadlines ?? []) as unknown as StoredDeadlineView[];
  // D15 watches for a missing wholesale order: one that exists ends the watch
  const deadlines = stored.filter((d) => !(d.name === 'wholesaleOrder' && row.wholesale_order)).map((d) => ({
    name: d.name,
    dueAt: d.dueAt,
    ...(d.party ? { party: d.party } : {}),
    ...(d.ref ? { ref: d.ref } : {}),
    overdue: Date.parse(d.dueAt) < now.getTime(),
  }));
  return {
    id: row.id,
    procedure: row.procedure,
    type: row.type,
    role: row.role,
    peer: row.peer,
    state: row.state,
    requestedDate: row.requested_date,
    switchDate: row.switch_date,
    openChange: row.open_change ?? null,
    deadlines,
    overdue: deadlines.some((d) => d.overdue),
    wholesaleOrder: row.wholesale_order ?? null,
    agreement: data.agreement ?? null,
    replaces: data.replaces ?? null,
    replacedBy: data.replacedBy ?? null,
    ...(row.procedure === 'wbci' && row.role === 'donating' ? { terminationDate: data.terminationDate ?? null } : {}),
    ...(row.procedure === 'agcom' ? { agcom: agcomCaseDetails(row.data) } : {}),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function messageView(row: MessageRow, withRaw: boolean) {
  return {
    messageId: row.message_id,
    type: row.type,
    direction: row.direction,
    status: row.status,
    at: row.created_at.toISOString(),
    deliveredAt: row.delivered_at ? row.delivered_at.toISOString() : null,
    peer: row.peer,
    businessId: row.business_id,
    body: row.body,
    ...(row.signature ? { signature: row.signature } : {}),
    ...(withRaw ? { raw: row.raw, rawFormat: row.raw_format } : {}),
  };
}
