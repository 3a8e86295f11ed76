/**
 * Delivers outbox rows of kind `wholesale` to the wholesale provider, REST (TMF/MEF style) or
 * SOAP as `wholesale.protocol` says, and classifies every answer like peer-transport.ts:
 * delivered, transient (retry with backoff) or permanent (dead letter now).
 *
 * REST: `POST {url}/productOrder`, `POST {url}/cancelProductOrder`,
 * `POST {url}/modifyProductOrderItemRequestedDeliveryDate`, JSON bodies as in schemas/wholesale/.
 * SOAP: `POST {url}` with SOAPAction `placeOrder` / `cancelOrder` / `rescheduleOrder`.
 * Every request carries `Idempotency-Key: <message id>`; a provider that already has the
 * order (a resend after a crash between send and commit) answers 409 `DUPLICATE_EXTERNAL_ID`
 * (REST) or `DUPLICATE` (SOAP), which counts as delivered.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { readBoundedText } from './bounded-body.js';
import type { Logger } from 'pino';
import type { WholesaleConfig } from '../config/types.js';
import type { OutboundItem, SendResult, Transport } from './transport.js';
import { retryAfterMs } from './peer-transport.js';
import { decodeWholesaleSoapResponse, encodeWholesaleSoap, type SoapOperation } from '../wholesale/soap.js';
import { WHOLESALE_MESSAGE_TYPES } from '../wholesale/types.js';

export interface WholesaleTransportOptions {
  env?: NodeJS.ProcessEnv;
  connectTimeoutMs?: number;
  responseTimeoutMs?: number;
  /** injectable dispatcher (tests) */
  dispatcher?: Dispatcher;
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Which request a message type is, on each wire. */
export const WHOLESALE_OPERATIONS: Readonly<Record<string, { rest: string; soap: SoapOperation }>> = {
  [WHOLESALE_MESSAGE_TYPES.order]: { rest: 'productOrder', soap: 'placeOrder' },
  [WHOLESALE_MESSAGE_TYPES.cancel]: { rest: 'cancelProductOrder', soap: 'cancelOrder' },
  [WHOLESALE_MESSAGE_TYPES.reschedule]: { rest: 'modifyProductOrderItemRequestedDeliveryDate', soap: 'rescheduleOrder' },
};

/** The provider's error code in a problem-ish JSON body (`code`, or TMF `errorMessage[0].code`). */
function errorCodeOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as { code?: unknown; errorMessage?: { code?: unknown }[] };
  if (typeof b.code === 'string') return b.code;
  const first = Array.isArray(b.errorMessage) ? b.errorMessage[0] : undefined;
  return typeof first?.code === 'string' ? first.code : undefined;
}

const snippet = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…` : text).replace(/\s+/g, ' ').trim();

/** REST answer → delivered / transient / permanent. */
export function classifyRest(status: number, text: string): SendResult {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (status >= 200 && status < 300) {
    if (text && (body === undefined || typeof body !== 'object')) {
      // a 2xx that is not the provider's JSON (a proxy page): not acknowledged, try again
      return { ok: false, permanent: false, reason: `HTTP ${status} without a JSON answer` };
    }
    return { ok: true };
  }
  const code = errorCodeOf(body);
  if (status === 409 && code === 'DUPLICATE_EXTERNAL_ID') return { ok: true };
  const detail = code ? ` ${code}` : text ? `: ${snippet(text)}` : '';
  return { ok: false, permanent: !RETRYABLE_STATUS.has(status), reason: `HTTP ${status}${detail}` };
}

/** SOAP answer → delivered / transient / permanent; the envelope decides, the status only without one. */
export function classifySoapAnswer(status: number, text: string): SendResult {
  const decoded = decodeWholesaleSoapResponse(text);
  if (decoded.ok) return { ok: true };
  if (decoded.fault) {
    const client = /Client|Sender|VersionMismatch|MustUnderstand/.test(decoded.fault.code);
    return { ok: false, permanent: client, reason: `SOAP fault ${decoded.fault.code}: ${decoded.fault.message}` };
  }
  if (status >= 200 && status < 300) return { ok: false, permanent: false, reason: `HTTP ${status} without a readable answer` };
  return { ok: false, permanent: !RETRYABLE_STATUS.has(status), reason: `HTTP ${status}` };
}

export class WholesaleTransport implements Transport {
  readonly #config: WholesaleConfig;
  readonly #dispatcher: Dispatcher;
  readonly #token: string | undefined;
  readonly #timeout: number;
  readonly #log: Logger;

  constructor(config: WholesaleConfig, log: Logger, opts: WholesaleTransportOptions = {}) {
    this.#config = config;
    this.#log = log;
    const env = opts.env ?? process.env;
    this.#token = config.auth?.type === 'bearer' && config.auth.tokenEnv ? env[config.auth.tokenEnv] : undefined;
    this.#timeout = opts.responseTimeoutMs ?? 15_000;
    this.#dispatcher =
      opts.dispatcher ?? new Agent({ connect: { timeout: opts.connectTimeoutMs ?? 5_000 }, keepAliveTimeout: 30_000, connections: 8 });
  }

  async send(item: OutboundItem, signal: AbortSignal): Promise<SendResult> {
    const op = WHOLESALE_OPERATIONS[item.type];
    if (!op) return { ok: false, permanent: true, reason: `${item.type} is not a wholesale request` };
    const soap = this.#config.protocol === 'soap';
    const base = this.#config.url.replace(/\/+$/, '');
    let payload: string;
    try {
      payload = soap ? encodeWholesaleSoap(op.soap, item.body as never) : JSON.stringify(item.body);
    } catch (err) {
      return { ok: false, permanent: true, reason: `cannot encode ${item.type}: ${(err as Error).message}` };
    }
    const headers: Record<string, string> = soap
      ? { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${op.soap}"` }
      : { 'content-type': 'application/json', accept: 'application/json' };
    headers['idempotency-key'] = item.messageId;
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    let status: number;
    let text: string;
    let retryAfter: string | string[] | undefined;
    try {
      const res = await request(soap ? base : `${base}/${op.rest}`, {
        method: 'POST',
        dispatcher: this.#dispatcher,
        headers,
        body: payload,
        signal,
        headersTimeout: this.#timeout,
        bodyTimeout: this.#timeout,
      });
      status = res.statusCode;
      retryAfter = res.headers['retry-after'];
      text = await readBoundedText(res.body, res.headers);
    } catch (err) {
      return { ok: false, permanent: false, reason: `transport: ${(err as Error).message || String(err)}` };
    }
    const result = soap ? classifySoapAnswer(status, text) : classifyRest(status, text);
    if (!result.ok) {
      this.#log.info({ caseId: item.caseId, type: item.type, status, reason: result.reason }, 'wholesale request not accepted');
      const ra = retryAfterMs(retryAfter);
      return ra !== undefined && !result.permanent ? { ...result, retryAfterMs: ra } : result;
    }
    return { ok: true, raw: payload };
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}

export function createWholesaleTransport(config: WholesaleConfig, log: Logger, opts: WholesaleTransportOptions = {}): WholesaleTransport {
  return new WholesaleTransport(config, log, opts);
}
