/**
 * The operator's and TIM's gateways over real HTTP, on PGlite and PostgreSQL: R1–R5 and the
 * further-CAC-module order through their lifecycles, annulment with its reimbursement, cessation
 * with its fees, a fault closed as intervento a vuoto, a PVV/PQR project to completion.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { http } from '../support/http-pair.js';
import { eventually } from '../support/http-pair.js';
import { icGet, startInterconnectPair, TIM, untilState, type InterconnectPair } from '../support/interconnect-pair.js';

const DAY = 86_400_000;
const site = (name: string) => ({ name, address: 'Via Roma 1', city: 'Roma' });

export const r2Body = (ips = ['192.0.2.10', '2001:db8::10']) => ({
  type: 'joint-activation',
  counterpart: TIM,
  pdi: 'PDI-RM-01',
  timSite: site('TIM Roma Inviolatella'),
  operatorSite: site('OLA Roma DC'),
  cacModules: 4,
  cacModulesBeyondDimensioning: 1,
  bgIpAddresses: ips,
  directionality: 'bidirectional',
  codecs: ['AMR-WB', 'G.711'],
  linkSpeed: '10G',
});

export const r1Body = (ips = ['192.0.2.20']) => ({
  type: 'port-activation',
  counterpart: TIM,
  pdi: 'PDI-RM-01',
  timSite: site('TIM Roma Inviolatella'),
  operatorSite: site('OLA cage 4'),
  cacModules: 3,
  cacModulesBeyondDimensioning: 2,
  bgIpAddresses: ips,
  directionality: 'incoming',
  codecs: ['EVS'],
  rdc: { td: 'RDC-7781', positions: ['A1-01', 'A1-02'] },
});

describeEachBackend('interconnect: operator and TIM over HTTP', ({ open }) => {
  let pair: InterconnectPair;
  afterEach(async () => {
    await pair?.close();
  });

  it('R2 is submitted, progressed and completed with the port and link TDs on both sides', async () => {
    pair = await startInterconnectPair(open, open);
    const created = await http(pair.op, 'POST', '/v1/interconnect/requests', r2Body());
    expect(created.status, created.text).toBe(201);
    expect(created.data).toMatchObject({ type: 'joint-activation', role: 'operator', state: 'SUBMITTED', orderDate: '2026-12-01', counterpart: TIM });
    const id = created.data.id as string;
    const atTim = await untilState(pair.tim, `requests/${id}`, 'SUBMITTED');
    expect(atTim).toMatchObject({ role: 'tim', counterpart: 'ITA.OLA', data: { linkSpeed: '10G', cacModules: 4 } });

    expect((await http(pair.tim, 'POST', `/v1/interconnect/requests/${id}/progress`, {})).status).toBe(200);
    await untilState(pair.op, `requests/${id}`, 'IN_PROGRESS');
    pair.clock.advance(9 * DAY);
    const done = await http(pair.tim, 'POST', `/v1/interconnect/requests/${id}/complete`, { completionDate: '2026-12-09', tds: { port: 'TD-P-0001', link: 'TD-L-0001' } });
    expect(done.status, done.text).toBe(200);
    const atOp = await untilState(pair.op, `requests/${id}`, 'COMPLETED');
    expect(atOp.completion).toEqual({ completionDate: '2026-12-09', tds: { port: 'TD-P-0001', link: 'TD-L-0001' } });
    const list = await icGet(pair.op, 'requests?state=COMPLETED');
    expect(list.items.map((i: { id: string }) => i.id)).toEqual([id]);
  });
});
