/**
 * One Vorabstimmung played between two gateways over real HTTP on 127.0.0.1 (production
 * PeerTransport, background outbox workers, PostgreSQL): DEU.EKPA is the recipient (EKPauf),
 * DEU.EKPB the donating carrier (EKPabg). Each step is one REST call on one side; `settled` then
 * waits until both sides show the expected case and timeline AND agree with each other on every
 * field the two sides share (state, dates, open change, successor links).
 */
import { expect } from 'vitest';
import { createTestDatabase, type TestDatabase } from './backends.js';
import { eventually, freePort, http } from './http-pair.js';
import { startProxy, startWireNode, type Proxy, type WireNode } from './wire-stubs.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { GatewayConfig } from '../../src/config/types.js';
import { makeTestCert, tempDir, type TestCert } from './ws-security.js';

export const AUF = 'DEU.EKPA';
export const ABG = 'DEU.EKPB';
// Monday 23 Nov 2026, 09:00 in Munich; every date below is a working day followed by one
export const START = '2026-11-23T09:00:00+01:00';
export const KWT = '2026-12-15';
export const NAT_DATE = '2026-12-17';
export const TV_DATE = '2026-12-22';

export type Side = 'a' | 'b';
export type Json = Record<string, unknown>;
export type Res = Awaited<ReturnType<typeof http>>;

export interface Expected {
  state: string;
  switchDate: string | null;
  openChange: Json | null;
}

let customerSeq = 0;
export const customer = () => ({ kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: `Wire${++customerSeq}` });
export const location = { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' };
export const numbers = { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] };

