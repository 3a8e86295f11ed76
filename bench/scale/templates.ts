/**
 * Template cases for the scale bench, written by the real gateway: two gateways (A recipient, B
 * donating) on PostgreSQL sign every SOAP message with WS-Security and run the canonical good case
 * (VA-KUE-MRN → RUEM-VA → AKM-TR) plus a refused VA (RUEM-VA reject). The rows each side wrote for
 * those cases (case, messages, history, outbox, events) are what the bulk generator clones, so the
 * generated million has exactly the shape — column by column, byte sizes included — of real rows.
 */
import { request } from 'undici';
import pg from 'pg';
import { API_KEY, quickStartVa } from '../../test/support/gateway-pair.js';
import { eventually, freePort } from '../../test/support/http-pair.js';
import { startWireNode, type WireNode } from '../../test/support/wire-stubs.js';
import { makeTestCert, tempDir } from '../../test/support/ws-security.js';
import { addDays, createCalendar } from '../../src/domain/calendar.js';
import { REQUESTED_DATE } from '../harness.js';
import { firstKueKwtOnOrAfter } from '../../src/protocols/wbci/deadlines.js';

const AUF = 'DEU.EKPA';
const ABG = 'DEU.EKPB';

// Requested dates as a CRM sends them, three weeks ahead (the other benches' date), never fixed
// dates: those drew a short-lead warning on every case as the day came closer (2.6 `case.warning`
// events per case, ~0.6 KB of the storage per case), and would be refused once too close.
const cal = createCalendar({ country: 'DE', region: 'BY' });
const nextKwt = (after: string) => firstKueKwtOnOrAfter(cal, addDays(after, 1));
const DATE_1 = REQUESTED_DATE;
const DATE_2 = nextKwt(DATE_1);
const DATE_3 = nextKwt(DATE_2);

