/**
 * Delivers AGCOM outbox rows as Fase 2 files (italy.md §9.2): the messages pending for one
 * partner are batched into one file per kind (xml1 requests/changes, xml2 formal answers, xml3
 * managerial answers; at most `maxRecordsPerFile`, ≤ 100), named `<TipoFile>_<op>_<op>_<AAAAMMGG>_<n>.xml`
 * in the partner's operator order, uploaded with `Operatore` / `TipoFile` / `FileName`, and
 * settled by the synchronous Reply: 00 delivered, 06 (or no readable Reply) retried, 01–05 dead.
 *
 * Batching rides on the outbox worker: it claims a batch of rows and hands them over in one tick,
 * so everything one cycle claimed for a partner shares a file; what piles up while a file is on
 * its way is claimed, and batched, by the next cycle. Per case the worker releases message n+1
 * only after n, so a file never holds two messages of one case. Progressive numbers come from the database (`id_sequences`), per
 * direction, partner and day: unique across restarts and replicas.
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { request, type Dispatcher } from 'undici';
import { readBoundedText } from './bounded-body.js';
import type { AgcomPartner, AgcomSettings } from '../app/agcom/settings.js';
import {
  buildMultipart,
  decodeJsonReply,
  decodeSoapReply,
  encodeSoapUpload,
  fileToJson,
  rawOfRecord,
  recordSlices,
  SOAP_ACTION,
} from '../app/agcom/wire.js';
import type { PeerConfig } from '../config/types.js';
import {
  decodeReply,
  encodeXml1,
  encodeXml2,
  encodeXml3,
  FILE_LAYOUTS,
  uploadParams,
  type EncodeResult,
  type FileKind,
  type FileName,
  type Reply,
} from '../protocols/agcom/files.js';
import type { AgcomMessage, FormalValidation, ManagerialValidation, RecipientMessage } from '../protocols/agcom/types.js';
import type { Database } from '../store/schema.js';
import { agentFor, retryAfterMs } from './peer-transport.js';
import type { OutboundItem, SendResult, Transport } from './transport.js';

export interface AgcomTransportOptions {
  settings: AgcomSettings;
  /** the progressive numbers of file names */
  db: Kysely<Database>;
  log: Logger;
  now?: () => Date;
  env?: NodeJS.ProcessEnv;
  connectTimeoutMs?: number;
  responseTimeoutMs?: number;
  dispatcherFor?: (peer: PeerConfig) => Dispatcher;
  /** every file sent, with its Reply (tests, metrics) */
  onFile?: (f: SentFile) => void;
}

export interface SentFile {
  partner: string;
  name: string;
  kind: FileKind;
  orderIds: string[];
  /** the Reply code, or undefined when none was read */
  code?: string;
  reason?: string;
}

interface Pending {
  item: OutboundItem;
  msg: AgcomMessage;
  signal: AbortSignal;
  resolve: (r: SendResult) => void;
}

interface Batch {
  partner: AgcomPartner;
  kind: FileKind;
  entries: Pending[];
  scheduled: boolean;
}

type Upload = { ok: true; reply: Reply } | { ok: false; permanent: boolean; reason: string; retryAfterMs?: number };

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

export function fileKindOf(m: AgcomMessage): FileKind {
  return m.type === 'VALIDAZIONE_FORMALE' ? 'xml2' : m.type === 'VALIDAZIONE_GESTIONALE' ? 'xml3' : 'xml1';
}

export class AgcomTransport implements Transport {
  readonly #o: AgcomTransportOptions;
  readonly #batches = new Map<string, Batch>();
  readonly #peers = new Map<string, { dispatcher: Dispatcher; token?: string }>();
  readonly #inFlight = new Set<Promise<void>>();

