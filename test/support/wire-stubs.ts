/**
 * Small real servers on 127.0.0.1 for the wire tests: a programmable stub peer that speaks just
 * enough WBCI SOAP to acknowledge (or misbehave), an HTTP reverse proxy that can be switched off,
 * made to fail, or made to lose answers, and one gateway configured for several peers with bearer
 * tokens both ways.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { request } from 'undici';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import type { GatewayConfig, PeerConfig } from '../../src/config/types.js';
import { createPeerTransport, type PeerTransportOptions } from '../../src/delivery/peer-transport.js';
import { decodeSoap, encodeTeq, negativeTeq, positiveTeq, type DecodeResult } from '../../src/protocols/wbci/soap-codec.js';
import type { WbciMessage } from '../../src/protocols/wbci/types.js';
import { API_KEY, silentLog } from './gateway-pair.js';

export const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

// ------------------------------------------------------------------------------------------
// gateways with bearer tokens both ways

/** The bearer token `from` presents to `to`, and the environment variable that holds it. */
export const peerToken = (from: string, to: string): string => `token-${from}-to-${to}`;
const tokenVar = (from: string, to: string): string => `TOKEN_${from}_TO_${to}`.replace(/\./g, '_');

export interface PeerSpec {
  carrierCode: string;
  url: string;
  protocol?: 'wbci-soap' | 'wbci-json';
  /** the peer's pinned signing certificate(s) and algorithm (WS-Security) */
  wsSecurity?: PeerConfig['wsSecurity'];
  /** more peer keys (tls, inboundCertSha256, version, …) */
  extra?: Record<string, unknown>;
}

/** Config of `self` with bearer auth both ways for every peer, and the environment holding the outbound tokens. */
export function wireConfig(self: string, peers: PeerSpec[], overrides: Partial<GatewayConfig> = {}): { config: GatewayConfig; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = {};
  for (const p of peers) env[tokenVar(self, p.carrierCode)] = peerToken(self, p.carrierCode);
  const config = parseConfig(
    {
      self: { carrierCode: self, profiles: ['wbci'], holidayRegion: 'DE-BY' },
      apiKeys: [{ name: 'crm', keySha256: sha(API_KEY), scopes: ['switches:write', 'switches:read', 'events:read', 'dead-letters:read', 'dead-letters:write', 'tools:use'] }],
      peers: peers.map((p) => ({
        carrierCode: p.carrierCode,
        protocol: p.protocol ?? 'wbci-soap',
        url: p.url,
        auth: { type: 'bearer', tokenEnv: tokenVar(self, p.carrierCode) },
        inboundTokenSha256: sha(peerToken(p.carrierCode, self)),
        ...(p.wsSecurity ? { wsSecurity: p.wsSecurity } : {}),
        ...p.extra,
      })),
      ...overrides,
    },
    'test',
    env,
  );
  return { config, env };
}

export interface WireNodeOptions extends Omit<GatewayOptions, 'config' | 'transport' | 'env' | 'log'> {
  transportOptions?: PeerTransportOptions;
  configOverrides?: Partial<GatewayConfig>;
  /** default: any free port */
  port?: number;
  /** default: silent */
  log?: GatewayOptions['log'];
}

export interface WireNode {
  gw: Gateway;
  url: string;
  port: number;
}

/** One gateway listening on 127.0.0.1, delivering through the production PeerTransport. */
export async function startWireNode(self: string, peers: PeerSpec[], opts: WireNodeOptions = {}): Promise<WireNode> {
  const { transportOptions, configOverrides, port: wanted, log: givenLog, ...rest } = opts;
  const { config, env } = wireConfig(self, peers, configOverrides);
  const log = givenLog ?? silentLog();
  const transport = createPeerTransport(config, log, { env, responseTimeoutMs: 5_000, connectTimeoutMs: 2_000, ...transportOptions });
  const gw = await createGateway({
    retryPolicy: { maxAttempts: 8, baseMs: 20, capMs: 200 },
    outboxPollMs: 50,
    ...rest,
    config,
    log,
    env,
    transport,
  });
  // the gateway does not own the transport: its keep-alive connections go with the gateway here
  const closeGateway = gw.close;
  gw.close = async () => {
    await closeGateway();
    await transport.close();
  };
  try {
    const address = await gw.listen(wanted ?? 0, '127.0.0.1');
    const port = Number(new URL(address).port);
    return { gw, url: `${config.server?.tls ? 'https' : 'http'}://127.0.0.1:${port}`, port };
  } catch (err) {
    await gw.close();
    throw err;
  }
}

// ------------------------------------------------------------------------------------------
// stub peer

export interface StubRequest {
  /** Date.now() when the request body was complete */
  at: number;
  headers: IncomingHttpHeaders;
  text: string;
  decoded: DecodeResult;
  /** the decoded message, when the body was valid WBCI */
  message?: WbciMessage;
  /** what the stub did */
  action: StubAction['kind'];
}

export type StubAction =
  /** positive TEQ */
  | { kind: 'ok' }
  /** negative TEQ with this code */
  | { kind: 'negative'; code: '0993' | '0995' }
  /** a fixed answer (5xx, 4xx, HTML, truncated XML …) */
  | { kind: 'reply'; status: number; body?: string; contentType?: string; headers?: Record<string, string> }
  /** answer `then` after `ms` */
  | { kind: 'slow'; ms: number; then: StubAction }
  /** close the connection without answering */
  | { kind: 'hangup' };

export type StubBehaviour = (req: { message?: WbciMessage; text: string; headers: IncomingHttpHeaders }, n: number) => StubAction;

export interface StubPeer {
  url: string;
  port: number;
  requests: StubRequest[];
  behave(b: StubBehaviour): void;
  close(): Promise<void>;
}