async function rest(node: WireNode, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await request(node.url + path, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.body.text();
  return { status: res.statusCode, text, data: text ? JSON.parse(text) : undefined };
}

const timeline = async (node: WireNode, id: string) =>
  ((await rest(node, 'GET', `/v1/switches/${id}/messages`)).data.items as { direction: string; type: string; status: string }[]).map(
    (m) => `${m.direction} ${m.type} ${m.status}`,
  );

export interface TemplateCases {
  /** case ids in the databases of A (recipient side) and B (donating side) */
  completed: string;
  refused: string;
}

/**
 * Runs the two template cases through two gateways whose databases are `urlA` and `urlB`; they sign
 * every SOAP message unless `signed` is false (BENCH_SCALE_SIGNED=0: the unsigned wire, as the
 * issue's first storage figure was measured).
 */
export async function writeTemplateCases(urlA: string, urlB: string, signed = true): Promise<TemplateCases> {
  const certDir = tempDir('sg-scale-');
  const certs = {
    a: makeTestCert(certDir.path, 'ekpa', '/C=DE/O=EKPA Test Carrier (fictitious)/CN=wbci.ekpa.test'),
    b: makeTestCert(certDir.path, 'ekpb', '/C=DE/O=EKPB Test Carrier (fictitious)/CN=wbci.ekpb.test'),
  };
  const [pa, pb] = [await freePort(), await freePort()];
  const common = { retryPolicy: { maxAttempts: 20, baseMs: 20, capMs: 200 } };
  const self = (carrierCode: string, keyFile: string, certFile: string) => ({
    self: { carrierCode, profiles: ['wbci' as const], holidayRegion: 'DE-BY', ...(signed ? { wsSecurity: { keyFile, certFile } } : {}) },
  });
  const peerSecurity = (certFile: string) => (signed ? { wsSecurity: { certFile, required: true } } : {});
  const b = await startWireNode(ABG, [{ carrierCode: AUF, url: `http://127.0.0.1:${pa}/wbci/v1`, ...peerSecurity(certs.a.certFile) }], {
    ...common, databaseUrl: urlB, port: pb, configOverrides: self(ABG, certs.b.keyFile, certs.b.certFile),
  });
  const a = await startWireNode(AUF, [{ carrierCode: ABG, url: `http://127.0.0.1:${pb}/wbci/v1`, ...peerSecurity(certs.b.certFile) }], {
    ...common, databaseUrl: urlA, port: pa, configOverrides: self(AUF, certs.a.keyFile, certs.a.certFile),
  });
  try {
    // a gateway in service has long learned its peers' wire dictionaries (src/store/wire-codec.ts):
    // one good case first, so the template messages are stored as in steady state, not as the first of their kind
    const warm = await rest(a, 'POST', '/v1/switches', quickStartVa({ requestedDate: DATE_3, lastName: 'Vorlauf' }));
    if (warm.status !== 201) throw new Error(`warm-up VA: ${warm.status} ${warm.text}`);
    const warmId = warm.data.id as string;
    await eventually(async () => { if ((await rest(b, 'GET', `/v1/switches/${warmId}`)).data?.state !== 'AWAITING_ANSWER') throw new Error('warm-up VA not at B'); }, 30_000);
    const warmAnswer = await rest(b, 'POST', `/v1/switches/${warmId}/answer`, {
      result: 'accept', code: 'ZWA', switchDate: DATE_3, technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D123',
    });
    if (warmAnswer.status !== 202) throw new Error(`warm-up answer: ${warmAnswer.status} ${warmAnswer.text}`);
    await eventually(async () => { if ((await rest(a, 'GET', `/v1/switches/${warmId}`)).data.state !== 'AGREED') throw new Error('warm-up not agreed'); }, 30_000);
    const warmTr = await rest(a, 'POST', `/v1/switches/${warmId}/resource-handover`, { takeOver: true, lines: [{ contractNumber: '1234567890' }] });
    if (warmTr.status !== 202) throw new Error(`warm-up AKM-TR: ${warmTr.status} ${warmTr.text}`);
    await eventually(async () => { if ((await timeline(b, warmId)).length < 3) throw new Error('warm-up AKM-TR not at B'); }, 30_000);
    // and a refused one: dictionaries are learned per message type, the ABBM has its own
    const warmRefused = await rest(a, 'POST', '/v1/switches', quickStartVa({ requestedDate: DATE_2, lastName: 'Vorlauf' }));
    if (warmRefused.status !== 201) throw new Error(`warm-up VA 2: ${warmRefused.status} ${warmRefused.text}`);
    const warmRefusedId = warmRefused.data.id as string;
    await eventually(async () => { if ((await rest(b, 'GET', `/v1/switches/${warmRefusedId}`)).data?.state !== 'AWAITING_ANSWER') throw new Error('warm-up VA 2 not at B'); }, 30_000);
    const warmReject = await rest(b, 'POST', `/v1/switches/${warmRefusedId}/answer`, { result: 'reject', codes: [{ code: '8117' }] });
    if (warmReject.status !== 202) throw new Error(`warm-up reject: ${warmReject.status} ${warmReject.text}`);
    await eventually(async () => { if ((await rest(a, 'GET', `/v1/switches/${warmRefusedId}`)).data.state !== 'REJECTED') throw new Error('warm-up reject not at A'); }, 30_000);

    const created = await rest(a, 'POST', '/v1/switches', quickStartVa({ requestedDate: DATE_1 }));
    if (created.status !== 201) throw new Error(`template VA: ${created.status} ${created.text}`);
    const completed = created.data.id as string;
    await eventually(async () => { if ((await rest(b, 'GET', `/v1/switches/${completed}`)).data?.state !== 'AWAITING_ANSWER') throw new Error('VA not at B'); }, 30_000);
    const answer = await rest(b, 'POST', `/v1/switches/${completed}/answer`, {
      result: 'accept', code: 'ZWA', switchDate: DATE_1, technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D123',
    });
    if (answer.status !== 202) throw new Error(`template answer: ${answer.status} ${answer.text}`);
    await eventually(async () => { if ((await rest(a, 'GET', `/v1/switches/${completed}`)).data.state !== 'AGREED') throw new Error('not agreed'); }, 30_000);
    const handover = await rest(a, 'POST', `/v1/switches/${completed}/resource-handover`, { takeOver: true, lines: [{ contractNumber: '1234567890' }] });
    if (handover.status !== 202) throw new Error(`template AKM-TR: ${handover.status} ${handover.text}`);

    const second = await rest(a, 'POST', '/v1/switches', quickStartVa({ requestedDate: DATE_2, lastName: 'Zweiter' }));
    if (second.status !== 201) throw new Error(`template VA 2: ${second.status} ${second.text}`);
    const refused = second.data.id as string;
    await eventually(async () => { if ((await rest(b, 'GET', `/v1/switches/${refused}`)).data?.state !== 'AWAITING_ANSWER') throw new Error('VA 2 not at B'); }, 30_000);
    const reject = await rest(b, 'POST', `/v1/switches/${refused}/answer`, { result: 'reject', codes: [{ code: '8117' }] });
    if (reject.status !== 202) throw new Error(`template reject: ${reject.status} ${reject.text}`);

    await eventually(async () => {
      const [ta, tb] = [await timeline(a, completed), await timeline(b, completed)];
      const [ra, rb] = [await timeline(a, refused), await timeline(b, refused)];
      const done = (t: string[]) => t.length > 0 && t.every((m) => !m.endsWith(' pending'));
      if (ta.length < 3 || tb.length < 3 || ra.length < 2 || rb.length < 2 || ![ta, tb, ra, rb].every(done)) throw new Error('deliveries pending');
    }, 60_000);
    // the outbox rows are delivered; let both sides' workers settle the delivered_at updates
    await new Promise((r) => setTimeout(r, 300));
    return { completed, refused };
  } finally {
    await a.gw.close();
    await b.gw.close();
    certDir.remove();
  }
}

/** Per-table bytes of a database (heap + TOAST + indexes), largest first. */
export async function tableSizes(url: string, tables: readonly string[]): Promise<{ table: string; bytes: number; rows: number }[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const out = [];
    for (const table of tables) {
      const { rows } = await c.query<{ bytes: string; rows: string }>(`select pg_total_relation_size($1)::text as bytes, (select count(*) from ${table})::text as rows`, [table]);
      out.push({ table, bytes: Number(rows[0]!.bytes), rows: Number(rows[0]!.rows) });
    }
    return out.sort((x, y) => y.bytes - x.bytes);
  } finally {
    await c.end();
  }
}
