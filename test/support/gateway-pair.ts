/**
 * Two whole gateways — DEU.EKPA and DEU.EKPB — in one test process, each on its own database,
 * joined by an in-process transport that hands each outbox row to the other gateway's inbound
 * port. Time is a ManualClock; delivery and deadline ticks are driven by the test.
 */
import { createHash } from 'node:crypto';
import pino from 'pino';
import type { LightMyRequestResponse } from 'fastify';
import { ManualClock } from '../../src/domain/clock.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import type { GatewayConfig } from '../../src/config/types.js';
import type { Transport } from '../../src/delivery/transport.js';
import type { WbciMessage } from '../../src/protocols/wbci/types.js';
import type { Store } from '../../src/store/connect.js';

export const API_KEY = 'test-key';
export const READ_ONLY_KEY = 'read-only-key';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export function testConfig(self: string, peer: string, overrides: Partial<GatewayConfig> = {}, env: NodeJS.ProcessEnv = {}): GatewayConfig {
  return parseConfig(
    {
      self: { carrierCode: self, profiles: ['wbci'], holidayRegion: 'DE-BY' },
      apiKeys: [
        { name: 'crm', keySha256: sha(API_KEY), scopes: ['switches:write', 'switches:read', 'events:read', 'dead-letters:read', 'dead-letters:write', 'tools:use'] },
        { name: 'viewer', keySha256: sha(READ_ONLY_KEY), scopes: ['switches:read'] },
      ],
      peers: [{ carrierCode: peer, protocol: 'wbci-soap', url: 'http://127.0.0.1:9/wbci/v1', auth: { type: 'none' } }],
      ...overrides,
    },
    'test',
    env,
  );
}

/** Hands messages to a gateway's inbound port, as the SOAP endpoint would after decoding. */
export class InProcessTransport implements Transport {
  readonly targets = new Map<string, Gateway>();
  /** while set, every send fails transiently (peer down) */
  down = false;
  readonly sent: { destination: string; type: string }[] = [];

  async send(item: Parameters<Transport['send']>[0]) {
    if (this.down) return { ok: false as const, permanent: false, reason: 'peer unreachable (test)' };
    const target = this.targets.get(item.destination);
    if (!target) return { ok: false as const, permanent: true, reason: `unknown destination ${item.destination}` };
    // as the production transport: the outbox message id is the delivery id, `replaces` travels beside the body
    const { replaces, ...msg } = item.body as WbciMessage & { replaces?: string };
    const delivery = { id: item.messageId, ...(replaces ? { replaces } : {}) };
    const outcome = await target.wbci.receive(msg as WbciMessage, { peer: msg.sender, rawFormat: 'test', delivery });
    this.sent.push({ destination: item.destination, type: item.type });
    if (outcome.status === 'invalid') return { ok: false as const, permanent: true, reason: `negative ack ${outcome.code}` };
    return { ok: true as const };
  }
}

export interface Pair {
  clock: ManualClock;
  a: Gateway;
  b: Gateway;
  transport: InProcessTransport;
  /** delivers back and forth until nothing is due */
  pump(): Promise<void>;
  close(): Promise<void>;
}

/** The README quick-start body of `POST /v1/switches`: a VA-KUE-MRN from DEU.EKPA to `donating`. */
export function quickStartVa(overrides: { donating?: string; requestedDate?: string; lastName?: string } = {}) {
  return {
    procedure: 'wbci',
    type: 'VA-KUE-MRN',
    donating: overrides.donating ?? 'DEU.EKPB',
    requestedDate: overrides.requestedDate ?? '2026-12-15',
    customer: { kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: overrides.lastName ?? 'Muster' },
    location: { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' },
    numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] },
  };
}

export const silentLog = () => pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function startPair(
  open: () => Promise<Store>,
  opts: { now?: string; configA?: Partial<GatewayConfig>; configB?: Partial<GatewayConfig>; env?: NodeJS.ProcessEnv; gateway?: Partial<GatewayOptions> } = {},
): Promise<Pair> {
  const clock = new ManualClock(opts.now ?? '2026-11-23T09:00:00+01:00');
  const transport = new InProcessTransport();
  const env = opts.env ?? {};
  const common = { clock, transport, background: false, log: silentLog(), env, ...opts.gateway };
  const a = await createGateway({ ...common, config: testConfig('DEU.EKPA', 'DEU.EKPB', opts.configA, env), store: await open() });
  const b = await createGateway({ ...common, config: testConfig('DEU.EKPB', 'DEU.EKPA', opts.configB, env), store: await open() });
  transport.targets.set('DEU.EKPA', a);
  transport.targets.set('DEU.EKPB', b);
  return {
    clock,
    a,
    b,
    transport,
    async pump() {
      for (let i = 0; i < 50; i++) {
        const n = (await a.deliver()) + (await b.deliver());
        if (n === 0) return;
      }
      throw new Error('pump: deliveries did not settle');
    },
    async close() {
      await a.close();
      await b.close();
    },
  };
}

/** A REST call through fastify's inject, with the CRM's API key by default. */
export async function rest(
  gw: Gateway,
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse & { data: any }> {
  const res = await gw.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return Object.assign(res, { data: res.body ? safeJson(res.body) : undefined });
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
