/**
 * Sends WBCI messages to partner gateways over HTTP(S) with undici: one keep-alive agent per
 * peer (TLS material per peer), connect/response timeouts, and a classification of every answer
 * as delivered, transient (retry) or permanent (dead letter).
 */
import { readFileSync } from 'node:fs';
import { Agent, request, type Dispatcher } from 'undici';
import { readBoundedText } from './bounded-body.js';
import type { Logger } from 'pino';
import type { GatewayConfig, PeerConfig } from '../config/types.js';
import type { WbciMessage } from '../protocols/wbci/types.js';
import { isVaType, isChangeType } from '../protocols/wbci/types.js';
import { decodeTeq, encodeSoap, type ControlBlock } from '../protocols/wbci/soap-codec.js';
import { signEnvelope } from '../protocols/wbci/ws-security-sign.js';
import { verifyEnvelope } from '../protocols/wbci/ws-security-verify.js';
import { loadWsSecurity, peerPolicy, type PeerSignaturePolicy, type WsSecurityMaterial } from '../config/ws-security-material.js';
import { jsonTeqSchemaValid, type JsonTeq } from '../protocols/wbci/json-codec.js';
import { wireHoldsBody } from '../protocols/wbci/stored-body.js';
import type { OutboundItem, SendResult, Transport } from './transport.js';

