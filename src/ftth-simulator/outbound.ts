/**
 * The simulator's outgoing calls (N4–N7 to the Recipient, N8/N10 to the Donating): one SOAP 1.1
 * request to `<operator url>/<ServiceName>`, answered synchronously by N12 (italy.md §10.3).
 *
 * An N12 ends the call either way (ESITO 0 delivered, ESITO 1 refused: the operator read the
 * message and said no, a resend would be refused again). Anything else — no connection, 5xx, an
 * answer that is not an N12 — is retried a bounded number of times with doubling pauses, the same
 * ID_NOTIFICA every time so that the receiver's de-duplication sees one message.
 */
import { Agent, request } from 'undici';
import { readBoundedText } from '../delivery/bounded-body.js';
import { decodeN12, encodeRequest, FTTH_NS, type N12 } from '../protocols/agcom/ftth/codec.js';
import type { FtthMessage, Operation, ServiceName } from '../protocols/agcom/ftth/messages.js';
import { notificationId } from '../protocols/agcom/ftth/messages.js';

/** an N12 is a few hundred bytes */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface OutboundTarget {
  /** base of the operator's services */
  url: string;
  token?: string;
}

export interface SentRecord {
  op: Operation;
  /** the message's ID_NOTIFICA */
  id: string;
  /** `delivered` (N12 ACK), `refused` (N12 NACK), `failed` (no N12 after every attempt or a final HTTP status) */
  outcome: 'delivered' | 'refused' | 'failed';
  attempts: number;
  n12?: N12;
  /** why it failed, for `failed` */
  error?: string;
}

/** Waits `ms`, or less when `signal` aborts (then it resolves: the caller checks `signal`). */
export const sleepUnlessAborted = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

export class FtthSender {
  readonly #agent = new Agent({ connectTimeout: 5_000, headersTimeout: 15_000, bodyTimeout: 15_000 });

  constructor(
    readonly attempts: number,
    readonly retryMs: number,
    readonly signal: AbortSignal,
  ) {}

  async send(target: OutboundTarget, service: ServiceName, op: Operation, msg: FtthMessage): Promise<SentRecord> {
    const id = notificationId(msg) ?? '';
    const body = encodeRequest(op, msg);
    const url = `${target.url.replace(/\/+$/, '')}/${service}`;
    let pause = this.retryMs;
    let error = 'not attempted';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (this.signal.aborted) return { op, id, outcome: 'failed', attempts: attempt - 1, error: 'simulator closed' };
      try {
        const res = await request(url, {
          method: 'POST',
          dispatcher: this.#agent,
          signal: this.signal,
          headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${FTTH_NS}/${op}"`, ...(target.token ? { authorization: `Bearer ${target.token}` } : {}) },
          body,
        });
        const text = await readBoundedText(res.body, res.headers, MAX_ANSWER_BYTES);
        const d = decodeN12(text, op);
        if (d.ok) return { op, id, outcome: d.n12.ESITO === '0' ? 'delivered' : 'refused', attempts: attempt, n12: d.n12 };
        error = `HTTP ${res.statusCode} without an N12 (${d.problem.message})`;
        // a 4xx without an N12 (401, 404, …) will not change by resending
        if (res.statusCode >= 400 && res.statusCode < 500 && res.statusCode !== 408 && res.statusCode !== 429) return { op, id, outcome: 'failed', attempts: attempt, error };
      } catch (err) {
        error = `unreachable: ${(err as Error).message}`;
      }
      if (attempt < this.attempts) {
        await sleepUnlessAborted(pause, this.signal);
        pause = Math.min(pause * 2, 2_000);
      }
    }
    return { op, id, outcome: 'failed', attempts: this.attempts, error };
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}
