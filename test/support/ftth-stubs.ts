/**
 * Small loopback stand-ins for the operators around the FTTH network-operator simulator: an FTTH
 * endpoint (the Recipient's RecipientMigrationNotify_OLO, or a Donating's
 * DonatingMigrationNotify_OLO) that decodes every call with the codec, records it and answers N12.
 *
 * The Recipient stand-in judges every N4–N7 with the Recipient's own §10.4 machine (machine.ts)
 * and NACKs what it refuses, so a test that expects only ACKs proves the simulator sent nothing a
 * real Recipient would refuse.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { decodeRequest, encodeN12, encodeRequest, FTTH_NS, type N12 } from '../../src/protocols/agcom/ftth/codec.js';
import { DEFAULT_FTTH_CODES, REASONS } from '../../src/protocols/agcom/ftth/codes.js';
import { applyOrderEvent, newOrder, type FtthOrder, type OrderEvent } from '../../src/protocols/agcom/ftth/machine.js';
import { serviceOperations, type FtthMessage, type Operation, type ServiceName } from '../../src/protocols/agcom/ftth/messages.js';
import { orderEventOf } from '../../src/protocols/agcom/ftth/order-events.js';

export interface Received {
  op: Operation;
  msg: FtthMessage;
  /** the SOAP envelope as it arrived */
  raw: string;
  n12: N12;
}

export interface FtthStub {
  /** base of its services, e.g. http://127.0.0.1:1234/agcom/ftth/v1 */
  url: string;
  received: Received[];
  /** the Recipient's view of each order, by CODICE_ORDINE_REC (Recipient stubs only) */
  orders: Map<string, FtthOrder>;
  /** the Recipient's own N2/N3 move its view too (machine.ts), once B took them in */
  recipientSent(codiceOrdineRec: string, event: Extract<OrderEvent, { kind: 'N2' | 'N3' }>): void;
  /** while > 0, each call is answered 503 without an N12 (and counted down) */
  failNext: number;
  /** calls answered 503 so far */
  failed: number;
  /** overrides the answer (e.g. a NACK); undefined: ACK */
  respond?: (r: Omit<Received, 'n12'>) => N12 | undefined;
  /** runs after each ACK (e.g. a Donating answering N8 with N9) */
  onMessage?: (r: Received) => void;
  close(): Promise<void>;
}

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let s = '';
    req.on('data', (d: Buffer) => (s += d.toString()));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });

/** An FTTH endpoint on 127.0.0.1 hosting `service`, accepting only `token`. */
export async function startFtthStub(service: ServiceName, token: string, opts: { judgeAsRecipient?: boolean } = {}): Promise<FtthStub> {
  const received: Received[] = [];
  const orders = new Map<string, FtthOrder>();
  const path = `/agcom/ftth/v1/${service}`;
  const stub = { received, orders, failNext: 0, failed: 0 } as FtthStub;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await body(req);
      if (req.url !== path || req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(req.url !== path ? 404 : 401).end();
        return;
      }
      if (stub.failNext > 0) {
        stub.failNext--;
        stub.failed++;
        res.writeHead(503).end('busy');
        return;
      }
      const d = decodeRequest(text, serviceOperations(service));
      if (!d.ok) {
        res.writeHead(400).end(d.problem.message);
        return;
      }
      let n12: N12 = stub.respond?.({ op: d.op, msg: d.msg, raw: text }) ?? { ID_NOTIFICA: d.msg.ID_NOTIFICA as string, ESITO: '0' };
      if (opts.judgeAsRecipient && n12.ESITO === '0') {
        const rec = d.msg.CODICE_ORDINE_REC as string;
        // the N1 was ACKed (the order is `submitted`) before B could send anything
        const t = applyOrderEvent(orders.get(rec) ?? newOrder(rec), orderEventOf(d.op, d.msg, DEFAULT_FTTH_CODES)!);
        if (t.ok) orders.set(rec, t.order);
        else n12 = { ...n12, ESITO: '1', CODICE_MOTIVAZIONE: REASONS.wrongState, MOTIVAZIONE: t.message };
      }
      const r: Received = { op: d.op, msg: d.msg, raw: text, n12 };
      received.push(r);
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(encodeN12(d.op, n12));
      if (n12.ESITO === '0') stub.onMessage?.(r);
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return Object.assign(stub, {
    url: `http://127.0.0.1:${port}/agcom/ftth/v1`,
    recipientSent(rec: string, event: Extract<OrderEvent, { kind: 'N2' | 'N3' }>) {
      const t = applyOrderEvent(orders.get(rec) ?? newOrder(rec), event);
      if (!t.ok) throw new Error(`the Recipient would not send ${event.kind} now: ${t.message}`);
      orders.set(rec, t.order);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}

/** One SOAP call of `op` to `<base>/<service>` with the codec; the raw answer. */
export async function callFtth(base: string, service: ServiceName, op: Operation, msg: FtthMessage, token: string | null): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}/${service}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${FTTH_NS}/${op}"`, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: encodeRequest(op, msg),
  });
  return { status: res.status, text: await res.text() };
}

/** STATO_ORDINE of the N4s / op names of what a Recipient stub received, compactly: `N4:0`, `N5`, `N6`, `N7:0`. */
export function recipientTrace(stub: FtthStub): string[] {
  const short: Partial<Record<Operation, string>> = { WHS_StatusUpdateMig: 'N4', WHS_RescheduleMig: 'N5', WHS_Event: 'N6', WHS_CompletionOrderMig: 'N7' };
  return stub.received.map((r) => `${short[r.op] ?? r.op}${r.msg.STATO_ORDINE !== undefined ? `:${String(r.msg.STATO_ORDINE)}` : ''}`);
}
