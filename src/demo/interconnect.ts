/**
 * `npm run demo -- interconnect`: an operator's gateway (ITA.OLA) and TIM's (ITA.TIM) on embedded
 * databases talk the interconnection wire over HTTP on 127.0.0.1. Driven through the REST API as
 * each side's systems would: a joint port + link activation (R2) to completion, a port activation
 * (R1) annulled 14 solar days after its order with its reimbursement, and a fault report closed as
 * an *intervento a vuoto*. Time is a manual clock so the 14 days pass at once.
 */
import { freePort } from '../net/free-port.js';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'undici';
import pino from 'pino';
import { createGateway, type Gateway } from '../gateway.js';
import { parseConfig } from '../config/load.js';
import { createPeerTransport } from '../delivery/peer-transport.js';
import { ManualClock } from '../domain/clock.js';
import { call, type Json } from './api.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const DAY = 86_400_000;

/** Reference-offer prices of the demo (illustrative, not TIM's). */
const TARIFFS = {
  portActivationFee: '1200.00',
  portMonthlyFee: '310.00',
  cacModuleMonthlyFee: '45.50',
  linkMonthlyFee: '620.00',
  linkAnnulmentCharge: '850.00',
  setupCost: '275.00',
};

interface Node {
  code: string;
  gw: Gateway;
  url: string;
  key: string;
}


async function startSide(code: string, peer: string, role: 'operator' | 'tim', port: number, peerPort: number, env: NodeJS.ProcessEnv, clock: ManualClock): Promise<Node> {
  const key = randomBytes(12).toString('hex');
  const envName = (c: string) => `DEMO_IC_TOKEN_${c.replace('.', '_')}`;
  const config = parseConfig(
    {
      self: { carrierCode: code, profiles: ['interconnect'], holidayRegion: 'IT' },
      apiKeys: [{ name: role, keySha256: sha(key), scopes: ['interconnect:read', 'interconnect:write', 'events:read'] }],
      peers: [{ carrierCode: peer, protocol: 'interconnect-json', url: `http://127.0.0.1:${peerPort}/interconnect/v1`, auth: { type: 'bearer', tokenEnv: envName(code) }, inboundTokenSha256: sha(env[envName(peer)]!) }],
      interconnect: { role, tariffs: TARIFFS },
    },
    'demo',
    env,
  );
  const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const gw = await createGateway({ config, inMemory: true, log, env, clock, transport: createPeerTransport(config, log, { env }), outboxPollMs: 100 });
  await gw.listen(port, '127.0.0.1');
  return { code, gw, url: `http://127.0.0.1:${port}`, key };
}


