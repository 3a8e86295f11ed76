/**
 * Two gateways talking real HTTP on 127.0.0.1: each listens on its own port and delivers through
 * the production PeerTransport (undici). Background workers run, as in production.
 */
export { freePort } from '../../src/net/free-port.js';
import { freePort } from '../../src/net/free-port.js';
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import type { GatewayConfig } from '../../src/config/types.js';
import { createPeerTransport } from '../../src/delivery/peer-transport.js';
import type { Store } from '../../src/store/connect.js';
import type { Clock } from '../../src/domain/clock.js';
import { API_KEY, silentLog } from './gateway-pair.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');


export interface HttpNode {
  gw: Gateway;
  url: string;
}

export interface HttpPairOptions {
  protocol?: 'wbci-soap' | 'wbci-json';
  clock?: Clock;
  retry?: { maxAttempts: number; baseMs: number; capMs: number };
  /** peer URL override for A's view of B (e.g. a proxy in front of B) */
  bUrlForA?: (bPort: number) => string;
  configA?: Partial<GatewayConfig>;
  /** the outbox worker's fallback poll (default 50 ms) */
  outboxPollMs?: number;
}

export function httpConfig(self: string, peer: string, peerUrl: string, protocol: 'wbci-soap' | 'wbci-json', overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return parseConfig(
    {
      self: { carrierCode: self, profiles: ['wbci'], holidayRegion: 'DE-BY' },
      apiKeys: [{ name: 'crm', keySha256: sha(API_KEY), scopes: ['switches:write', 'switches:read', 'events:read', 'dead-letters:read', 'dead-letters:write', 'tools:use'] }],
      peers: [
        {
          carrierCode: peer,
          protocol,
          url: peerUrl,
          auth: { type: 'bearer', tokenEnv: `TOKEN_${self.replace('.', '_')}_TO_${peer.replace('.', '_')}` },
          inboundTokenSha256: sha(`token-${peer}-to-${self}`),
        },
      ],
      ...overrides,
    },
    'test',
    tokenEnv(),
  );
}

export function tokenEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [a, b] of [['DEU.EKPA', 'DEU.EKPB'], ['DEU.EKPB', 'DEU.EKPA']] as const) {
    env[`TOKEN_${a.replace('.', '_')}_TO_${b.replace('.', '_')}`] = `token-${a}-to-${b}`;
  }
  return env;
}

export async function startHttpNode(
  self: string,
  peer: string,
  port: number,
  peerUrl: string,
  store: Store,
  opts: HttpPairOptions = {},
): Promise<HttpNode> {
  const protocol = opts.protocol ?? 'wbci-soap';
  const config = httpConfig(self, peer, peerUrl, protocol, self === 'DEU.EKPA' ? opts.configA : undefined);
  const log = silentLog();
  const env = tokenEnv();
  const gw = await createGateway({
    config,
    store,
    log,
    clock: opts.clock,
    env,
    transport: createPeerTransport(config, log, { env, responseTimeoutMs: 5_000, connectTimeoutMs: 2_000 }),
    retryPolicy: opts.retry ?? { maxAttempts: 8, baseMs: 20, capMs: 200 },
    outboxPollMs: opts.outboxPollMs ?? 50,
  });
  await gw.listen(port, '127.0.0.1');
  return { gw, url: `http://127.0.0.1:${port}` };
}

export async function startHttpPair(openA: () => Promise<Store>, openB: () => Promise<Store>, opts: HttpPairOptions = {}) {
  const [pa, pb] = [await freePort(), await freePort()];
  const path = opts.protocol === 'wbci-json' ? '/wbci/v1/json' : '/wbci/v1';
  const bUrl = opts.bUrlForA ? opts.bUrlForA(pb) : `http://127.0.0.1:${pb}${path}`;
  const a = await startHttpNode('DEU.EKPA', 'DEU.EKPB', pa, bUrl, await openA(), opts);
  const b = await startHttpNode('DEU.EKPB', 'DEU.EKPA', pb, `http://127.0.0.1:${pa}${path}`, await openB(), opts);
  return {
    a,
    b,
    ports: { a: pa, b: pb },
    async close() {
      await a.gw.close();
      await b.gw.close();
    },
  };
}

/** A REST call over real HTTP (with the CRM's API key, and `headers` added, e.g. an Idempotency-Key). */
export async function http(node: HttpNode, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await request(node.url + path, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.body.text();
  let data: any;
  try {
    data = JSON.parse(text);
  } catch {
    data = text;
  }
  return { status: res.statusCode, data, text, headers: res.headers };
}

/** Polls until `check` passes or the time is up (for asynchronous delivery between processes). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000, stepMs = 25): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw last;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
