/**
 * Two gateways (DEU.EKPA recipient, DEU.EKPB donating) and the wholesale simulator, all on real
 * HTTP on 127.0.0.1, sharing one ManualClock. Each gateway's wholesale client talks to the
 * simulator; the simulator calls back the recipient (notifications) and asks the donating side
 * (verifications), each with its own bearer token.
 */
import { createHash } from 'node:crypto';
import pino from 'pino';
import { request } from 'undici';
import { ManualClock } from '../../src/domain/clock.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import type { GatewayConfig } from '../../src/config/types.js';
import { createPeerTransport } from '../../src/delivery/peer-transport.js';
import type { Store } from '../../src/store/connect.js';
import { startWholesaleSimulator, type SimCarrier, type SimulatorOptions, type WholesaleSimulator } from '../../src/wholesale/simulator.js';
import { API_KEY } from './gateway-pair.js';
import { freePort } from './http-pair.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export const CODES = ['DEU.EKPA', 'DEU.EKPB'] as const;
export type Code = (typeof CODES)[number];

/** the token the simulator presents to each gateway */
export const simToken = (code: Code) => `sim-to-${code}`;
/** the token each gateway presents to the simulator */
export const gatewayToSimToken = (code: Code) => `${code}-to-sim`;

export interface WorldOptions {
  protocol?: 'rest' | 'soap';
  placeOrders?: 'auto' | 'manual';
  /** AKM-TR rejection window in working days (rules `akmTrRejectionTimeoutWorkingDays`) */
  akmTrWindow?: number;
  retry?: { maxAttempts: number; baseMs: number; capMs: number };
  sim?: Partial<SimulatorOptions>;
  now?: string;
}

export interface Node {
  code: Code;
  gw: Gateway;
  url: string;
  port: number;
  store: Store;
  config: GatewayConfig;
}

export interface World {
  clock: ManualClock;
  sim: WholesaleSimulator;
  /** the simulator's view of each carrier's gateway (mutable) */
  carriers: Record<Code, SimCarrier>;
  a: Node;
  b: Node;
  /** closes A and starts it again on the same database (a process restart) */
  restartA(between?: () => Promise<void>): Promise<Node>;
  /** a second instance of A on the same database, with its own workers (a replica) */
  replicaA(): Promise<Node>;
  close(): Promise<void>;
}

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [x, y] of [['DEU.EKPA', 'DEU.EKPB'], ['DEU.EKPB', 'DEU.EKPA']] as const) {
    e[`TOKEN_${x.replace('.', '_')}_TO_${y.replace('.', '_')}`] = `token-${x}-to-${y}`;
  }
  for (const c of CODES) e[`WHOLESALE_TOKEN_${c.replace('.', '_')}`] = gatewayToSimToken(c);
  return e;
}

export function worldConfig(self: Code, peerUrl: string, wholesaleUrl: string, o: WorldOptions): GatewayConfig {
  const peer: Code = self === 'DEU.EKPA' ? 'DEU.EKPB' : 'DEU.EKPA';
  return parseConfig(
    {
      self: { carrierCode: self, profiles: ['wbci'], holidayRegion: 'DE-BY' },
      apiKeys: [{ name: 'crm', keySha256: sha(API_KEY), scopes: ['switches:write', 'switches:read', 'events:read', 'dead-letters:read', 'dead-letters:write'] }],
      peers: [
        {
          carrierCode: peer,
          protocol: 'wbci-soap',
          url: peerUrl,
          auth: { type: 'bearer', tokenEnv: `TOKEN_${self.replace('.', '_')}_TO_${peer.replace('.', '_')}` },
          inboundTokenSha256: sha(`token-${peer}-to-${self}`),
        },
      ],
      wholesale: {
        url: wholesaleUrl,
        protocol: o.protocol ?? 'rest',
        placeOrders: o.placeOrders ?? 'auto',
        auth: { type: 'bearer', tokenEnv: `WHOLESALE_TOKEN_${self.replace('.', '_')}` },
        inboundTokenSha256: sha(simToken(self)),
      },
      deadlines: { wbci: { akmTrRejectionTimeoutWorkingDays: o.akmTrWindow ?? 0 } },
    },
    'test',
    env(),
  );
}

