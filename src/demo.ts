/**
 * `npm run demo`: two operators (DEU.EKPA gaining, DEU.EKPB losing) on embedded databases talk
 * WBCI SOAP over HTTP on 127.0.0.1 and carry out one complete VA-KUE-MRN with a reschedule
 * (TVS-VA) and the resource handover (AKM-TR). Each step is driven through the REST API, as a
 * CRM would, and the message flow is printed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { request } from 'undici';
import pino from 'pino';
import { createGateway, type Gateway } from './gateway.js';
import { parseConfig } from './config/load.js';
import { createPeerTransport } from './delivery/peer-transport.js';
import { createCalendar } from './domain/calendar.js';
import { firstKueKwtOnOrAfter } from './protocols/wbci/deadlines.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface Node {
  name: string;
  code: string;
  gw: Gateway;
  url: string;
  key: string;
}

async function startOperator(code: string, peer: string, port: number, peerPort: number, env: NodeJS.ProcessEnv): Promise<Node> {
  const key = randomBytes(12).toString('hex');
  const tokenEnv = `DEMO_TOKEN_${code.replace('.', '_')}`;
  const config = parseConfig(
    {
      self: { carrierCode: code, profiles: ['wbci'], holidayRegion: 'DE-BY' },
      apiKeys: [{ name: 'crm', keySha256: sha(key), scopes: ['switches:write', 'switches:read', 'events:read'] }],
      peers: [
        {
          carrierCode: peer,
          protocol: 'wbci-soap',
          url: `http://127.0.0.1:${peerPort}/wbci/v1`,
          auth: { type: 'bearer', tokenEnv },
          inboundTokenSha256: sha(env[`DEMO_TOKEN_${peer.replace('.', '_')}`]!),
        },
      ],
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
    transport: createPeerTransport(config, log, { env }),
    outboxPollMs: 100,
  });
  await gw.listen(port, '127.0.0.1');
  return { name: code, code, gw, url: `http://127.0.0.1:${port}`, key };
}

async function call(node: Node, method: 'GET' | 'POST', path: string, body?: unknown): Promise<any> {
  const res = await request(node.url + path, {
    method,
    headers: { authorization: `Bearer ${node.key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.body.json();
  if (res.statusCode >= 400) throw new Error(`${method} ${path} → ${res.statusCode}: ${JSON.stringify(data)}`);
  return data;
}

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
    const { items } = await call(from, 'GET', `/v1/switches/${encodeURIComponent(id)}/messages`);
    const out = items.filter((m: any) => m.direction === 'out');
    return out.length >= expectDelivered && out.every((m: any) => m.status === 'delivered') ? out : undefined;
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
      b.positions && `codes ${b.positions.map((p: any) => p.code).join('+')}`,
      b.type === 'AKM-TR' && `takeOver=${b.takeOver} safeHarbour=${b.safeHarbour}`,
    ]
      .filter(Boolean)
      .join(', ');
    const arrow = from.code === 'DEU.EKPA' ? `${from.code} ──${m.type}──▶ ${to.code}` : `${to.code} ◀──${m.type}── ${from.code}`;
    console.log(`  ${arrow.padEnd(42)} ${detail}   [TEQ OK]`);
  }
}

async function state(node: Node, id: string): Promise<string> {
  const c = await call(node, 'GET', `/v1/switches/${encodeURIComponent(id)}`);
  return `${c.state}${c.switchDate ? ` (Wechseltermin ${c.switchDate})` : ''}${c.openChange ? `, open ${c.openChange.kind} ${c.openChange.id}` : ''}`;
}

export async function runDemo(): Promise<void> {
  const [pa, pb] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    DEMO_TOKEN_DEU_EKPA: randomBytes(16).toString('hex'),
    DEMO_TOKEN_DEU_EKPB: randomBytes(16).toString('hex'),
  };
  console.log('switchgate demo: two operators on embedded databases, WBCI v2 SOAP over HTTP on 127.0.0.1\n');
  const a = await startOperator('DEU.EKPA', 'DEU.EKPB', pa, pb, env);
  const b = await startOperator('DEU.EKPB', 'DEU.EKPA', pb, pa, env);
  console.log(`  DEU.EKPA (gaining, EKPauf)  ${a.url}`);
  console.log(`  DEU.EKPB (losing,  EKPabg)  ${b.url}\n`);
  try {
    const cal = createCalendar({ country: 'DE', region: 'BY' });
    const today = cal.today(new Date());
    const kwt = firstKueKwtOnOrAfter(cal, cal.addWorkingDays(today, 12));
    const later = firstKueKwtOnOrAfter(cal, cal.addWorkingDays(kwt, 5));

    console.log('1. The gaining operator\'s CRM starts a switch (VA-KUE-MRN):');
    const created = await call(a, 'POST', '/v1/switches', {
      procedure: 'wbci',
      type: 'VA-KUE-MRN',
      donating: 'DEU.EKPB',
      requestedDate: kwt,
      customer: { kind: 'person', salutation: 'Frau', firstName: 'Erika', lastName: 'Mustermann' },
      location: { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' },
      numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] },
    });
    const id = created.id as string;
    await printFlow(a, b, id, 1);
    await until('the case at DEU.EKPB', async () => (await call(b, 'GET', '/v1/switches?role=donating')).items.find((c: any) => c.id === id));
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
    await until('AGREED at DEU.EKPA', async () => ((await call(a, 'GET', `/v1/switches/${id}`)).state === 'AGREED' ? true : undefined));
    console.log(`     DEU.EKPA: ${await state(a, id)}   DEU.EKPB: ${await state(b, id)}\n`);

    console.log(`3. The customer wants a later date: TVS-VA to ${later}, accepted with ERLM 8003:`);
    await call(a, 'POST', `/v1/switches/${id}/reschedule`, { requestedDate: later });
    await printFlow(a, b, id, 2);
    const change = await until('the open change at DEU.EKPB', async () => (await call(b, 'GET', `/v1/switches/${id}`)).openChange ?? undefined);
    await call(b, 'POST', `/v1/switches/${id}/changes/${change.id}/answer`, { result: 'accept' });
    await printFlow(b, a, id, 2);
    await until('the new date at DEU.EKPA', async () => ((await call(a, 'GET', `/v1/switches/${id}`)).switchDate === later ? true : undefined));
    console.log(`     DEU.EKPA: ${await state(a, id)}   DEU.EKPB: ${await state(b, id)}\n`);

    console.log('4. The gaining operator takes over the line (AKM-TR):');
    await call(a, 'POST', `/v1/switches/${id}/resource-handover`, { takeOver: true, lines: [{ contractNumber: '1234567890' }] });
    await printFlow(a, b, id, 3);
    await until('TR_NOTIFIED at DEU.EKPB', async () => ((await call(b, 'GET', `/v1/switches/${id}`)).state === 'TR_NOTIFIED' ? true : undefined));
    console.log(`     DEU.EKPA: ${await state(a, id)}   DEU.EKPB: ${await state(b, id)}\n`);

    const events = await call(a, 'GET', '/v1/events?limit=1000');
    console.log(`Pre-coordination complete. DEU.EKPA's event feed holds ${events.items.length} events; every message is stored both ways with its SOAP form (GET /v1/switches/${id}/messages?raw=true).`);
  } finally {
    await a.gw.close();
    await b.gw.close();
  }
}