  constructor(opts: AgcomTransportOptions) {
    this.#o = opts;
    const env = opts.env ?? process.env;
    for (const p of opts.settings.partners) {
      this.#peers.set(p.carrierCode, {
        dispatcher: opts.dispatcherFor?.(p.peer) ?? agentFor(p.peer, { connectTimeoutMs: opts.connectTimeoutMs, connections: 4 }),
        token: p.peer.auth?.type === 'bearer' && p.peer.auth.tokenEnv ? env[p.peer.auth.tokenEnv] : undefined,
      });
    }
  }

  send(item: OutboundItem, signal: AbortSignal): Promise<SendResult> {
    const partner = this.#o.settings.byCarrier(item.destination);
    if (!partner) return Promise.resolve({ ok: false, permanent: true, reason: `no AGCOM partner ${item.destination} is configured` });
    const msg = item.body as AgcomMessage;
    const kind = fileKindOf(msg);
    const key = `${partner.carrierCode}|${kind}`;
    return new Promise<SendResult>((resolve) => {
      let batch = this.#batches.get(key);
      if (!batch) {
        batch = { partner, kind, entries: [], scheduled: false };
        this.#batches.set(key, batch);
      }
      batch.entries.push({ item, msg, signal, resolve });
      if (batch.entries.length >= this.#o.settings.maxRecordsPerFile) this.#flush(key);
      else if (!batch.scheduled) {
        // the worker hands over a whole claim in one tick: flush once that tick is over
        batch.scheduled = true;
        setImmediate(() => this.#flush(key));
      }
    });
  }

  #flush(key: string): void {
    const batch = this.#batches.get(key);
    if (!batch) return;
    this.#batches.delete(key);
    const live = batch.entries.filter((e) => {
      if (!e.signal.aborted) return true;
      e.resolve({ ok: false, permanent: false, reason: 'send aborted before the file was built' });
      return false;
    });
    if (live.length === 0) return;
    const work = this.#sendFile(batch.partner, batch.kind, live).catch((err: unknown) => {
      const reason = `AGCOM file: ${(err as Error).message || String(err)}`;
      for (const e of live) e.resolve({ ok: false, permanent: false, reason });
    });
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  #encode(kind: FileKind, entries: Pending[], partner: AgcomPartner, file?: string): EncodeResult {
    const opts = { values: partner.values, strictLayout: partner.strictLayout, maxRecords: this.#o.settings.maxRecordsPerFile, file };
    if (kind === 'xml1') return encodeXml1(entries.map((e) => e.msg as RecipientMessage), opts);
    if (kind === 'xml2') return encodeXml2(entries.map((e) => e.msg as FormalValidation), opts);
    return encodeXml3(entries.map((e) => e.msg as ManagerialValidation), opts);
  }

  async #sendFile(partner: AgcomPartner, kind: FileKind, entries: Pending[]): Promise<void> {
    // a record our own codec refuses is dead on its own; the others still travel
    let enc = this.#encode(kind, entries, partner);
    if (!enc.ok) {
      const bad = new Set(enc.issues.map((i) => i.record).filter((r): r is number => r !== undefined));
      if (bad.size === 0) {
        const reason = `cannot encode the ${kind} file: ${enc.issues.map((i) => i.message).join('; ')}`;
        for (const e of entries) e.resolve({ ok: false, permanent: true, reason });
        return;
      }
      for (const i of bad) {
        const reason = `cannot encode: ${enc.issues.filter((x) => x.record === i).map((x) => x.message).join('; ')}`;
        entries[i]!.resolve({ ok: false, permanent: true, reason });
      }
      entries = entries.filter((_, i) => !bad.has(i));
      if (entries.length === 0) return;
      enc = this.#encode(kind, entries, partner);
      if (!enc.ok) {
        const reason = `cannot encode the ${kind} file: ${enc.issues.map((i) => i.message).join('; ')}`;
        for (const e of entries) e.resolve({ ok: false, permanent: true, reason });
        return;
      }
    }
    const settings = this.#o.settings;
    const fileType = FILE_LAYOUTS[kind].fileType;
    const date = settings.calendar.today(this.#o.now?.() ?? new Date());
    const progressive = await this.#nextProgressive(`agcom-file:${fileType}:${settings.operatorCode}:${partner.operatorCode}:${date}`);
    if (progressive >= 10 ** partner.naming.progressiveWidth) {
      const reason = `no progressive number left for ${date} (${partner.naming.progressiveWidth} digits)`;
      for (const e of entries) e.resolve({ ok: false, permanent: false, reason, retryAfterMs: 60 * 60_000 });
      return;
    }
    const name: FileName = { fileType, sender: settings.operatorCode, receiver: partner.operatorCode, date, progressive };
    const params = uploadParams(name, partner.naming);
    const signal = AbortSignal.any(entries.map((e) => e.signal));
    const upload = await this.#upload(partner, params, enc.xml, signal);
    const orderIds = entries.map((e) => e.msg.orderId);
    if (!upload.ok) {
      this.#o.log.info({ partner: partner.carrierCode, file: params.FileName, records: entries.length, reason: upload.reason }, 'AGCOM file not delivered');
      this.#o.onFile?.({ partner: partner.carrierCode, name: params.FileName, kind, orderIds, reason: upload.reason });
      for (const e of entries) e.resolve(upload);
      return;
    }
    const { reply } = upload;
    this.#o.onFile?.({ partner: partner.carrierCode, name: params.FileName, kind, orderIds, code: reply.code, reason: reply.description });
    this.#o.log.info({ partner: partner.carrierCode, file: params.FileName, records: entries.length, reply: reply.code }, 'AGCOM file uploaded');
    if (reply.code !== '00') {
      const why = `Reply ${reply.code} for ${params.FileName}: ${reply.description ?? ''}`;
      // 06 is the partner's system error: the file may pass later; 01–05 never will
      for (const e of entries) e.resolve({ ok: false, permanent: reply.code !== '06', reason: why });
      return;
    }
    const slices = recordSlices(enc.xml, kind);
    const rawFormat = partner.protocol === 'agcom-json' ? 'json' : partner.protocol === 'agcom-soap' ? 'soap' : 'file';
    entries.forEach((e, i) => e.resolve({ ok: true, raw: rawOfRecord(params.FileName, i, entries.length, slices[i]), rawFormat }));
  }

  async #nextProgressive(key: string): Promise<number> {
    const { rows } = await sql<{ value: number | string }>`
      INSERT INTO id_sequences (name, value) VALUES (${key}, 1)
      ON CONFLICT (name) DO UPDATE SET value = id_sequences.value + 1
      RETURNING value`.execute(this.#o.db);
    return Number(rows[0]!.value);
  }

  async #upload(partner: AgcomPartner, params: Required<ReturnType<typeof uploadParams>>, xml: string, signal: AbortSignal): Promise<Upload> {
    const peer = this.#peers.get(partner.carrierCode)!;
    const headers: Record<string, string> = {};
    if (peer.token) headers.authorization = `Bearer ${peer.token}`;
    const url = partner.url;
    let body: string | Buffer;
    switch (partner.protocol) {
      case 'agcom-file': {
        // the servlet form: multipart with the three parameters and the file part
        const boundary = `----switchgate${randomBytes(12).toString('hex')}`;
        headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
        body = buildMultipart(params, xml, boundary);
        break;
      }
      case 'agcom-json':
        headers['content-type'] = 'application/json';
        body = JSON.stringify({ ...params, File: fileToJson(xml) });
        break;
      case 'agcom-soap':
        headers['content-type'] = 'text/xml; charset=utf-8';
        headers.soapaction = `"${SOAP_ACTION}"`;
        body = encodeSoapUpload(params, xml);
        break;
    }
    let status: number;
    let text: string;
    let retryAfter: string | string[] | undefined;
    try {
      const timeout = this.#o.responseTimeoutMs ?? 15_000;
      const res = await request(url, { method: 'POST', dispatcher: peer.dispatcher, headers, body, signal, headersTimeout: timeout, bodyTimeout: timeout });
      status = res.statusCode;
      retryAfter = res.headers['retry-after'];
      text = await readBoundedText(res.body, res.headers);
    } catch (err) {
      return { ok: false, permanent: false, reason: `transport: ${(err as Error).message || String(err)}` };
    }
    const reply = this.#readReply(partner, text);
    if (reply) return { ok: true, reply };
    const ra = retryAfterMs(retryAfter);
    if (status >= 200 && status < 300) return { ok: false, permanent: false, reason: `HTTP ${status} without a readable Reply` };
    if (RETRYABLE_STATUS.has(status)) return { ok: false, permanent: false, reason: `HTTP ${status}`, ...(ra !== undefined ? { retryAfterMs: ra } : {}) };
    return { ok: false, permanent: true, reason: `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}` };
  }

  #readReply(partner: AgcomPartner, text: string): Reply | undefined {
    if (partner.protocol === 'agcom-json') {
      try {
        return decodeJsonReply(JSON.parse(text));
      } catch {
        return undefined;
      }
    }
    if (partner.protocol === 'agcom-soap') {
      const r = decodeSoapReply(text);
      return r.ok ? r.reply : undefined;
    }
    const r = decodeReply(text);
    return r.ok ? r.reply : undefined;
  }

  /** Sends what is batched now (shutdown, tests). */
  async flush(): Promise<void> {
    for (const key of [...this.#batches.keys()]) this.#flush(key);
    await Promise.all([...this.#inFlight]);
  }

  async close(): Promise<void> {
    await this.flush();
    await Promise.all([...this.#peers.values()].map((p) => p.dispatcher.close()));
  }
}

export function createAgcomTransport(opts: AgcomTransportOptions): AgcomTransport {
  return new AgcomTransport(opts);
}
