/**
 * `npm run demo`: two operators (DEU.EKPA gaining, DEU.EKPB losing) on embedded databases talk
 * WBCI SOAP over HTTP on 127.0.0.1 and carry out one complete VA-KUE-MRN with a reschedule
 * (TVS-VA) and the resource handover (AKM-TR); then the gaining gateway orders the switch from
 * the wholesale simulator (phase 3), which verifies it with the losing gateway and completes it.
 * Each step is driven through the REST API, as a CRM would, and the message flow is printed.
 * Part 6 sends three more VAs to a partner played by `switchgate simulate peer` (DEU.EKPC), which
 * accepts, rejects and ignores them by script (src/demo/scripted-partner.ts).
 */
import { freePort } from './net/free-port.js';
import { createHash, randomBytes } from 'node:crypto';
import pino from 'pino';
import { createGateway, type Gateway } from './gateway.js';
import { parseConfig } from './config/load.js';
import { createPeerTransport } from './delivery/peer-transport.js';
import { createCalendar } from './domain/calendar.js';
import { firstKueKwtOnOrAfter } from './protocols/wbci/deadlines.js';
import { startWholesaleSimulator, type WholesaleSimulator } from './wholesale/simulator.js';
import { orderNumbersAsNational } from './wholesale/order.js';
import type { Clock } from './domain/clock.js';
import { numberKey, parseVaBehaviour, type VaBehaviour } from './peer-simulator/behaviours.js';
import { startPeerSimulator } from './peer-simulator/simulator.js';
import { MovableClock, runScriptedPartnerPart } from './demo/scripted-partner.js';
import { call } from './demo/api.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');


interface Node {
  name: string;
  code: string;
  gw: Gateway;
  url: string;
  key: string;
}

async function startOperator(
  code: string,
  peers: { code: string; port: number }[],
  port: number,
  env: NodeJS.ProcessEnv,
  wholesaleUrl: string,
  clock?: Clock,
): Promise<Node> {
  const key = randomBytes(12).toString('hex');
  const tokenEnv = `DEMO_TOKEN_${code.replace('.', '_')}`;
  const config = parseConfig(
    {
      self: { carrierCode: code, profiles: ['wbci'], holidayRegion: 'DE-BY' },
      apiKeys: [{ name: 'crm', keySha256: sha(key), scopes: ['switches:write', 'switches:read', 'events:read'] }],
      peers: peers.map((peer) => ({
        carrierCode: peer.code,
        protocol: 'wbci-soap',
        url: `http://127.0.0.1:${peer.port}/wbci/v1`,
        auth: { type: 'bearer', tokenEnv },
        inboundTokenSha256: sha(env[`DEMO_TOKEN_${peer.code.replace('.', '_')}`]!),
      })),
      wholesale: {
        url: wholesaleUrl,
        protocol: 'rest',
        placeOrders: 'auto',
        auth: { type: 'bearer', tokenEnv: 'DEMO_WHOLESALE_TOKEN' },
        inboundTokenSha256: sha(env[`DEMO_SIM_TOKEN_${code.replace('.', '_')}`]!),
      },
      // The demo cannot wait the 3 working days in which an AKM-TR may still be rejected: here it
      // counts as accepted at once, so the order goes out right after the AKM-TR.
      deadlines: { wbci: { akmTrRejectionTimeoutWorkingDays: 0 } },
    },
    'demo',
    env,
  );
  const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const gw = await createGateway({
    config,
    inMemory: true,
    log,
    env,
    clock,
    transport: createPeerTransport(config, log, { env }),
    outboxPollMs: 100,
  });
  await gw.listen(port, '127.0.0.1');
  return { name: code, code, gw, url: `http://127.0.0.1:${port}`, key };
}

/** The parts of the API's answers the demo prints. */
interface CaseView {
  id: string;
  state: string;
  switchDate: string | null;
  openChange: { kind: string; id: string } | null;
  wholesaleOrder: { state: string; dac: string | null } | null;
}
interface MessageView {
  messageId: string;
  type: string;
  direction: 'in' | 'out';
  status: string;
  peer: string;
  body: {
    type?: string;
    vaId?: string;
    changeId?: string;
    stornoId?: string;
    requestedDate?: string;
    switchDate?: string;
    positions?: { code: string }[];
    takeOver?: boolean;
    safeHarbour?: boolean;
  };
}
interface FeedEvent {
  type: string;
  caseId: string | null;
  at: string;
  data: Record<string, string | undefined>;
}
type Items<T> = { items: T[] };

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const seen = new Set<string>();

