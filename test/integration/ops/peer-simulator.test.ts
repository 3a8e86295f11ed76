/**
 * `switchgate simulate peer` from the CRM side: a gateway (EKPA) talks real SOAP on 127.0.0.1 to
 * the simulator (EKPB), whose behaviour is chosen per number and per case.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { request } from 'undici';
import { eventually as eventuallyWithin, freePort } from '../../support/http-pair.js';
import { peerToken, startWireNode, type WireNode } from '../../support/wire-stubs.js';
import { API_KEY, silentLog } from '../../support/gateway-pair.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { startPeerSimulator, type PeerSimulator } from '../../../src/peer-simulator/simulator.js';
import { parseChangeBehaviour, parseVaBehaviour, numberKey, type VaBehaviour } from '../../../src/peer-simulator/behaviours.js';

// whole gateways on a shared two-core machine: generous, never a timing assertion
vi.setConfig({ testTimeout: 120_000 });
const eventually = <T>(check: () => Promise<T>) => eventuallyWithin(check, 60_000, 50);

const AUF = 'DEU.EKPA';
const ABG = 'DEU.EKPB';

const va = (number: string, requestedDate = '2026-12-15') => ({
  procedure: 'wbci',
  type: 'VA-KUE-MRN',
  donating: ABG,
  requestedDate,
  customer: { kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: 'Muster' },
  location: { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' },
  numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number }] },
});

async function call(node: WireNode, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await request(node.url + path, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.statusCode, data: (await res.body.json()) as any };
}

const b = (text: string): VaBehaviour => {
  const parsed = parseVaBehaviour(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
};

describe('simulate peer, from the CRM side', () => {
  let crm: WireNode;
  let sim: PeerSimulator;
  let clock: ManualClock;

  beforeAll(async () => {
    const portA = await freePort();
    // both operators agree on today; the timers of accept-after still run on real time
    clock = new ManualClock('2026-11-23T09:00:00+01:00');
    sim = await startPeerSimulator({
      clock,
      self: ABG,
      partner: { carrierCode: AUF, url: `http://127.0.0.1:${portA}/wbci/v1`, token: peerToken(ABG, AUF), inboundToken: peerToken(AUF, ABG) },
      behaviours: {
        default: b('accept'),
        byCase: new Map(),
        byNumber: new Map([
          [numberKey('089 2222222'), b('reject:8117')],
          [numberKey('0893333333'), b('silent')],
          [numberKey('089 4444444'), b('twice')],
          [numberKey('089 5555555'), b('reject-akm-tr:8121')],
        ]),
        changes: { kind: 'accept' },
      },
      log: silentLog(),
    });
    crm = await startWireNode(AUF, [{ carrierCode: ABG, url: sim.wbciUrl }], { port: portA, inMemory: true, clock });
  });
  afterAll(async () => {
    await crm?.gw.close();
    await sim?.close();
  });

  const start = async (number: string) => {
    const created = await call(crm, 'POST', '/v1/switches', va(number));
    expect(created.status, JSON.stringify(created.data)).toBe(201);
    return created.data.id as string;
  };
  const stateOf = async (id: string) => (await call(crm, 'GET', `/v1/switches/${id}`)).data.state as string;
  const timeline = async (id: string) =>
    ((await call(crm, 'GET', `/v1/switches/${id}/messages`)).data.items as { direction: string; type: string }[]).map((m) => `${m.direction}:${m.type}`);

  it('accepts, rejects with the scripted code, and stays silent — chosen per number', async () => {
    const accepted = await start('1111111');
    const rejected = await start('2222222');
    const silent = await start('3333333');
    await eventually(async () => expect(await stateOf(accepted)).toBe('AGREED'));
    await eventually(async () => expect(await stateOf(rejected)).toBe('REJECTED'));
    const abbm = (await call(crm, 'GET', `/v1/switches/${rejected}/messages`)).data.items.find((m: { type: string }) => m.type === 'ABBM');
    expect(JSON.stringify(abbm.body)).toContain('8117');
    // silence: the simulator has the VA and did nothing with it
    await eventually(async () => expect(sim.actions).toContainEqual({ caseId: silent, action: 'none', behaviour: 'silent', ok: true }));
    expect(await stateOf(silent)).toBe('AWAITING_ANSWER');
    expect(await timeline(silent)).toEqual(['out:VA-KUE-MRN']);
  });

  it('answers twice (the second is a duplicate to the CRM side) and rejects an AKM-TR', async () => {
    const dup = await start('4444444');
    await eventually(async () => expect(await stateOf(dup)).toBe('AGREED'));
    await eventually(async () => {
      const again = await (await request(`${crm.url}/metrics`)).body.text();
      expect(again).toMatch(/switchgate_inbound_messages_total\{peer="DEU.EKPB",type="RUEM-VA",outcome="duplicate"\} 1/);
    });
    expect(await timeline(dup)).toEqual(['out:VA-KUE-MRN', 'in:RUEM-VA']);

    const akm = await start('5555555');
    await eventually(async () => expect(await stateOf(akm)).toBe('AGREED'));
    const tr = await call(crm, 'POST', `/v1/switches/${akm}/resource-handover`, { takeOver: true, lines: [{ contractNumber: '1234567890' }] });
    expect(tr.status).toBe(202);
    await eventually(async () => expect(await timeline(akm)).toEqual(['out:VA-KUE-MRN', 'in:RUEM-VA', 'out:AKM-TR', 'in:ABBM-TR']));
  });

  it('answers a TVS-VA with the change behaviour', async () => {
    const id = await start('6666666');
    await eventually(async () => expect(await stateOf(id)).toBe('AGREED'));
    const tvs = await call(crm, 'POST', `/v1/switches/${id}/reschedule`, { requestedDate: '2026-12-22' });
    expect(tvs.status).toBe(202);
    await eventually(async () => expect((await timeline(id)).slice(-2)).toEqual(['out:TVS-VA', 'in:ERLM']));
  });

  // last: it moves the shared clock past an answer deadline
  it('leaves a silent case unanswered until the CRM side\'s answer deadline is overdue', async () => {
    const silent = await start('3333333');
    await eventually(async () => expect(sim.actions).toContainEqual({ caseId: silent, action: 'none', behaviour: 'silent', ok: true }));
    const due = ((await call(crm, 'GET', `/v1/switches/${silent}`)).data.deadlines as { name: string; dueAt: string }[]).find((d) => d.name === 'answer')!;
    clock.set(new Date(Date.parse(due.dueAt) + 60_000));
    expect(await crm.gw.tick()).toBeGreaterThan(0);
    const late = (await call(crm, 'GET', `/v1/switches/${silent}`)).data;
    expect(late.state).toBe('AWAITING_ANSWER');
    expect(late.deadlines.find((d: { name: string }) => d.name === 'answer').overdue).toBe(true);
    expect(await timeline(silent)).toEqual(['out:VA-KUE-MRN']);
  });
});

describe('behaviour texts', () => {
  it('parse what the README documents and explain what they refuse', () => {
    expect(parseVaBehaviour('reject')).toEqual({ kind: 'reject', code: '8117' });
    expect(parseVaBehaviour('reject:8103')).toEqual({ kind: 'reject', code: '8103' });
    expect(parseVaBehaviour('accept-after:5')).toEqual({ kind: 'accept-after', seconds: 5 });
    expect(parseVaBehaviour('reject-akm-tr')).toEqual({ kind: 'reject-akm-tr', code: '8121' });
    expect(parseVaBehaviour('accept-after')).toMatch(/needs seconds/);
    expect(parseVaBehaviour('maybe')).toMatch(/unknown behaviour/);
    expect(parseChangeBehaviour('twice')).toMatch(/a change is answered with/);
    expect(numberKey('+49 89 1234567')).toBe('891234567');
    expect(numberKey('089/1234567')).toBe('891234567');
  });
});