const CONTROL = () => ({ timestamp: new Date().toISOString(), major: '02', minor: '00' });

/** The stub's answer to a decoded message: a Quittung like a real partner's. */
export function teqFor(decoded: DecodeResult, code: 'OK' | '0993' | '0995' = 'OK'): string {
  if (!decoded.ok) return encodeTeq('request', negativeTeq('0995', decoded.hint.sender ?? '', decoded.hint.vaIdRef ?? ''), CONTROL());
  const m = decoded.message;
  const vaId = 'vaId' in m ? m.vaId : m.vaIdRef;
  const teq = code === 'OK' ? positiveTeq(m.sender, vaId) : negativeTeq(code, m.sender, vaId, 'stub refuses');
  return encodeTeq(decoded.kind, teq, CONTROL());
}

export async function startStubPeer(behaviour: StubBehaviour = () => ({ kind: 'ok' })): Promise<StubPeer> {
  let behave = behaviour;
  const requests: StubRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => {});
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const decoded = decodeSoap(text);
      const message = decoded.ok ? decoded.message : undefined;
      let action: StubAction;
      try {
        action = behave({ message, text, headers: req.headers }, requests.length);
      } catch {
        action = { kind: 'reply', status: 500, body: 'stub behaviour threw' };
      }
      requests.push({ at: Date.now(), headers: req.headers, text, decoded, message, action: action.kind });
      const act = (a: StubAction): void => {
        switch (a.kind) {
          case 'ok':
            return send(res, 200, teqFor(decoded));
          case 'negative':
            return send(res, 200, teqFor(decoded, a.code));
          case 'reply':
            return send(res, a.status, a.body ?? '', a.contentType, a.headers);
          case 'hangup':
            req.socket.destroy();
            return;
          case 'slow': {
            const t = setTimeout(() => {
              timers.delete(t);
              if (!res.destroyed && !req.socket.destroyed) act(a.then);
            }, a.ms);
            timers.add(t);
            return;
          }
        }
      };
      act(action);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server, 0);
  return {
    url: `http://127.0.0.1:${port}/wbci/v1`,
    port,
    requests,
    behave: (b) => {
      behave = b;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/xml; charset=utf-8', headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, ...headers });
  res.end(body);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

// ------------------------------------------------------------------------------------------
// switchable reverse proxy

/**
 * - `pass`: forwards to the upstream and relays its answer;
 * - `fail`: answers 503 itself (the upstream sees nothing);
 * - `lose-answer`: forwards, lets the upstream process the request, then drops the connection
 *   instead of relaying the answer (the sender cannot know it arrived);
 * - `down`: the listener is closed (connection refused).
 */
export type ProxyMode = 'pass' | 'fail' | 'lose-answer' | 'down';

export interface Proxy {
  url: string;
  port: number;
  readonly mode: ProxyMode;
  /** requests seen per mode (not counting `down`, which refuses connections) */
  seen: Record<Exclude<ProxyMode, 'down'>, number>;
  /** every request passed on, with the upstream's answer (what went over the wire) */
  exchanges: { request: string; headers: IncomingHttpHeaders; status: number; response: string }[];
  set(mode: ProxyMode): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(upstream: string): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const seen = { pass: 0, fail: 0, 'lose-answer': 0 };
  const exchanges: Proxy['exchanges'] = [];
  let mode: ProxyMode = 'pass';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => {});
    req.on('end', () => {
      const m = mode === 'down' ? 'fail' : mode;
      seen[m]++;
      if (m === 'fail') return send(res, 503, 'proxy: upstream unavailable', 'text/plain');
      const headers = { ...req.headers };
      delete headers.host;
      delete headers.connection;
      delete headers['content-length'];
      const sent = Buffer.concat(chunks);
      request(upstream + (req.url ?? '/'), { method: req.method as 'POST', headers, body: sent })
        .then(async (up) => {
          const body = await up.body.text();
          exchanges.push({ request: sent.toString('utf8'), headers: req.headers, status: up.statusCode, response: body });
          if (m === 'lose-answer') {
            req.socket.destroy();
            return;
          }
          send(res, up.statusCode, body, String(up.headers['content-type'] ?? 'text/plain'));
        })
        .catch(() => {
          if (!res.headersSent) send(res, 502, 'proxy: upstream failed', 'text/plain');
        });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server, 0);
  const closeListener = async () => {
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  const proxy: Proxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    get mode() {
      return mode;
    },
    seen,
    exchanges,
    async set(next) {
      if (next === mode) return;
      if (next === 'down') {
        mode = 'down';
        await closeListener();
        return;
      }
      if (mode === 'down') await listen(server, port);
      // keep-alive connections opened in an earlier mode must not carry the old behaviour along
      for (const s of sockets) s.destroy();
      mode = next;
    },
    async close() {
      if (mode !== 'down') await closeListener();
      mode = 'down';
    },
  };
  return proxy;
}

// ------------------------------------------------------------------------------------------
// raw HTTP

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  ms: number;
}

/** A POST with exactly these bytes and headers. */
export async function rawPost(url: string, body: string | Buffer, headers: Record<string, string>): Promise<RawResponse> {
  const t0 = performance.now();
  const res = await request(url, { method: 'POST', headers, body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, ms: performance.now() - t0 };
}

/** SOAP 1.1 headers as a peer sends them. */
export function soapHeaders(from: string | undefined, to: string, action: string | undefined = 'annehmenAnfrage'): Record<string, string> {
  return {
    'content-type': 'text/xml; charset=utf-8',
    ...(action !== undefined ? { soapaction: `"${action}"` } : {}),
    ...(from ? { authorization: `Bearer ${peerToken(from, to)}` } : {}),
  };
}