/** Prints every delivered message of the case once, as an arrow between the two operators. */
async function printFlow(from: Node, to: Node, id: string, expectDelivered: number): Promise<void> {
  const items = await until(`${expectDelivered} delivered messages`, async () => {
    const { items } = await call<Items<MessageView>>(from, 'GET', `/v1/switches/${encodeURIComponent(id)}/messages`);
    const out = items.filter((m) => m.direction === 'out' && m.peer !== 'wholesale');
    return out.length >= expectDelivered && out.every((m) => m.status === 'delivered') ? out : undefined;
  });
  for (const m of items) {
    if (seen.has(m.messageId)) continue;
    seen.add(m.messageId);
    const b = m.body;
    const detail = [
      b.vaId && `VA-ID ${b.vaId}`,
      b.changeId && `T-ID ${b.changeId}`,
      b.stornoId && `S-ID ${b.stornoId}`,
      b.requestedDate && `date ${b.requestedDate}`,
      b.switchDate && `Wechseltermin ${b.switchDate}`,
      b.positions && `codes ${b.positions.map((p) => p.code).join('+')}`,
      b.type === 'AKM-TR' && `takeOver=${b.takeOver} safeHarbour=${b.safeHarbour}`,
    ]
      .filter(Boolean)
      .join(', ');
    const arrow = from.code === 'DEU.EKPA' ? `${from.code} ──${m.type}──▶ ${to.code}` : `${to.code} ◀──${m.type}── ${from.code}`;
    console.log(`  ${arrow.padEnd(42)} ${detail}   [TEQ OK]`);
  }
}

async function state(node: Node, id: string): Promise<string> {
  const c = await call<CaseView>(node, 'GET', `/v1/switches/${encodeURIComponent(id)}`);
  return `${c.state}${c.switchDate ? ` (Wechseltermin ${c.switchDate})` : ''}${c.openChange ? `, open ${c.openChange.kind} ${c.openChange.id}` : ''}`;
}

/** Phase 3 as the two gateways recorded it: the order, the provider's callbacks, the verification. */
async function printPhase3(a: Node, b: Node, sim: WholesaleSimulator, id: string): Promise<string> {
  const order = await until(
    'the end of the wholesale order',
    async () => {
      const o = (await call<CaseView>(a, 'GET', `/v1/switches/${id}`)).wholesaleOrder;
      return o && ['completed', 'failed', 'rejected', 'cancelled'].includes(o.state) ? o : undefined;
    },
    30_000,
  );
  const events = [
    ...(await call<Items<FeedEvent>>(a, 'GET', '/v1/events?limit=1000')).items.filter((e) => e.caseId === id && e.type.startsWith('wholesale.')),
    ...(await call<Items<FeedEvent>>(b, 'GET', '/v1/events?limit=1000')).items.filter((e) => e.caseId === id && e.type === 'wholesale.verification-answered'),
  ].sort((x, y) => x.at.localeCompare(y.at));
  const simOrder = sim.order(id);
  for (const e of events) {
    const d = e.data;
    const line = (arrow: string, detail: string) => console.log(`  ${arrow.padEnd(48)} ${detail}`);
    switch (e.type) {
      case 'wholesale.order-queued':
        line('DEU.EKPA ──POST /productOrder──▶ wholesale', `${d.orderType} (${d.orderTypeBasis}), requested ${d.requestedCompletionDate}`);
        break;
      case 'wholesale.verification-answered':
        line('wholesale ──verification──▶ DEU.EKPB', `${id} ${orderNumbersAsNational(simOrder?.body.numbers).join(' ')} → ${d.result}${d.code ? ` ${d.code}` : ''}`);
        break;
      default:
        line(`DEU.EKPA ◀──${e.type.slice('wholesale.'.length)}── wholesale`, [d.providerOrderId && `order ${d.providerOrderId}`, d.dac && `DAC ${d.dac}`, d.code && `code ${d.code}`].filter(Boolean).join(', '));
    }
  }
  return `wholesale order ${order.state}${order.dac ? ` (DAC ${order.dac})` : ''}`;
}

export interface DemoOptions {
  procedure: 'wbci' | 'agcom' | 'interconnect';
  /** leave the gateways running afterwards (until SIGINT/SIGTERM) */
  keep: boolean;
}

export async function runDemo(opts: DemoOptions = { procedure: 'wbci', keep: false }): Promise<void> {
  switch (opts.procedure) {
    case 'wbci':
      return runWbciDemo(opts.keep);
    case 'agcom': {
      const { runAgcomDemo } = await import('./demo/agcom.js');
      return runAgcomDemo(opts.keep);
    }
    case 'interconnect': {
      if (opts.keep) throw new Error('--keep is not available for the interconnect demo (it runs on a manual clock)');
      const { runInterconnectDemo } = await import('./demo/interconnect.js');
      return runInterconnectDemo();
    }
  }
}

