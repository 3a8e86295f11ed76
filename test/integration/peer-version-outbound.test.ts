/**
 * The WBCI major release per peer, outbound: the gateway sends each peer its configured
 * `version.major` in `Control`, and a Quittung in another major release is not taken as an
 * acknowledgement (the two sides disagree on the version: permanent, a human must look).
 * A stub peer on 127.0.0.1 answers in the major release it is told to.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createPeerTransport } from '../../src/delivery/peer-transport.js';
import { decodeSoap, encodeTeq, positiveTeq } from '../../src/protocols/wbci/soap-codec.js';
import { vaIdOf } from '../../src/protocols/wbci/types.js';
import type { OutboundItem } from '../../src/delivery/transport.js';
import { validVaKueMrn } from '../unit/wbci/builders.js';
import { silentLog } from '../support/gateway-pair.js';

let server: Server;
let base = '';
const seenMajors: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const decoded = decodeSoap(Buffer.concat(chunks), { supportedMajors: ['02', '03'] });
      if (!decoded.ok) return void res.writeHead(500).end();
      seenMajors.push(decoded.control.major);
      const answerIn = new URL(req.url ?? '/', 'http://x').searchParams.get('answer') ?? decoded.control.major;
      const teq = encodeTeq(decoded.kind, positiveTeq(decoded.message.sender, vaIdOf(decoded.message)), { timestamp: new Date().toISOString(), major: answerIn, minor: '00' });
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(teq);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const item: OutboundItem = { outboxId: 1, messageId: 'm1', caseId: 'DEU.EKPA.V000000001', kind: 'peer', destination: 'DEU.EKPB', type: 'VA-KUE-MRN', body: validVaKueMrn() };

async function send(query: string, version?: { major: string; minor: string }) {
  const config = parseConfig(
    { self: { carrierCode: 'DEU.EKPA' }, peers: [{ carrierCode: 'DEU.EKPB', protocol: 'wbci-soap', url: `${base}/wbci/v1${query}`, auth: { type: 'none' }, ...(version ? { version } : {}) }] },
    'test',
    {},
  );
  const t = createPeerTransport(config, silentLog());
  try {
    return await t.send(item, new AbortController().signal);
  } finally {
    await t.close();
  }
}

describe('WBCI major release per peer, outbound', () => {
  it('sends the peer its configured major and accepts its Quittung in that major', async () => {
    seenMajors.length = 0;
    expect(await send('', { major: '03', minor: '00' })).toMatchObject({ ok: true });
    expect(await send('')).toMatchObject({ ok: true });
    expect(seenMajors).toEqual(['03', '02']);
  });

  it('a positive Quittung in another major release is a permanent failure naming both', async () => {
    expect(await send('?answer=03')).toEqual({
      ok: false,
      permanent: true,
      reason: 'the Quittung is in WBCI major release 03, the peer is configured for 02 (peers[].version.major)',
    });
  });
});
