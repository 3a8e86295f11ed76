/**
 * The gateways the hostile-input suites talk to over real HTTP on 127.0.0.1, and what they need
 * to judge an answer: the rows of every table, the format and code of a response.
 */
import { sql, type Kysely } from 'kysely';
import { request } from 'undici';
import { expect } from 'vitest';
import { API_KEY } from '../../support/gateway-pair.js';
import { peerToken, startWireNode, type WireNode } from '../../support/wire-stubs.js';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Store } from '../../../src/store/connect.js';
import type { GatewayConfig } from '../../../src/config/types.js';
import { decodeTeq } from '../../../src/protocols/wbci/soap-codec.js';

export const AUF = 'DEU.EKPA';
export const ABG = 'DEU.EKPB';
/** a peer that speaks the JSON variant */
export const JSON_PEER = 'DEU.EKPC';
export const NOW = '2026-11-23T09:00:00+01:00';
export const KWT = '2026-12-15';

/** The WBCI gateway (EKPabg) with one SOAP and one JSON peer, no background workers. */
export async function startWbciEdge(store: Store, configOverrides: Partial<GatewayConfig> = {}): Promise<WireNode & { clock: ManualClock }> {
  const clock = new ManualClock(NOW);
  const node = await startWireNode(
    ABG,
    [
      { carrierCode: AUF, url: 'http://127.0.0.1:9/wbci/v1' },
      { carrierCode: JSON_PEER, url: 'http://127.0.0.1:9/wbci/v1/json', protocol: 'wbci-json' },
    ],
    { store, clock, background: false, configOverrides },
  );
  return Object.assign(node, { clock });
}

export const restHeaders = (extra: Record<string, string> = {}): Record<string, string> => ({
  authorization: `Bearer ${API_KEY}`,
  'content-type': 'application/json',
  ...extra,
});
export const soapHeadersFrom = (from = AUF, extra: Record<string, string> = {}): Record<string, string> => ({
  'content-type': 'text/xml; charset=utf-8',
  soapaction: '"annehmenAnfrage"',
  authorization: `Bearer ${peerToken(from, ABG)}`,
  ...extra,
});
export const jsonWireHeaders = (extra: Record<string, string> = {}): Record<string, string> => ({
  'content-type': 'application/json',
  authorization: `Bearer ${peerToken(JSON_PEER, ABG)}`,
  ...extra,
});

// ---------------------------------------------------------------------------------------------
// rows

/** Row count of every table of the schema (found in the catalogue, so a new table is counted too). */
export async function rowCounts(db: Kysely<never>): Promise<Record<string, number>> {
  const tables = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`.execute(db);
  const names = tables.rows.map((r) => r.name);
  expect(names.length).toBeGreaterThan(5);
  const select = names.map((n) => `(SELECT count(*) FROM "${n.replace(/"/g, '""')}") AS "${n.replace(/"/g, '""')}"`).join(', ');
  const r = await sql<Record<string, string | number>>`SELECT ${sql.raw(select)}`.execute(db);
  return Object.fromEntries(Object.entries(r.rows[0]!).map(([k, v]) => [k, Number(v)]));
}

export function rowDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const d = (after[k] ?? 0) - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// requests and answers

export interface Sent {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  format: 'problem' | 'soap-fault' | 'soap-teq' | 'json-teq' | 'agcom-reply' | 'other';
  /** the problem's `code`, the fault's leading code, the TEQ's position code, the Reply's Codice */
  code: string | undefined;
}

export async function send(base: string, s: Sent): Promise<Answer> {
  const res = await request(`${base}${s.path}`, { method: (s.method ?? 'POST') as 'POST', headers: s.headers ?? {}, body: s.body });
  const text = await res.body.text();
  return classify(res.statusCode, res.headers, text);
}

export function classify(status: number, headers: Record<string, string | string[] | undefined>, text: string): Answer {
  const ct = String(headers['content-type'] ?? '');
  const base = { status, headers, text };
  if (ct.startsWith('application/problem+json')) {
    const p = JSON.parse(text) as { code?: string };
    return { ...base, format: 'problem', code: p.code };
  }
  if (/^(text\/xml|application\/soap\+xml)/.test(ct)) {
    const fault = /<faultstring>([^<]*)<\/faultstring>|<SOAP-ENV:Text[^>]*>([^<]*)<\/SOAP-ENV:Text>/.exec(text);
    if (fault) {
      const message = fault[1] ?? fault[2] ?? '';
      return { ...base, format: 'soap-fault', code: /^([A-Z0-9_]+)[: ]/.exec(message)?.[1] ?? message };
    }
    const teq = decodeTeq(text);
    return { ...base, format: 'soap-teq', code: teq.ok ? teq.teq.positions[0]?.code : undefined };
  }
  if (ct.startsWith('application/xml')) {
    return { ...base, format: 'agcom-reply', code: /<Codice>([^<]*)<\/Codice>/.exec(text)?.[1] };
  }
  if (ct.startsWith('application/json')) {
    try {
      const j = JSON.parse(text) as { Reply?: { Codice?: string }; positions?: { code?: string }[]; meldungen?: { code?: string }[] };
      const code = j.Reply?.Codice ?? firstCode(j);
      return { ...base, format: j.Reply ? 'agcom-reply' : 'json-teq', code };
    } catch {
      return { ...base, format: 'other', code: undefined };
    }
  }
  return { ...base, format: 'other', code: undefined };
}

function firstCode(j: unknown): string | undefined {
  // a JSON Quittung: the first `code` found, depth first
  const stack: unknown[] = [j];
  while (stack.length) {
    const v = stack.pop();
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.code === 'string') return o.code;
      stack.push(...Object.values(o).reverse());
    }
  }
  return undefined;
}

export async function alive(base: string): Promise<void> {
  const live = await request(`${base}/health/live`);
  expect(live.statusCode).toBe(200);
  expect(await live.body.json()).toEqual({ status: 'ok' });
}
