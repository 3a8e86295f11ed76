/**
 * Delivers FTTH messages to the network operator (outbox destination `agcom-ftth`): a SOAP 1.1
 * call to `<agcom.wholesale.url>/<ServiceName>`, answered synchronously by N12 (italy.md §10.3).
 * N12 ESITO 0 is delivered; ESITO 1 is a NACK, permanent (the operator refused this message as it
 * is; the dead letter keeps its CODICE_MOTIVAZIONE/MOTIVAZIONE). Without an N12: a SOAP Fault
 * `Client` is permanent, `Server` transient; then 2xx, 408, 429 and 5xx are retried, other 4xx
 * permanent; no answer at all is retried.
 */
import { readBoundedText } from './bounded-body.js';
import { Agent, request } from 'undici';
import type { Logger } from 'pino';
import type { AgcomWholesaleConfig } from '../config/agcom-config.js';
import type { FtthOutbound } from '../app/agcom/ftth-donating.js';
import { decodeN12, encodeRequest, FTTH_NS } from '../protocols/agcom/ftth/codec.js';
import type { Operation } from '../protocols/agcom/ftth/messages.js';
import { classifySoapAnswer } from './wholesale-transport.js';
import type { SendResult, Transport } from './transport.js';

/** an N12 is a few hundred bytes; a larger answer is not one */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface FtthTransport extends Transport {
  close(): Promise<void>;
}

export function classifyN12Answer(status: number, text: string, op: Operation): SendResult {
  const d = decodeN12(text, op);
  if (d.ok) {
    if (d.n12.ESITO === '0') return { ok: true };
    return { ok: false, permanent: true, reason: `N12 NACK ${d.n12.CODICE_MOTIVAZIONE ?? ''}: ${d.n12.MOTIVAZIONE ?? 'no reason given'}`.slice(0, 500) };
  }
  // no N12: a SOAP Fault decides as for the wholesale SOAP client (Client permanent, Server
  // transient), else the status (a 2xx without an answer is retried, like a proxy's page)
  const other = classifySoapAnswer(status, text);
  if (other.ok) return { ok: false, permanent: false, reason: `HTTP ${status} without an N12 (${d.problem.message})`.slice(0, 500) };
  return other;
}

export function createFtthTransport(cfg: AgcomWholesaleConfig, log: Logger, opts: { env?: NodeJS.ProcessEnv; responseTimeoutMs?: number } = {}): FtthTransport {
  const agent = new Agent({ connectTimeout: 5_000, headersTimeout: opts.responseTimeoutMs ?? 15_000, bodyTimeout: opts.responseTimeoutMs ?? 15_000 });
  const env = opts.env ?? process.env;
  const base = cfg.url.replace(/\/+$/, '');
  return {
    async send(item, signal) {
      const out = item.body as FtthOutbound;
      const op = out.op as Operation;
      const raw = encodeRequest(op, out.msg);
      const token = cfg.auth ? env[cfg.auth.tokenEnv] : undefined;
      try {
        const res = await request(`${base}/${out.service}`, {
          method: 'POST',
          dispatcher: agent,
          signal,
          headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${FTTH_NS}/${op}"`, ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: raw,
        });
        const result = classifyN12Answer(res.statusCode, await readBoundedText(res.body, res.headers, MAX_ANSWER_BYTES), op);
        if (!result.ok) log.info({ messageId: item.messageId, op, status: res.statusCode, permanent: result.permanent }, 'FTTH message not accepted');
        return result.ok ? { ok: true, raw, rawFormat: 'soap' } : result;
      } catch (err) {
        log.info({ err: (err as Error).message, messageId: item.messageId, op }, 'FTTH message not delivered');
        return { ok: false, permanent: false, reason: `network operator unreachable: ${(err as Error).message}` };
      }
    },
    close: () => agent.close(),
  };
}
