/**
 * Replies are read with a limit, like inbound bodies: a stub on 127.0.0.1 answers every call with
 * 5 MiB (announced by Content-Length, or streamed in chunks without one). The peer, wholesale and
 * number-portability clients stop reading at 1 MiB and report the delivery as not acknowledged
 * (transient), instead of buffering whatever arrives.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createPeerTransport } from '../../src/delivery/peer-transport.js';
import { createWholesaleTransport } from '../../src/delivery/wholesale-transport.js';
import { createNpTransport } from '../../src/delivery/np-transport.js';
import { MAX_REPLY_BYTES } from '../../src/delivery/bounded-body.js';
import { WHOLESALE_MESSAGE_TYPES } from '../../src/wholesale/types.js';
import type { OutboundItem } from '../../src/delivery/transport.js';
import { validVaKueMrn } from '../unit/wbci/builders.js';
import { silentLog } from '../support/gateway-pair.js';

const HUGE = 5 * 1024 * 1024;
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const chunked = req.url?.includes('chunked');
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', ...(chunked ? {} : { 'content-length': String(HUGE) }) });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < HUGE) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const item = (over: Partial<OutboundItem>): OutboundItem => ({ outboxId: 1, messageId: 'm1', caseId: 'DEU.EKPA.V000000001', kind: 'peer', destination: 'DEU.EKPB', type: 'VA-KUE-MRN', body: {}, ...over });
const notAcknowledged = { ok: false, permanent: false, reason: expect.stringContaining(`reply larger than ${MAX_REPLY_BYTES} bytes, not read`) };

describe('size-bounded replies', () => {
  for (const mode of ['content-length', 'chunked'] as const) {
    it(`a peer's ${HUGE}-byte reply (${mode}) is not read past the limit`, async () => {
      const config = parseConfig(
        { self: { carrierCode: 'DEU.EKPA' }, peers: [{ carrierCode: 'DEU.EKPB', protocol: 'wbci-soap', url: `${base}/wbci/v1?${mode}`, auth: { type: 'none' } }] },
        'test',
        {},
      );
      const t = createPeerTransport(config, silentLog(), { responseTimeoutMs: 10_000 });
      try {
        const r = await t.send(item({ body: validVaKueMrn() }), new AbortController().signal);
        expect(r).toEqual(notAcknowledged);
      } finally {
        await t.close();
      }
    });
  }

  it('the wholesale provider\'s huge reply likewise', async () => {
    const t = createWholesaleTransport({ url: `${base}/chunked`, protocol: 'rest', placeOrders: 'auto' }, silentLog(), { responseTimeoutMs: 10_000 });
    try {
      const r = await t.send(item({ kind: 'wholesale', destination: 'wholesale', type: WHOLESALE_MESSAGE_TYPES.order, body: { externalId: 'x' } }), new AbortController().signal);
      expect(r).toEqual(notAcknowledged);
    } finally {
      await t.close();
    }
  });

  it('the number-portability endpoint\'s huge reply likewise', async () => {
    const t = createNpTransport({ url: `${base}/np?chunked` }, silentLog(), { responseTimeoutMs: 10_000 });
    try {
      const r = await t.send(item({ kind: 'wholesale', destination: 'number-portability', type: 'NP-NOTICE', body: { a: 1 } }), new AbortController().signal);
      expect(r).toEqual(notAcknowledged);
    } finally {
      await t.close();
    }
  });
});
