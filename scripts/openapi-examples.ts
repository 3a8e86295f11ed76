/**
 * Captures the examples of docs/openapi.json from a real run: two WBCI gateways (the README
 * quick-start, answered on the other side) and one gateway with every profile (AGCOM and
 * interconnection objects), on in-memory databases with a fixed clock. Writes
 * src/http/openapi/examples.json, keyed "METHOD /path status" (path as in the document).
 *
 *   npx tsx scripts/openapi-examples.ts && npx switchgate openapi --out docs/openapi.json
 */
import { writeFileSync } from 'node:fs';
import { createGateway, type Gateway } from '../src/gateway.js';
import { openDatabase } from '../src/store/connect.js';
import { ManualClock } from '../src/domain/clock.js';
import { contractConfig, CONTRACT_ENV } from '../src/http/openapi/full-config.js';
import { buildMigrationCode } from '../src/protocols/agcom/migration-code.js';
import { quickStartVa, READ_ONLY_KEY, rest, silentLog, startPair } from '../test/support/gateway-pair.js';

const OUT = new URL('../src/http/openapi/examples.json', import.meta.url);
const examples: Record<string, unknown> = {};

type Res = Awaited<ReturnType<typeof rest>>;
/** keeps the first answer of each route and status (the documented one) */
function keep(method: string, path: string, res: Res, request?: unknown, label = ''): Res {
  const suffix = label ? ` ${label}` : '';
  const key = `${method} ${path} ${res.statusCode}${suffix}`;
  if (!(key in examples)) examples[key] = res.data;
  // a request example is one the route accepted as well-formed (a 400 names a malformed one)
  if (request !== undefined && res.statusCode !== 400 && !(`${method} ${path} request${suffix}` in examples)) examples[`${method} ${path} request${suffix}`] = request;
  return res;
}

async function call(gw: Gateway, method: 'GET' | 'POST', url: string, path: string, body?: unknown, headers?: Record<string, string>, label?: string): Promise<Res> {
  return keep(method, path, await rest(gw, method, url, body, headers), body, label);
}

