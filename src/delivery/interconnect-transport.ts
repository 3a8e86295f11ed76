/**
 * Delivers interconnection messages (outbox rows to a peer of protocol `interconnect-json`): the
 * stored envelope as JSON to the counterpart's `POST /interconnect/v1`, with its bearer token, on
 * one keep-alive agent per peer (TLS material per peer). 2xx is delivered; 408/425/429/5xx and
 * transport errors are retried with backoff; any other answer (a refusal by the counterpart's
 * rules: 404/409/422 with its problem code) is permanent — a dead letter with the reason.
 */
import { request, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { PeerConfig } from '../config/types.js';
import { classifyRest } from './wholesale-transport.js';
import { agentFor, retryAfterMs } from './peer-transport.js';
import type { Transport } from './transport.js';

export interface InterconnectTransport extends Transport {
  close(): Promise<void>;
}

export function createInterconnectTransport(peers: readonly PeerConfig[], log: Logger, opts: { env?: NodeJS.ProcessEnv; responseTimeoutMs?: number; connectTimeoutMs?: number } = {}): InterconnectTransport {
  const env = opts.env ?? process.env;
  const entries = new Map<string, { peer: PeerConfig; dispatcher: Dispatcher; token?: string }>(
    peers.map((peer) => [
      peer.carrierCode,
      { peer, dispatcher: agentFor(peer, { connectTimeoutMs: opts.connectTimeoutMs }), token: peer.auth?.type === 'bearer' && peer.auth.tokenEnv ? env[peer.auth.tokenEnv] : undefined },
    ]),
  );
  const timeout = opts.responseTimeoutMs ?? 15_000;
  return {
    async send(item, signal) {
      const entry = entries.get(item.destination);
      if (!entry) return { ok: false, permanent: true, reason: `no interconnection peer ${item.destination} is configured` };
      const raw = JSON.stringify(item.body);
      try {
        const res = await request(entry.peer.url, {
          method: 'POST',
          dispatcher: entry.dispatcher,
          signal,
          headersTimeout: timeout,
          bodyTimeout: timeout,
          headers: { 'content-type': 'application/json', ...(entry.token ? { authorization: `Bearer ${entry.token}` } : {}) },
          body: raw,
        });
        const text = await res.body.text();
        const result = classifyRest(res.statusCode, text);
        if (result.ok) return { ok: true, raw, rawFormat: 'json' };
        const ra = retryAfterMs(res.headers['retry-after']);
        return ra !== undefined && !result.permanent ? { ...result, retryAfterMs: ra } : result;
      } catch (err) {
        log.info({ err: (err as Error).message, messageId: item.messageId, peer: item.destination }, 'interconnect message not delivered');
        return { ok: false, permanent: false, reason: `transport: ${(err as Error).message || String(err)}` };
      }
    },
    close: async () => {
      await Promise.all([...entries.values()].map((e) => e.dispatcher.close()));
    },
  };
}
