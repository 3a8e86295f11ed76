/**
 * Delivers number-portability notices as JSON: a POST of the stored notice to
 * `agcom.numberPortability.url` (destination `number-portability`) or to a `donors` entry's url
 * with protocol "json" (agcom-np-transport.ts); answers classified like the wholesale REST client
 * (2xx delivered, 408/429/5xx retried, other 4xx dead-lettered).
 */
import { Agent, request } from 'undici';
import { readBoundedText } from './bounded-body.js';
import type { Logger } from 'pino';
import { classifyRest } from './wholesale-transport.js';
import type { Transport } from './transport.js';

export interface NpTransport extends Transport {
  close(): Promise<void>;
}

export function createNpTransport(cfg: { url: string; auth?: { type: 'bearer'; tokenEnv: string } }, log: Logger, opts: { env?: NodeJS.ProcessEnv; responseTimeoutMs?: number } = {}): NpTransport {
  const agent = new Agent({ connectTimeout: 5_000, headersTimeout: opts.responseTimeoutMs ?? 15_000, bodyTimeout: opts.responseTimeoutMs ?? 15_000 });
  const env = opts.env ?? process.env;
  return {
    async send(item, signal) {
      const token = cfg.auth ? env[cfg.auth.tokenEnv] : undefined;
      const raw = JSON.stringify(item.body);
      try {
        const res = await request(cfg.url, {
          method: 'POST',
          dispatcher: agent,
          signal,
          headers: { 'content-type': 'application/json', 'idempotency-key': item.messageId, ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: raw,
        });
        const text = await readBoundedText(res.body, res.headers);
        const result = classifyRest(res.statusCode, text);
        return result.ok ? { ok: true, raw, rawFormat: 'json' } : result;
      } catch (err) {
        log.info({ err: (err as Error).message, messageId: item.messageId }, 'number-portability notice not delivered');
        return { ok: false, permanent: false, reason: `number-portability endpoint unreachable: ${(err as Error).message}` };
      }
    },
    close: () => agent.close(),
  };
}