async function until(node: Node, path: string, state: string): Promise<Json> {
  for (const end = Date.now() + 15_000; ; ) {
    // the other gateway may not have the object yet: delivery is asynchronous
    const got = await call(node, 'GET', path).catch(() => undefined);
    if (got?.state === state) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${path} to be ${state} at ${node.code}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const arrow = (from: Node, to: Node, what: string, detail = '') => console.log(`  ${`${from.code} ──${what}──▶ ${to.code}`.padEnd(54)} ${detail}`);
const states = (op: Json, tim: Json) => console.log(`     operator: ${op.state}   TIM: ${tim.state}\n`);
const fees = (s: { items: { item: string; quantity?: number; amount: string; note?: string }[]; total: string }) => {
  for (const i of s.items) console.log(`       ${`${i.item}${i.quantity ? ` × ${i.quantity}` : ''}`.padEnd(34)} ${i.amount.padStart(10)} EUR${i.note ? `   (${i.note})` : ''}`);
  console.log(`       ${'total'.padEnd(34)} ${s.total.padStart(10)} EUR`);
};

const site = (name: string) => ({ name, address: 'Via Oriolo Romano 240', city: 'Roma' });

/** A month of calls spread over every hour (deterministic), some crossing a band boundary. */
function generatedMonth(month: string, calls: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const lines: string[] = [];
  for (let i = 0; i < calls; i++) {
    const day = 1 + (i % days);
    const minuteOfDay = (i * 37) % 1440;
    const hh = String(Math.floor(minuteOfDay / 60)).padStart(2, '0');
    const mm = String(minuteOfDay % 60).padStart(2, '0');
    const duration = 30 + ((i * 53) % 1200);
    lines.push(`call-${i},${month}-${String(day).padStart(2, '0')}T${hh}:${mm}:00+01:00,${duration}`);
  }
  return lines.join('\n') + '\n';
}

async function rateGeneratedMonth(node: Node): Promise<Json> {
  const res = await request(`${node.url}/v1/interconnect/traffic`, {
    method: 'POST',
    headers: { authorization: `Bearer ${node.key}`, 'content-type': 'text/csv' },
    body: generatedMonth('2026-11', 5_000),
  });
  const data = await res.body.json();
  if (res.statusCode >= 400) throw new Error(`POST /v1/interconnect/traffic → ${res.statusCode}: ${JSON.stringify(data)}`);
  return data;
}

export async function runInterconnectDemo(): Promise<void> {
  const [po, pt] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = { DEMO_IC_TOKEN_ITA_OLA: randomBytes(16).toString('hex'), DEMO_IC_TOKEN_ITA_TIM: randomBytes(16).toString('hex') };
  const clock = new ManualClock(new Date());
  console.log('switchgate demo: VoLTE-VoIP/IP interconnection — an operator and TIM on embedded databases, JSON over HTTP on 127.0.0.1\n');
  const op = await startSide('ITA.OLA', 'ITA.TIM', 'operator', po, pt, env, clock);
  const tim = await startSide('ITA.TIM', 'ITA.OLA', 'tim', pt, po, env, clock);
  console.log(`  ITA.OLA (operator)  ${op.url}`);
  console.log(`  ITA.TIM (TIM)       ${tim.url}\n`);
  try {
    console.log('1. The operator orders a joint port + link activation (R2) on PdI RM-INVIOLATELLA:');
    const r2 = await call(op, 'POST', '/v1/interconnect/requests', {
      type: 'joint-activation',
      counterpart: 'ITA.TIM',
      pdi: 'RM-INVIOLATELLA',
      timSite: site('TIM Roma Inviolatella'),
      operatorSite: site('OLA Roma DC1'),
      cacModules: 4,
      cacModulesBeyondDimensioning: 1,
      bgIpAddresses: ['192.0.2.10', '2001:db8:10::1'],
      directionality: 'bidirectional',
      codecs: ['AMR-WB', 'EVS', 'G.711'],
      linkSpeed: '10G',
    });
    arrow(op, tim, 'submit R2', `${r2.id}, 4 CAC modules (1 beyond TIM's dimensioning), 10G link`);
    await until(tim, `/v1/interconnect/requests/${r2.id}`, 'SUBMITTED');
    await call(tim, 'POST', `/v1/interconnect/requests/${r2.id}/progress`, {});
    arrow(tim, op, 'progress', 'IN_PROGRESS: link delivery, SBC configuration, end-to-end test');
    await until(op, `/v1/interconnect/requests/${r2.id}`, 'IN_PROGRESS');
    clock.advance(9 * DAY);
    const today = () => op.gw.interconnect!.settings.calendar.today(clock.now());
    const completionDate = today();
    await call(tim, 'POST', `/v1/interconnect/requests/${r2.id}/complete`, { completionDate, tds: { port: 'TD-PORT-880012', link: 'TD-LINK-440097' } });
    arrow(tim, op, 'complete', `positive test report ${completionDate}: port TD-PORT-880012, link TD-LINK-440097`);
    const r2done = await until(op, `/v1/interconnect/requests/${r2.id}`, 'COMPLETED');
    states(r2done, await call(tim, 'GET', `/v1/interconnect/requests/${r2.id}`));

    console.log('2. The operator orders a port on its internal exchange link (R1), then annuls it 14 solar days later:');
    const r1 = await call(op, 'POST', '/v1/interconnect/requests', {
      type: 'port-activation',
      counterpart: 'ITA.TIM',
      pdi: 'RM-INVIOLATELLA',
      timSite: site('TIM Roma Inviolatella'),
      operatorSite: site('OLA cage 4'),
      cacModules: 3,
      cacModulesBeyondDimensioning: 2,
      bgIpAddresses: ['192.0.2.20'],
      directionality: 'incoming',
      codecs: ['AMR-WB'],
      rdc: { td: 'RDC-7781', positions: ['A1-01', 'A1-02'] },
    });
    arrow(op, tim, 'submit R1', `${r1.id}, ordered ${r1.orderDate}, RdC RDC-7781`);
    await until(tim, `/v1/interconnect/requests/${r1.id}`, 'SUBMITTED');
    clock.advance(14 * DAY);
    const requestDate = today();
    const annulled = await call(op, 'POST', `/v1/interconnect/requests/${r1.id}/annulment`, { requestDate });
    arrow(op, tim, 'annul R1', `requested ${requestDate}, ${annulled.annulment.solarDays} solar days after the order: reimbursement`);
    fees(annulled.annulment.reimbursement);
    const r1tim = await until(tim, `/v1/interconnect/requests/${r1.id}`, 'ANNULLED');
    console.log(`     TIM computed ${r1tim.annulment.reimbursement.total} EUR from its own tariffs`);
    states(annulled, r1tim);

    console.log('3. The operator reports a fault; TIM finds the cause in the operator\'s network (outcome c):');
    const fault = await call(op, 'POST', '/v1/interconnect/faults', { counterpart: 'ITA.TIM', pdi: 'RM-INVIOLATELLA', accessId: r2.id, description: 'calls to TIM mobile fail with SIP 488' });
    arrow(op, tim, 'fault', `${fault.id}: calls to TIM mobile fail with SIP 488`);
    await until(tim, `/v1/interconnect/faults/${fault.id}`, 'OPEN');
    await call(tim, 'POST', `/v1/interconnect/faults/${fault.id}/diagnosis`, { diagnosis: 'the operator BG offers only G.729, not in the agreed codec list' });
    arrow(tim, op, 'diagnosis', 'the operator BG offers only G.729, not in the agreed codec list');
    const closed = await call(tim, 'POST', `/v1/interconnect/faults/${fault.id}/close`, { outcome: 'c' });
    arrow(tim, op, 'close', `outcome ${closed.outcome}: intervento a vuoto, ${closed.charge} EUR`);
    const seen = await until(op, `/v1/interconnect/faults/${fault.id}`, 'CLOSED');
    console.log(`     operator sees: outcome ${seen.outcome}, interventoAVuoto=${seen.interventoAVuoto}, charge ${seen.charge} EUR\n`);

    console.log('4. A month of generated call records, rated by time band at the operator (POST /v1/interconnect/traffic, text/csv):');
    const rated = await rateGeneratedMonth(op);
    for (const m of rated.months) {
      for (const [band, v] of Object.entries(m.bands as Record<string, { seconds: number; calls: number }>)) {
        console.log(`       ${m.month}  ${band.padEnd(10)} ${String(v.calls).padStart(6)} calls ${String(v.seconds).padStart(10)} s`);
      }
    }
    console.log(`     ${rated.calls} calls rated; a call across a band boundary counts in both bands, its seconds split at the boundary\n`);

    const feed = await call(op, 'GET', '/v1/events?limit=1000');
    console.log(`Done. The operator's event feed holds ${feed.items.length} events; every message is kept both ways with its wire form.`);
  } finally {
    await tim.gw.close();
    await op.gw.close();
  }
}