async function wbciFlow(): Promise<void> {
  const pair = await startPair(() => openDatabase({ inMemory: true }), {
    // phase 3 by hand; its order goes nowhere in this run (the in-process transport knows only the peers), so it dead-letters
    configA: { wholesale: { url: 'http://127.0.0.1:9/wholesale', protocol: 'rest', placeOrders: 'manual', auth: { type: 'none' } } as never, deadlines: { wbci: { akmTrRejectionTimeoutWorkingDays: 0 } } as never },
  });
  try {
    const { a, b } = pair;
    const va = quickStartVa({ requestedDate: '2026-12-15' });
    const started = await call(a, 'POST', '/v1/switches', '/v1/switches', va, { 'idempotency-key': 'crm-order-4711' });
    const id = started.data.id as string;
    await call(a, 'GET', `/v1/switches/${id}`, '/v1/switches/{id}');
    await call(a, 'GET', '/v1/switches?limit=10', '/v1/switches');
    await pair.pump();
    const answer = { result: 'accept', code: 'ZWA', switchDate: '2026-12-15', technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D123' };
    await call(b, 'POST', `/v1/switches/${id}/answer`, '/v1/switches/{id}/answer', answer);
    await pair.pump();
    await call(a, 'GET', `/v1/switches/${id}/messages`, '/v1/switches/{id}/messages');
    await call(a, 'POST', `/v1/switches/${id}/reschedule`, '/v1/switches/{id}/reschedule', { requestedDate: '2026-12-22' });
    await pair.pump();
    const atB = await rest(b, 'GET', `/v1/switches/${id}`);
    const changeId = (atB.data.openChange as { id: string } | null)?.id;
    if (changeId) await call(b, 'POST', `/v1/switches/${id}/changes/${changeId}/answer`, '/v1/switches/{id}/changes/{changeId}/answer', { result: 'accept' });
    await pair.pump();
    await call(a, 'POST', `/v1/switches/${id}/resource-handover`, '/v1/switches/{id}/resource-handover', { takeOver: true, lines: [{ contractNumber: '1234567890' }] });
    await pair.pump();
    await call(a, 'GET', '/v1/events?limit=3', '/v1/events');
    await call(a, 'POST', `/v1/switches/${id}/wholesale-order`, '/v1/switches/{id}/wholesale-order');
    await call(a, 'GET', `/v1/switches/${id}/wholesale-order`, '/v1/switches/{id}/wholesale-order');
    await pair.pump();
    // two VAs while the peer is unknown to the transport: two dead letters, one replayed, one set aside
    pair.transport.targets.delete('DEU.EKPB');
    for (const lastName of ['Fischer', 'Wagner']) await rest(a, 'POST', '/v1/switches', quickStartVa({ requestedDate: '2026-12-16', lastName }));
    await a.deliver();
    pair.transport.targets.set('DEU.EKPB', b);
    const dead = await call(a, 'GET', '/v1/dead-letters', '/v1/dead-letters');
    const [replayId, asideId] = (dead.data.items as { id: string }[]).map((d) => d.id);
    if (replayId) await call(a, 'POST', `/v1/dead-letters/${replayId}/replay`, '/v1/dead-letters/{id}/replay');
    if (asideId) await call(a, 'POST', `/v1/dead-letters/${asideId}/set-aside`, '/v1/dead-letters/{id}/set-aside', { note: 'the peer refuses this VA; settled by phone' });
    await pair.pump();
    // a second VA, cancelled (STR-AUF)
    const second = await rest(a, 'POST', '/v1/switches', quickStartVa({ requestedDate: '2026-12-16', lastName: 'Schmidt' }));
    await call(a, 'POST', `/v1/switches/${second.data.id}/cancel`, '/v1/switches/{id}/cancel', { kind: 'STR-AUF', reason: 'customer withdrew' });
    await call(a, 'POST', `/v1/switches/${second.data.id}/cancel`, '/v1/switches/{id}/cancel', { kind: 'STR-AUF' });
    // a third VA, agreed, whose AKM-TR the donating side rejects (ABBM-TR)
    const third = await rest(a, 'POST', '/v1/switches', quickStartVa({ requestedDate: '2026-12-17', lastName: 'Weber' }));
    await pair.pump();
    await rest(b, 'POST', `/v1/switches/${third.data.id}/answer`, { ...answer, switchDate: '2026-12-17' });
    await pair.pump();
    await rest(a, 'POST', `/v1/switches/${third.data.id}/resource-handover`, { takeOver: true, lines: [{ contractNumber: '1234567890' }] });
    await pair.pump();
    await call(b, 'POST', `/v1/switches/${third.data.id}/resource-handover/answer`, '/v1/switches/{id}/resource-handover/answer', { codes: [{ code: '8106' }] });
    await pair.pump();
    await call(a, 'GET', '/v1/events?limit=100', '/v1/events', undefined, undefined, 'full feed');
    // refusals, as a CRM meets them
    await call(a, 'POST', '/v1/switches', '/v1/switches', { ...va, requestedDate: '15.12.2026', colour: 'blue' });
    keep('POST', '/v1/switches', await rest(a, 'POST', '/v1/switches', va, { authorization: 'Bearer wrong' }));
    keep('POST', '/v1/switches', await rest(a, 'POST', '/v1/switches', va, { authorization: `Bearer ${READ_ONLY_KEY}` }));
    keep('POST', '/v1/switches', await rest(a, 'POST', '/v1/switches', { ...va, donating: 'DEU.NOPE' }));
    await call(a, 'GET', '/v1/switches/DEU.EKPA.VA.000000', '/v1/switches/{id}');
    keep('POST', '/v1/switches/{id}/answer', await rest(a, 'POST', `/v1/switches/${id}/answer`, answer));
    await call(a, 'POST', `/v1/switches/${id}/link`, '/v1/switches/{id}/link', { replaces: 'DEU.EKPA.V000000099' });
    await call(a, 'POST', `/v1/switches/${id}/link`, '/v1/switches/{id}/link', { replaces: 'DEU.EKPA.VA.000001' });
    await call(a, 'GET', '/v1/switches?limit=0', '/v1/switches');
    await call(a, 'GET', '/health/live', '/health/live');
    await call(a, 'GET', '/health/ready', '/health/ready');
  } finally {
    await pair.close();
  }
}

async function fullFlow(): Promise<void> {
  const clock = new ManualClock('2026-12-01T08:00:00Z');
  const gw = await createGateway({ config: contractConfig(), store: await openDatabase({ inMemory: true }), clock, background: false, log: silentLog(), env: CONTRACT_ENV });
  try {
    // the contract configuration's API key is a placeholder: tests and this script present it
    const headers = { authorization: 'Bearer contract-api-key' };
    const h = (extra: Record<string, string> = {}) => ({ ...headers, ...extra });
    const mc = buildMigrationCode({ cow: '2ZZ', cor: '069234552', cos: '001' });
    await call(gw, 'POST', '/v1/tools/migration-code/validate', '/v1/tools/migration-code/validate', { code: mc }, h());
    const agcom = await call(gw, 'POST', '/v1/switches', '/v1/switches', {
      procedure: 'agcom',
      donating: 'ITA.OLB',
      migrationCode: mc,
      numbers: ['069234552'],
      requestedDate: '2026-12-16',
      customer: { firstName: 'Mario', lastName: 'Rossi', taxCode: 'RSSMRA80A01H501U' },
      contact: { phone: '+39 333 1234567', email: 'mario.rossi@example.it' },
    }, h(), 'agcom');
    await call(gw, 'GET', `/v1/switches/${agcom.data.id}`, '/v1/switches/{id}', undefined, h(), 'agcom');
    const request = {
      type: 'port-activation',
      counterpart: 'ITA.TIM',
      pdi: 'PdI Roma Inviolatella',
      timSite: { name: 'TIM Roma', address: 'Via Inviolatella 1', city: 'Roma' },
      operatorSite: { name: 'OLA Roma', address: 'Via Tiburtina 100', city: 'Roma' },
      cacModules: 2,
      bgIpAddresses: ['192.0.2.10'],
      directionality: 'bidirectional',
      codecs: ['AMR-WB', 'G.711'],
      rdc: { td: 'TD-RM-01', positions: ['P01'] },
    };
    const created = await call(gw, 'POST', '/v1/interconnect/requests', '/v1/interconnect/requests', request, h({ 'idempotency-key': 'noc-4711' }));
    await call(gw, 'GET', `/v1/interconnect/requests/${created.data.id}`, '/v1/interconnect/requests/{id}', undefined, h());
    await call(gw, 'GET', '/v1/interconnect/requests', '/v1/interconnect/requests', undefined, h());
    const draft = await rest(gw, 'POST', '/v1/interconnect/requests', { ...request, bgIpAddresses: ['192.0.2.11'], rdc: { td: 'TD-RM-01', positions: ['P02'] }, draft: true }, h());
    await call(gw, 'POST', `/v1/interconnect/requests/${draft.data.id}/submit`, '/v1/interconnect/requests/{id}/submit', {}, h());
    await call(gw, 'POST', `/v1/interconnect/requests/${draft.data.id}/progress`, '/v1/interconnect/requests/{id}/progress', {}, h());
    await call(gw, 'POST', `/v1/interconnect/requests/${draft.data.id}/annulment`, '/v1/interconnect/requests/{id}/annulment', { requestDate: '2026-12-01' }, h());
    const csv = await gw.app.inject({ method: 'POST', url: '/v1/interconnect/traffic', headers: { ...headers, 'content-type': 'text/csv' }, payload: 'callId,start,durationSeconds\nC1,2026-11-03T09:15:00+01:00,125\nC2,2026-11-03T21:40:00+01:00,60\n' });
    keep('POST', '/v1/interconnect/traffic', Object.assign(csv, { data: JSON.parse(csv.body) as unknown }) as Res);
    await call(gw, 'POST', '/v1/interconnect/netting', '/v1/interconnect/netting', {
      month: '2026-11',
      invoices: [
        { number: 'OLA-2026-0101', direction: 'receivable', issueDate: '2026-10-05', dueDate: '2026-11-04', amount: '12500.00', residual: '12500.00' },
        { number: 'TIM-2026-7730', direction: 'payable', issueDate: '2026-10-07', dueDate: '2026-11-06', amount: '9800.50', residual: '9800.50', disputed: '300.00' },
      ],
    }, h());
    await call(gw, 'POST', '/v1/interconnect/payments/allocate', '/v1/interconnect/payments/allocate', {
      amount: '5000.00',
      asOf: '2026-12-01',
      debts: [
        { id: 'TIM-2026-7730', amount: '9800.50', dueDate: '2026-11-06', security: 1, burden: 2, issuedAt: '2026-10-07' },
        { id: 'TIM-2026-7811', amount: '1200.00', dueDate: '2026-12-20', security: 1, burden: 1, issuedAt: '2026-11-20' },
      ],
    }, h());
    const fault = await call(gw, 'POST', '/v1/interconnect/faults', '/v1/interconnect/faults', { counterpart: 'ITA.TIM', pdi: 'PdI Roma Inviolatella', description: 'one-way audio on calls to TIM mobiles' }, h());
    if (fault.statusCode === 201) await call(gw, 'GET', `/v1/interconnect/faults/${fault.data.id}`, '/v1/interconnect/faults/{id}', undefined, h());
    await call(gw, 'GET', '/v1/interconnect/faults', '/v1/interconnect/faults', undefined, h());
    const project = await call(gw, 'POST', '/v1/interconnect/projects', '/v1/interconnect/projects', { counterpart: 'ITA.TIM', kind: 'migration', traffic: 'M-M' }, h());
    await call(gw, 'GET', `/v1/interconnect/projects/${project.data.id}`, '/v1/interconnect/projects/{id}', undefined, h());
    await call(gw, 'POST', `/v1/interconnect/projects/${project.data.id}/events`, '/v1/interconnect/projects/{id}/events', { event: 'agreement-signed', note: 'signed by both parties' }, h());
    await call(gw, 'POST', `/v1/interconnect/faults/${fault.data.id}/diagnosis`, '/v1/interconnect/faults/{id}/diagnosis', { diagnosis: 'codec mismatch' }, h());
    await call(gw, 'GET', '/v1/interconnect/projects', '/v1/interconnect/projects', undefined, h());
    await call(gw, 'GET', '/v1/interconnect/invoices/access-services?month=2026-12', '/v1/interconnect/invoices/access-services', undefined, h());
    const wholesale = { authorization: 'Bearer contract-wholesale-inbound' };
    await call(gw, 'POST', '/wholesale/v1/verifications', '/wholesale/v1/verifications', { id: 'DEU.EKPB.VA.000999', numbers: ['0891234567'] }, wholesale);
  } finally {
    await gw.close();
  }
}

await wbciFlow();
await fullFlow();
const sorted = Object.fromEntries(Object.entries(examples).sort(([x], [y]) => x.localeCompare(y)));
writeFileSync(OUT, JSON.stringify(sorted, null, 2) + '\n');
console.log(`${Object.keys(sorted).length} examples → ${OUT.pathname}`);
