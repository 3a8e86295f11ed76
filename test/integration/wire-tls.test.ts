/**
 * TLS per peer: the gateway reaches a peer over HTTPS with the peer's CA and presents its own
 * client certificate (mutual TLS). The peer here is a small HTTPS stub on 127.0.0.1 that demands
 * a client certificate from the same CA and answers every call with a positive Quittung.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import { createPeerTransport } from '../../src/delivery/peer-transport.js';
import { decodeSoap, encodeTeq, positiveTeq } from '../../src/protocols/wbci/soap-codec.js';
import { vaIdOf } from '../../src/protocols/wbci/types.js';
import { ManualClock } from '../../src/domain/clock.js';
import { openPglite } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { API_KEY, rest, silentLog } from '../support/gateway-pair.js';
import { createHash } from 'node:crypto';

const dir = new URL('../fixtures/tls/', import.meta.url).pathname;
const pem = (f: string) => readFileSync(dir + f);
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

interface Seen {
  clientSubject: string | undefined;
  vaId: string;
}

async function startTlsPeer(seen: Seen[]): Promise<{ server: Server; port: number }> {
  const server = createServer({ key: pem('server.key'), cert: pem('server.pem'), ca: pem('ca.pem'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const decoded = decodeSoap(Buffer.concat(chunks));
      if (!decoded.ok) {
        res.writeHead(500).end();
        return;
      }
      const cert = (req.socket as TLSSocket).getPeerCertificate();
      seen.push({ clientSubject: cert.subject?.CN as string | undefined, vaId: vaIdOf(decoded.message) });
      const teq = encodeTeq(decoded.kind, positiveTeq(decoded.message.sender, vaIdOf(decoded.message)), { timestamp: new Date().toISOString(), major: '02', minor: '00' });
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(teq);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

const va = {
  procedure: 'wbci',
  type: 'VA-KUE-MRN',
  donating: 'DEU.EKPB',
  requestedDate: '2026-12-15',
  customer: { kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: 'Muster' },
  location: { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' },
  numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] },
};

async function gatewayTo(port: number, tls: Record<string, unknown>): Promise<{ gw: Gateway; close: () => Promise<void> }> {
  const config = parseConfig(
    {
      self: { carrierCode: 'DEU.EKPA', profiles: ['wbci'], holidayRegion: 'DE-BY' },
      apiKeys: [{ name: 'crm', keySha256: sha(API_KEY), scopes: ['switches:write', 'switches:read', 'dead-letters:read'] }],
      peers: [{ carrierCode: 'DEU.EKPB', protocol: 'wbci-soap', url: `https://127.0.0.1:${port}/wbci/v1`, auth: { type: 'none' }, tls }],
    },
    'test',
    {},
  );
  const log = silentLog();
  const transport = createPeerTransport(config, log, { connectTimeoutMs: 2_000, responseTimeoutMs: 2_000 });
  const store = await openPglite({});
  await migrateToLatest(store.db);
  const gw = await createGateway({
    config,
    store,
    log,
    clock: new ManualClock('2026-11-23T09:00:00+01:00'),
    transport,
    background: false,
    retryPolicy: { maxAttempts: 2, baseMs: 1, capMs: 1 },
  });
  return {
    gw,
    close: async () => {
      await gw.close();
      await transport.close();
    },
  };
}

describe('TLS per peer', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  it('delivers over HTTPS with the peer\'s CA and the gateway\'s own client certificate', async () => {
    const seen: Seen[] = [];
    const peer = await startTlsPeer(seen);
    cleanup.push(() => new Promise((r) => peer.server.close(() => r())));
    const { gw, close } = await gatewayTo(peer.port, { caFile: dir + 'ca.pem', certFile: dir + 'client.pem', keyFile: dir + 'client.key' });
    cleanup.push(close);
    const created = await rest(gw, 'POST', '/v1/switches', va);
    expect(created.statusCode, created.body).toBe(201);
    expect(await gw.deliver()).toBe(1);
    expect(seen).toEqual([{ clientSubject: 'DEU.EKPA', vaId: created.data.id }]);
    const msgs = await rest(gw, 'GET', `/v1/switches/${created.data.id}/messages`);
    expect(msgs.data.items.map((m: { status: string }) => m.status)).toEqual(['delivered']);
  });

  it('without a client certificate the peer refuses the handshake: retried, then dead-lettered with the reason', async () => {
    const seen: Seen[] = [];
    const peer = await startTlsPeer(seen);
    cleanup.push(() => new Promise((r) => peer.server.close(() => r())));
    const { gw, close } = await gatewayTo(peer.port, { caFile: dir + 'ca.pem' });
    cleanup.push(close);
    const created = await rest(gw, 'POST', '/v1/switches', va);
    expect(created.statusCode).toBe(201);
    for (let i = 0; i < 20 && (await rest(gw, 'GET', '/v1/dead-letters')).data.items.length === 0; i++) {
      await gw.deliver();
      await new Promise((r) => setTimeout(r, 20));
    }
    const dead = (await rest(gw, 'GET', '/v1/dead-letters')).data.items;
    expect(dead).toHaveLength(1);
    expect(dead[0].reason).toMatch(/^gave up after 2 attempts: transport: /);
    expect(seen).toEqual([]);
  });

  it('an unknown CA is not trusted: the server certificate is refused', async () => {
    const seen: Seen[] = [];
    const peer = await startTlsPeer(seen);
    cleanup.push(() => new Promise((r) => peer.server.close(() => r())));
    const { gw, close } = await gatewayTo(peer.port, { certFile: dir + 'client.pem', keyFile: dir + 'client.key' });
    cleanup.push(close);
    await rest(gw, 'POST', '/v1/switches', va);
    await gw.deliver();
    const msgs = (await rest(gw, 'GET', '/v1/switches?limit=1')).data.items;
    expect(msgs).toHaveLength(1);
    expect(seen).toEqual([]);
    const row = await gw.store.db.selectFrom('outbox').select(['status', 'last_error']).executeTakeFirstOrThrow();
    expect(row.last_error).toMatch(/certificate/i);
  });
});