export interface PeerTransportOptions {
  connectTimeoutMs?: number;
  responseTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** injectable dispatcher (tests); defaults to one Agent per peer */
  dispatcherFor?: (peer: PeerConfig) => Dispatcher;
  now?: () => Date;
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Parses `Retry-After` (seconds or HTTP date) into milliseconds. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

export const soapActionOf = (m: WbciMessage): string =>
  isVaType(m.type) || isChangeType(m.type) ? 'annehmenAnfrage' : 'annehmenMeldung';

/** One keep-alive agent per peer, with the peer's TLS material (CA, client certificate). */
export function agentFor(peer: PeerConfig, o: { connectTimeoutMs?: number; connections?: number }): Dispatcher {
  const tls = peer.tls;
  return new Agent({
    connect: {
      timeout: o.connectTimeoutMs ?? 5_000,
      ...(tls?.caFile ? { ca: readFileSync(tls.caFile) } : {}),
      ...(tls?.certFile ? { cert: readFileSync(tls.certFile) } : {}),
      ...(tls?.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
      ...(tls?.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
    },
    keepAliveTimeout: 30_000,
    connections: o.connections ?? 16,
  });
}

export class PeerTransport implements Transport {
  readonly #peers: Map<string, { peer: PeerConfig; dispatcher: Dispatcher; token?: string }>;
  readonly #o: PeerTransportOptions;
  readonly #self: string;
  readonly #ws: WsSecurityMaterial;

  constructor(config: GatewayConfig, readonly log: Logger, opts: PeerTransportOptions = {}) {
    this.#o = opts;
    this.#ws = loadWsSecurity(config);
    this.#self = config.self.carrierCode;
    const env = opts.env ?? process.env;
    this.#peers = new Map(
      config.peers.map((peer) => [
        peer.carrierCode,
        {
          peer,
          dispatcher: opts.dispatcherFor?.(peer) ?? agentFor(peer, opts),
          token: peer.auth?.type === 'bearer' && peer.auth.tokenEnv ? env[peer.auth.tokenEnv] : undefined,
        },
      ]),
    );
  }

  async send(item: OutboundItem, signal: AbortSignal): Promise<SendResult> {
    const entry = this.#peers.get(item.destination);
    if (!entry) return { ok: false, permanent: true, reason: `no peer ${item.destination} is configured` };
    const { peer, dispatcher, token } = entry;
    // `replaces` is switchgate's successor reference, not a WBCI element: it travels next to the body
    const { replaces, ...wire } = item.body as WbciMessage & { replaces?: string };
    const msg = wire as WbciMessage;
    // the outbox message id is the same for every retry of this message: the receiver de-duplicates on it
    const delivery = { id: item.messageId, ...(replaces ? { replaces } : {}) };
    const json = peer.protocol === 'wbci-json';
    const identity = json ? undefined : this.#ws.identity;
    const policy = peerPolicy(this.#ws, peer.carrierCode);
    const control: ControlBlock = {
      timestamp: (this.#o.now?.() ?? new Date()).toISOString(),
      major: peer.version?.major ?? '02',
      minor: peer.version?.minor ?? '00',
      ...(identity ? { signature: { issuer: identity.issuer, serial: identity.serial } } : {}),
    };
    let payload: string;
    try {
      payload = json ? JSON.stringify({ control, message: msg, delivery }) : encodeSoap(msg, control, { delivery });
      if (identity) payload = signEnvelope(payload, identity, { algorithm: policy.algorithm });
    } catch (err) {
      return { ok: false, permanent: true, reason: `cannot encode ${item.type}: ${(err as Error).message}` };
    }
    const headers: Record<string, string> = json
      ? { 'content-type': 'application/json' }
      : { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${soapActionOf(msg)}"` };
    if (token) headers.authorization = `Bearer ${token}`;
    let status: number;
    let text: string;
    let retryAfter: string | string[] | undefined;
    try {
      const res = await request(peer.url, {
        method: 'POST',
        dispatcher,
        headers,
        body: payload,
        signal,
        headersTimeout: this.#o.responseTimeoutMs ?? 15_000,
        bodyTimeout: this.#o.responseTimeoutMs ?? 15_000,
      });
      status = res.statusCode;
      retryAfter = res.headers['retry-after'];
      text = await readBoundedText(res.body, res.headers);
    } catch (err) {
      return { ok: false, permanent: false, reason: `transport: ${(err as Error).message || String(err)}` };
    }
    const sentSignature = identity ? /<ds:SignatureValue>([^<]+)</.exec(payload)?.[1] : undefined;
    const result = json
      ? classifyJson(status, text)
      : classifySoap(status, text, { expectedMajor: control.major, mustSign: policy.required ? policy : undefined, sentSignature });
    if (!result.ok) {
      const ra = retryAfterMs(retryAfter);
      return ra !== undefined && !result.permanent ? { ...result, retryAfterMs: ra } : result;
    }
    const format = json ? 'json' : 'soap';
    // checked, not assumed: a body the wire form does not give back exactly stays stored as it is
    return { ok: true, raw: payload, rawFormat: format, ...(wireHoldsBody(payload, format, 'out', item.body) ? { bodyFrom: json ? 'wbci-json' : 'wbci-soap' } : {}) };
  }

  get self(): string {
    return this.#self;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#peers.values()].map((p) => p.dispatcher.close()));
  }
}

function classifyStatus(status: number, what: string): SendResult {
  if (RETRYABLE_STATUS.has(status)) return { ok: false, permanent: false, reason: `HTTP ${status}${what}` };
  return { ok: false, permanent: true, reason: `HTTP ${status}${what}` };
}

/**
 * A Quittung decides; without one the HTTP status does. A Quittung in another major release than
 * the one configured for the peer (`expectedMajor`) means the two sides disagree on the version:
 * a human must look, so it is permanent. From a peer that must sign, a Quittung whose signature does
 * not verify acknowledges nothing: the message is sent again (the partner deduplicates it).
 */
export function classifySoap(
  status: number,
  text: string,
  opts: { expectedMajor?: string; mustSign?: PeerSignaturePolicy; sentSignature?: string } = {},
): SendResult {
  const { expectedMajor, mustSign, sentSignature } = opts;
  const teq = decodeTeq(text, expectedMajor ? { supportedMajors: [expectedMajor] } : {});
  if (teq.ok && mustSign) {
    const check = verifyEnvelope(text, { pinned: mustSign.pinned, allowSha1: mustSign.algorithm === 'rsa-sha1' }, teq.control.signature);
    if (check.status !== 'verified') return { ok: false, permanent: false, reason: `Quittung refused: WS-Security ${check.refusal}: ${check.message}` };
    // a signed SignatureConfirmation must confirm what we sent: a Quittung for another message acknowledges nothing
    if (sentSignature && check.confirmations.length > 0 && !check.confirmations.includes(sentSignature)) {
      return { ok: false, permanent: false, reason: 'Quittung refused: its SignatureConfirmation confirms another signature' };
    }
  }
  if (teq.ok) {
    if (expectedMajor && teq.control.major !== expectedMajor) {
      return { ok: false, permanent: true, reason: `the Quittung is in WBCI major release ${teq.control.major}, the peer is configured for ${expectedMajor} (peers[].version.major)` };
    }
    const pos = teq.teq.positions[0];
    if (pos?.code === 'OK') return { ok: true };
    // 0993 / 0995: the partner will never accept this message as it is
    return { ok: false, permanent: true, reason: `negative TEQ ${pos?.code ?? '?'}: ${pos?.text ?? ''}` };
  }
  if (teq.fault) {
    // a WS-Security fault (wsse:FailedCheck …) will not go away by sending the same bytes again
    const client = /Client|Sender|VersionMismatch|MustUnderstand|^wsse:/.test(teq.fault.code);
    return { ok: false, permanent: client, reason: `SOAP fault ${teq.fault.code}: ${teq.fault.message}` };
  }
  if (status >= 200 && status < 300) {
    // a 2xx without a readable TEQ (a proxy page, a truncated answer): not acknowledged, try again
    return { ok: false, permanent: false, reason: `HTTP ${status} without a readable Quittung` };
  }
  return classifyStatus(status, '');
}

export function classifyJson(status: number, text: string): SendResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (status >= 200 && status < 300) {
    if (!jsonTeqSchemaValid(body)) return { ok: false, permanent: false, reason: `HTTP ${status} without a readable Quittung` };
    const pos = (body as JsonTeq).quittung.positions[0];
    if (pos?.code === 'OK') return { ok: true };
    return { ok: false, permanent: true, reason: `negative TEQ ${pos?.code ?? '?'}: ${pos?.text ?? ''}` };
  }
  return classifyStatus(status, '');
}

export function createPeerTransport(config: GatewayConfig, log: Logger, opts: PeerTransportOptions = {}): PeerTransport {
  return new PeerTransport(config, log, opts);
}