/** A store whose close() only happens at the end of the test, so a gateway can be restarted on it. */
function keepOpen(store: Store): Store {
  return { ...store, close: async () => {} };
}

export async function startWorld(open: () => Promise<Store>, o: WorldOptions = {}): Promise<World> {
  const clock = new ManualClock(o.now ?? '2026-11-23T09:00:00+01:00');
  const [pa, pb, ps] = [await freePort(), await freePort(), await freePort()];
  const gwUrl = (p: number) => `http://127.0.0.1:${p}`;
  // kept by reference: a test may point the simulator elsewhere (wrong token, wrong verifier)
  const carriers: Record<Code, SimCarrier> = {
    'DEU.EKPA': { notificationUrl: `${gwUrl(pa)}/wholesale/v1/notifications`, verificationUrl: `${gwUrl(pa)}/wholesale/v1/verifications`, token: simToken('DEU.EKPA') },
    'DEU.EKPB': { notificationUrl: `${gwUrl(pb)}/wholesale/v1/notifications`, verificationUrl: `${gwUrl(pb)}/wholesale/v1/verifications`, token: simToken('DEU.EKPB') },
  };
  const sim = await startWholesaleSimulator({
    port: ps,
    clock,
    carriers,
    inboundTokens: CODES.map(gatewayToSimToken),
    timings: { ackMs: 10, stepMs: 10, delayMs: 300 },
    callbackRetryMs: 25,
    callbackAttempts: 60,
    ...o.sim,
  });
  const wholesaleUrl = o.protocol === 'soap' ? sim.soapUrl : sim.restUrl;
  const stores = new Map<Code, Store>();
  const start = async (code: Code, port: number, peerPort: number): Promise<Node> => {
    let store = stores.get(code);
    if (!store) {
      store = await open();
      stores.set(code, store);
    }
    const config = worldConfig(code, `${gwUrl(peerPort)}/wbci/v1`, wholesaleUrl, o);
    const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const e = env();
    const gw = await createGateway({
      config,
      store: keepOpen(store),
      log,
      clock,
      env: e,
      transport: createPeerTransport(config, log, { env: e, responseTimeoutMs: 5_000, connectTimeoutMs: 2_000 }),
      retryPolicy: o.retry ?? { maxAttempts: 40, baseMs: 20, capMs: 200 },
      outboxPollMs: 50,
      tickIntervalMs: 3_600_000,
    });
    await gw.listen(port, '127.0.0.1');
    return { code, gw, url: gwUrl(port), port, store, config };
  };
  const replicas: Node[] = [];
  const world: World = {
    clock,
    sim,
    carriers,
    a: await start('DEU.EKPA', pa, pb),
    b: await start('DEU.EKPB', pb, pa),
    async replicaA() {
      const node = await start('DEU.EKPA', await freePort(), pb);
      replicas.push(node);
      return node;
    },
    async restartA(between) {
      await world.a.gw.close();
      await between?.();
      world.a = await start('DEU.EKPA', pa, pb);
      return world.a;
    },
    async close() {
      for (const r of replicas) await r.gw.close();
      await world.a.gw.close();
      await world.b.gw.close();
      await sim.close();
      for (const s of stores.values()) await s.close();
    },
  };
  return world;
}

/** A parsed JSON answer: tests navigate it freely and assert on exact values. */
 
export type Json = any;

/** A call to a gateway over HTTP: the CRM's API key unless other headers are given. */
export async function call(node: { url: string }, method: 'GET' | 'POST', path: string, body?: unknown, headers?: Record<string, string>) {
  const res = await request(node.url + path, {
    method,
    headers: {
      ...(headers ?? { authorization: `Bearer ${API_KEY}` }),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? (typeof body === 'string' ? body : JSON.stringify(body)) : undefined,
  });
  const text = await res.body.text();
  let data: Json;
  try {
    data = JSON.parse(text);
  } catch {
    data = text;
  }
  return { status: res.statusCode, data, text, headers: res.headers };
}

/** The provider's call to a gateway's southbound endpoints (its bearer token by default). */
export const asProvider = (node: Node, path: string, body: unknown, token: string | null = simToken(node.code)) =>
  call(node, 'POST', path, body, token === null ? {} : { authorization: `Bearer ${token}` });
