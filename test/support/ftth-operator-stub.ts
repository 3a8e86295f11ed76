/**
 * A small real network operator (B of italy.md §10.3) on loopback for the Recipient's tests: it
 * hosts `RecipientMigrationService` (N1 Rec_MigrationSetup, N2 Rec_StatusUpdateMig, N3
 * Rec_RescheduleMig) over SOAP 1.1, checks each call with the production codec and the bearer
 * token, records what arrived and answers N12 (ACK, or the NACK the test asks for); and it sends
 * N4–N7 to the gateway's `RecipientMigrationNotify_OLO`, encoded by the same codec, returning the
 * N12 the gateway answered. No scripted behaviour: the test decides every step.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { decodeN12, decodeRequest, encodeN12, encodeRequest, FTTH_NS, type N12 } from '../../src/protocols/agcom/ftth/codec.js';
import { serviceOperations, type FtthMessage, type Operation } from '../../src/protocols/agcom/ftth/messages.js';
import { freePort } from './http-pair.js';

export interface ReceivedCall {
  op: Operation;
  msg: FtthMessage;
  n12: N12;
}

export interface FtthOperatorStub {
  /** base URL to configure as `agcom.wholesale.url` */
  url: string;
  /** every well-formed call that arrived, in order */
  calls: ReceivedCall[];
  /** calls of one operation */
  of(op: Operation): FtthMessage[];
  /** what the next calls are answered (default ACK); a function decides per call */
  answer: (op: Operation, msg: FtthMessage) => Omit<N12, 'ID_NOTIFICA'>;
  /** sends N4–N7 to the gateway; the gateway's N12 (or the HTTP status and text when it sent none) */
  send(op: Operation, msg: FtthMessage): Promise<N12>;
  /** posts raw XML to the gateway's notify service */
  post(body: string, token?: string | null): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

const read = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export async function startFtthOperatorStub(opts: { token: string; gatewayUrl: () => string; gatewayToken: string }): Promise<FtthOperatorStub> {
  const port = await freePort();
  const path = '/whs/RecipientMigrationService';
  const allowed = serviceOperations('RecipientMigrationService');
  const stub = {
    calls: [] as ReceivedCall[],
    answer: (() => ({ ESITO: '0' })) as FtthOperatorStub['answer'],
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      const xml = (status: number, text: string) => res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8' }).end(text);
      if (req.method !== 'POST' || req.url !== path) return xml(404, '');
      if (req.headers.authorization !== `Bearer ${opts.token}`) return xml(401, '');
      const d = decodeRequest(body, allowed);
      if (!d.ok) {
        if (!d.op) return xml(400, '');
        return xml(200, encodeN12(d.op, { ID_NOTIFICA: d.notificationId ?? '', ESITO: '1', CODICE_MOTIVAZIONE: '003', MOTIVAZIONE: d.problem.message.slice(0, 255) }));
      }
      if (req.headers.soapaction !== `"${FTTH_NS}/${d.op}"`) return xml(400, '');
      const n12 = { ID_NOTIFICA: d.msg.ID_NOTIFICA as string, ...stub.answer(d.op, d.msg) } as N12;
      stub.calls.push({ op: d.op, msg: d.msg, n12 });
      return xml(200, encodeN12(d.op, n12));
    })();
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  const notifyUrl = () => `${opts.gatewayUrl()}/agcom/ftth/v1/RecipientMigrationNotify_OLO`;
  const post = async (body: string, token: string | null = opts.gatewayToken) => {
    const res = await fetch(notifyUrl(), { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
    return { status: res.status, text: await res.text() };
  };
  return Object.assign(stub, {
    url: `http://127.0.0.1:${port}/whs`,
    of: (op: Operation) => stub.calls.filter((c) => c.op === op).map((c) => c.msg),
    post,
    async send(op: Operation, msg: FtthMessage) {
      const r = await post(encodeRequest(op, msg));
      const d = decodeN12(r.text, op);
      if (!d.ok) throw new Error(`no N12 from the gateway (HTTP ${r.status}): ${r.text.slice(0, 300)}`);
      return d.n12;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}