/** Keeps the demo's gateways up until the user stops them, then closes them. */
async function keepRunning(nodes: Node[], close: () => Promise<void>): Promise<void> {
  console.log('\nThe gateways keep running (--keep); Ctrl-C stops them:');
  for (const n of nodes) {
    console.log(`  ${n.name.padEnd(10)} ${n.url}   console ${n.url}/console   API key ${n.key}   (OpenAPI ${n.url}/docs)`);
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await close();
}

async function runWbciDemo(keep: boolean): Promise<void> {
  const [pa, pb, pc] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    DEMO_TOKEN_DEU_EKPA: randomBytes(16).toString('hex'),
    DEMO_TOKEN_DEU_EKPB: randomBytes(16).toString('hex'),
    DEMO_TOKEN_DEU_EKPC: randomBytes(16).toString('hex'),
    DEMO_WHOLESALE_TOKEN: randomBytes(16).toString('hex'),
    DEMO_SIM_TOKEN_DEU_EKPA: randomBytes(16).toString('hex'),
    DEMO_SIM_TOKEN_DEU_EKPB: randomBytes(16).toString('hex'),
  };
  console.log('switchgate demo: two operators on embedded databases, WBCI v2 SOAP over HTTP on 127.0.0.1, and a wholesale simulator\n');
  const gw = (port: number) => `http://127.0.0.1:${port}`;
  const sim = await startWholesaleSimulator({
    carriers: {
      'DEU.EKPA': { notificationUrl: `${gw(pa)}/wholesale/v1/notifications`, verificationUrl: `${gw(pa)}/wholesale/v1/verifications`, token: env.DEMO_SIM_TOKEN_DEU_EKPA! },
      'DEU.EKPB': { notificationUrl: `${gw(pb)}/wholesale/v1/notifications`, verificationUrl: `${gw(pb)}/wholesale/v1/verifications`, token: env.DEMO_SIM_TOKEN_DEU_EKPB! },
    },
    inboundTokens: [env.DEMO_WHOLESALE_TOKEN!],
    timings: { ackMs: 100, stepMs: 200, delayMs: 1_000 },
  });
  // DEU.EKPA's clock is the system clock, which part 6 moves forward to let a deadline pass
  const clockA = new MovableClock();
  const a = await startOperator('DEU.EKPA', [{ code: 'DEU.EKPB', port: pb }, { code: 'DEU.EKPC', port: pc }], pa, env, sim.restUrl, clockA);
  const b = await startOperator('DEU.EKPB', [{ code: 'DEU.EKPA', port: pa }], pb, env, sim.restUrl);
  const script = (text: string): VaBehaviour => parseVaBehaviour(text) as VaBehaviour;
  const partner = await startPeerSimulator({
    self: 'DEU.EKPC',
    port: pc,
    partner: { carrierCode: 'DEU.EKPA', url: `${a.url}/wbci/v1`, token: env.DEMO_TOKEN_DEU_EKPC, inboundToken: env.DEMO_TOKEN_DEU_EKPA },
    behaviours: {
      default: script('accept'),
      byCase: new Map(),
      byNumber: new Map([
        [numberKey('089 2222222'), script('reject:8117')],
        [numberKey('089 3333333'), script('silent')],
      ]),
      changes: { kind: 'accept' },
    },
    log: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
  });
  console.log(`  DEU.EKPA (gaining, EKPauf)  ${a.url}`);
  console.log(`  DEU.EKPB (losing,  EKPabg)  ${b.url}`);
  console.log(`  wholesale provider (sim.)   ${sim.url}  (REST; SOAP at ${sim.soapUrl})`);
  console.log(`  DEU.EKPC (simulate peer)    ${partner.url}  (scripted partner, part 6)\n`);
  const close = async () => {
    await a.gw.close();
    await b.gw.close();
    await partner.close();
    await sim.close();
  };
  try {
    const cal = createCalendar({ country: 'DE', region: 'BY' });
    const today = cal.today(new Date());
    const kwt = firstKueKwtOnOrAfter(cal, cal.addWorkingDays(today, 12));
    const later = firstKueKwtOnOrAfter(cal, cal.addWorkingDays(kwt, 5));

    console.log('1. The gaining operator\'s CRM starts a switch (VA-KUE-MRN):');
    const created = await call<CaseView>(a, 'POST', '/v1/switches', {
      procedure: 'wbci',
      type: 'VA-KUE-MRN',
      donating: 'DEU.EKPB',
      requestedDate: kwt,
      customer: { kind: 'person', salutation: 'Frau', firstName: 'Erika', lastName: 'Mustermann' },
      location: { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' },
      numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] },
    });
    const id = created.id;
    await printFlow(a, b, id, 1);
    await until('the case at DEU.EKPB', async () => (await call<Items<CaseView>>(b, 'GET', '/v1/switches?role=donating')).items.find((c) => c.id === id));
    console.log(`     DEU.EKPA: ${await state(a, id)}   DEU.EKPB: ${await state(b, id)}\n`);

    console.log('2. The losing operator\'s CRM agrees (RUEM-VA, ZWA):');
    await call(b, 'POST', `/v1/switches/${id}/answer`, {
      result: 'accept',
      code: 'ZWA',
      switchDate: kwt,
      technology: '001',
      resources: [{ contractNumber: '1234567890' }],
      pkiAbg: 'D123',
    });
    await printFlow(b, a, id, 1);
    await until('AGREED at DEU.EKPA', async () => ((await call<CaseView>(a, 'GET', `/v1/switches/${id}`)).state === 'AGREED' ? true : undefined));
    console.log(`     DEU.EKPA: ${await state(a, id)}   DEU.EKPB: ${await state(b, id)}\n`);

    console.log(`3. The customer wants a later date: TVS-VA to ${later}, accepted with ERLM 8003:`);
    await call(a, 'POST', `/v1/switches/${id}/reschedule`, { requestedDate: later });
    await printFlow(a, b, id, 2);
    const change = await until('the open change at DEU.EKPB', async () => (await call<CaseView>(b, 'GET', `/v1/switches/${id}`)).openChange ?? undefined);
    await call(b, 'POST', `/v1/switches/${id}/changes/${change.id}/answer`, { result: 'accept' });
    await printFlow(b, a, id, 2);
    await until('the new date at DEU.EKPA', async () => ((await call<CaseView>(a, 'GET', `/v1/switches/${id}`)).switchDate === later ? true : undefined));
    console.log(`     DEU.EKPA: ${await state(a, id)}   DEU.EKPB: ${await state(b, id)}\n`);

    console.log('4. The gaining operator takes over the line (AKM-TR):');
    await call(a, 'POST', `/v1/switches/${id}/resource-handover`, { takeOver: true, lines: [{ contractNumber: '1234567890' }] });
    await printFlow(a, b, id, 3);
    await until('TR_NOTIFIED at DEU.EKPB', async () => ((await call<CaseView>(b, 'GET', `/v1/switches/${id}`)).state === 'TR_NOTIFIED' ? true : undefined));
    console.log(`     DEU.EKPA: ${await state(a, id)}   DEU.EKPB: ${await state(b, id)}\n`);

    console.log('5. Phase 2 has succeeded: DEU.EKPA\'s gateway orders the switch from the wholesale provider by itself,');
    console.log('   which verifies it with DEU.EKPB, fixes the delivery date (DAC) and reports back:');
    const outcome = await printPhase3(a, b, sim, id);
    console.log(`     DEU.EKPA: ${outcome}\n`);

    const events = await call<Items<FeedEvent>>(a, 'GET', '/v1/events?limit=1000');
    console.log(`Switch complete. DEU.EKPA's event feed holds ${events.items.length} events; every message is stored both ways with its wire form (GET /v1/switches/${id}/messages?raw=true), the order with its history at GET /v1/switches/${id}/wholesale-order.\n`);

    console.log('6. Another partner, DEU.EKPC, is played by `switchgate simulate peer`, scripted per number');
    console.log('   (089 2222222 → reject:8117, 089 3333333 → silent, any other → accept). Three VAs go to it:');
    const vaTo = (number: string) => ({
      procedure: 'wbci',
      type: 'VA-KUE-MRN',
      donating: 'DEU.EKPC',
      requestedDate: kwt,
      customer: { kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: 'Muster' },
      location: { street: 'Hauptstr.', houseNumber: '2', postalCode: '80331', city: 'München' },
      numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number }] },
    });
    await runScriptedPartnerPart({
      node: a,
      sim: partner,
      clock: clockA,
      deadline: 'answer',
      requests: [
        { behaviour: 'accept', number: '089 1111111', body: vaTo('1111111'), endState: 'AGREED' },
        { behaviour: 'reject:8117', number: '089 2222222', body: vaTo('2222222'), endState: 'REJECTED' },
        { behaviour: 'silent', number: '089 3333333', body: vaTo('3333333'), endState: 'AWAITING_ANSWER' },
      ],
      detail: (m: MessageView) => [m.body.vaId && `VA-ID ${m.body.vaId}`, m.body.switchDate && `Wechseltermin ${m.body.switchDate}`, m.body.positions && `codes ${m.body.positions.map((x) => x.code).join('+')}`].filter(Boolean).join(', '),
    });
  } catch (err) {
    await close();
    throw err;
  }
  if (keep) await keepRunning([a, b], close);
  else await close();
}