export function vaBody(type: 'VA-KUE-MRN' | 'VA-KUE-ORN' | 'VA-RRNP', extra: Json = {}): Json {
  const base = { procedure: 'wbci', type, donating: ABG, requestedDate: KWT, customer: customer() };
  if (type === 'VA-KUE-MRN') return { ...base, location, numbers, ...extra };
  if (type === 'VA-KUE-ORN') return { ...base, location, lineIdentification: { areaCode: '89', number: '7654321' }, ...extra };
  return { ...base, numbers, pkiAuf: 'D001', ...extra };
}
export const acceptKue = (extra: Json = {}) => ({ result: 'accept', code: 'ZWA', switchDate: KWT, technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D123', ...extra });
export const acceptOrn = { result: 'accept', code: 'ZWA', switchDate: KWT, technology: '001', resources: [{ contractNumber: '1234567890' }] };
export const acceptRrnp = { result: 'accept', code: 'ZWA', switchDate: KWT, pkiAbg: 'D123' };
export const akmTr = { takeOver: true, lines: [{ contractNumber: '1234567890' }] };

export const AWAITING: Expected = { state: 'AWAITING_ANSWER', switchDate: null, openChange: null };
export const agreed = (switchDate = KWT): Expected => ({ state: 'AGREED', switchDate, openChange: null });
export const trNotified = (switchDate = KWT): Expected => ({ state: 'TR_NOTIFIED', switchDate, openChange: null });

export interface Pair {
  a: WireNode;
  b: WireNode;
  /** in front of B: A's deliveries to B pass through it */
  toB: Proxy;
  /** in front of A, likewise */
  toA: Proxy;
  clock: ManualClock;
  /** the signing certificates, when the gateways sign and pin each other (SOAP) */
  certs?: { a: TestCert; b: TestCert };
  close(): Promise<void>;
}

/**
 * One Vorabstimmung played from both REST APIs over HTTP, with the timeline each side must show
 * once delivery has settled.
 */
export class Play {
  id = '';
  readonly timeline: Record<Side, string[]> = { a: [], b: [] };
  now: Expected = AWAITING;

  constructor(private readonly pair: Pair) {}

  node(side: Side): WireNode {
    return side === 'a' ? this.pair.a : this.pair.b;
  }

  async start(body: Json): Promise<this> {
    const res = await http(this.pair.a, 'POST', '/v1/switches', body);
    expect(res.status, res.text).toBe(201);
    this.id = res.data.id as string;
    expect(this.id).toMatch(/^DEU\.EKPA\.V[0-9A-Z]{9}$/);
    this.sent('a', body.type as string);
    await this.settled(AWAITING);
    return this;
  }

  /** `by` sends `type` (one REST call, 202); afterwards both sides show `then`. */
  async step(by: Side, type: string, call: (id: string, openChangeId: string | undefined) => Promise<Res>, then: Expected): Promise<Res> {
    const openId = (await this.view(by)).openChange?.id as string | undefined;
    const res = await call(this.id, openId);
    expect(res.status, res.text).toBe(202);
    expect((res.data.case as Json).state).toBe(then.state);
    this.sent(by, type);
    await this.settled(then);
    return res;
  }

  /** A REST call the gateway refuses itself: nothing goes out, nothing changes on either side. */
  async refused(by: Side, call: (id: string) => Promise<Res>, status: number, code: string): Promise<void> {
    const res = await call(this.id);
    expect(res.status, res.text).toBe(status);
    expect(res.data.code).toBe(code);
    await this.settled(this.now);
  }

  sent(by: Side, type: string, receiverStatus = 'accepted'): void {
    this.timeline[by].push(`out ${type} delivered`);
    this.timeline[by === 'a' ? 'b' : 'a'].push(`in ${type} ${receiverStatus}`);
  }

  async settled(e: Expected): Promise<void> {
    this.now = e;
    await eventually(async () => {
      await this.check('a', e);
      await this.check('b', e);
      await this.sameOnBothSides();
    }, 10_000);
  }

  /** The two gateways never disagree about a case: every field both sides keep must be equal. */
  async sameOnBothSides(): Promise<void> {
    const [a, b] = [await this.view('a'), await this.view('b')];
    expect(sharedFields(b), `both sides of ${this.id}`).toEqual(sharedFields(a));
  }

  async view(side: Side): Promise<Json & { openChange: Json | null; deadlines: { name: string }[] }> {
    const res = await http(this.node(side), 'GET', `/v1/switches/${this.id}`);
    expect(res.status, res.text).toBe(200);
    return res.data;
  }

  async messages(side: Side): Promise<(Json & { body: Json & { positions?: Json[] } })[]> {
    const res = await http(this.node(side), 'GET', `/v1/switches/${this.id}/messages?raw=true`);
    expect(res.status, res.text).toBe(200);
    return res.data.items;
  }

  async check(side: Side, e: Expected): Promise<void> {
    const v = await this.view(side);
    expect({ side, state: v.state, switchDate: v.switchDate, role: v.role, peer: v.peer }).toEqual({
      side,
      state: e.state,
      switchDate: e.switchDate,
      role: side === 'a' ? 'recipient' : 'donating',
      peer: side === 'a' ? ABG : AUF,
    });
    if (e.openChange === null) expect(v.openChange, `${side}: openChange`).toBeNull();
    else expect(v.openChange, `${side}: openChange`).toMatchObject(e.openChange);
    const msgs = await this.messages(side);
    expect(msgs.map((m) => `${m.direction} ${m.type} ${m.status}`), `${side}: timeline`).toEqual(this.timeline[side]);
  }
}


export async function startPair(
  protocol: 'wbci-soap' | 'wbci-json',
  databases: TestDatabase[],
  config: { a?: Partial<GatewayConfig>; b?: Partial<GatewayConfig> } = {},
): Promise<Pair> {
  const clock = new ManualClock(START);
  const [dbA, dbB] = [await createTestDatabase(), await createTestDatabase()];
  databases.push(dbA, dbB);
  const path = protocol === 'wbci-json' ? '/wbci/v1/json' : '/wbci/v1';
  const retryPolicy = { maxAttempts: 1_000, baseMs: 20, capMs: 150 };
  // over SOAP both gateways sign with WS-Security and pin each other's certificate (required)
  const certDir = tempDir();
  const certs =
    protocol === 'wbci-soap'
      ? {
          a: makeTestCert(certDir.path, 'ekpa', '/C=DE/O=EKPA Test Carrier (fictitious)/CN=wbci.ekpa.test'),
          b: makeTestCert(certDir.path, 'ekpb', '/C=DE/O=EKPB Test Carrier (fictitious)/CN=wbci.ekpb.test'),
        }
      : undefined;
  const signing = (self: string, own: TestCert | undefined, extra: Partial<GatewayConfig> | undefined): Partial<GatewayConfig> | undefined =>
    own ? { self: { carrierCode: self, profiles: ['wbci'], holidayRegion: 'DE-BY', wsSecurity: { keyFile: own.keyFile, certFile: own.certFile } }, ...extra } : extra;
  const pin = (peer: TestCert | undefined) => (peer ? { wsSecurity: { certFile: peer.certFile, required: true } } : {});
  // each gateway must know the other's port before it listens: a port found free may be taken by
  // another process meanwhile, so a pair that cannot listen is started again on new ports
  for (let attempt = 1; ; attempt++) {
    const [portA, portB] = [await freePort(), await freePort()];
    const toB = await startProxy(`http://127.0.0.1:${portB}`);
    const toA = await startProxy(`http://127.0.0.1:${portA}`);
    let b: WireNode | undefined;
    try {
      b = await startWireNode(ABG, [{ carrierCode: AUF, url: `${toA.url}${path}`, protocol, ...pin(certs?.a) }], {
        databaseUrl: dbB.url,
        clock,
        retryPolicy,
        port: portB,
        configOverrides: signing(ABG, certs?.b, config.b),
      });
      const a = await startWireNode(AUF, [{ carrierCode: ABG, url: `${toB.url}${path}`, protocol, ...pin(certs?.b) }], {
        databaseUrl: dbA.url,
        clock,
        retryPolicy,
        port: portA,
        configOverrides: signing(AUF, certs?.a, config.a),
      });
      const nodeB = b;
      return {
        a,
        b: nodeB,
        toB,
        toA,
        clock,
        certs,
        async close() {
          await a.gw.close();
          await nodeB.gw.close();
          await toB.close();
          await toA.close();
          certDir.remove();
        },
      };
    } catch (err) {
      await b?.gw.close();
      await toB.close();
      await toA.close();
      if (attempt >= 3 || (err as { code?: string }).code !== 'EADDRINUSE') {
        certDir.remove();
        throw err;
      }
    }
  }
}

/** What the recipient's and the donating gateway both know of a case (not role, peer, deadlines). */
export function sharedFields(v: Json): Json {
  const change = v.openChange as Json | null;
  return {
    id: v.id,
    type: v.type,
    state: v.state,
    requestedDate: v.requestedDate,
    switchDate: v.switchDate,
    openChange: change && { kind: change.kind, id: change.id, from: change.from, requestedDate: change.requestedDate ?? null },
    replaces: v.replaces ?? null,
    replacedBy: v.replacedBy ?? null,
  };
}
