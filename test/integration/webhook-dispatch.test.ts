/**
 * Webhooks as reliable as peers, against a real (slow, sometimes refusing) endpoint on 127.0.0.1:
 *
 * - two replicas on one PostgreSQL database dispatch one webhook whose endpoint answers more slowly
 *   than the lease lasts, and refuses one event twice with backoffs longer than the lease: the
 *   lease is renewed while a replica works, so every event arrives once (2xx), in feed order;
 * - an event the endpoint keeps refusing becomes a dead letter of kind `webhook` after
 *   `retry.maxAttempts`, the next events go on, and its replay sends it again with its event id;
 * - during a secret rollover the signature header carries both signatures, new first.
 */
import { createHmac, createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import { openPglite } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { SIGNATURE_HEADER } from '../../src/delivery/webhooks.js';
import { createTestDatabase, pgAdminUrl, type TestDatabase } from '../support/backends.js';
import { eventually } from '../support/http-pair.js';
import { API_KEY, rest, silentLog, quickStartVa } from '../support/gateway-pair.js';
import { allEvents } from '../support/events.js';
import { kwtAhead } from '../support/dates.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
// these gateways run on the system clock: a fixed requested date falls inside the 7-working-day lead one day
const va = quickStartVa({ requestedDate: kwtAhead() });

interface Hit {
  eventId: string;
  status: number;
  body: string;
  signature: string;
}

/** A webhook endpoint: answers after `delayMs`, with the status `decide` picks. */
async function startEndpoint(decide: (eventId: string, seen: number) => number, delayMs = 0) {
  const hits: Hit[] = [];
  const seenBy = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const eventId = String(req.headers['switchgate-event-id']);
      const seen = (seenBy.get(eventId) ?? 0) + 1;
      seenBy.set(eventId, seen);
      const status = decide(eventId, seen);
      setTimeout(() => {
        hits.push({ eventId, status, body, signature: String(req.headers[SIGNATURE_HEADER]) });
        res.writeHead(status).end();
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    hits,
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

function config(url: string, retry: Record<string, number>, extra: Record<string, unknown> = {}) {
  return parseConfig(
    {
      self: { carrierCode: 'DEU.EKPA' },
      apiKeys: [{ name: 'crm', keySha256: sha(API_KEY), scopes: ['switches:write', 'switches:read', 'events:read', 'dead-letters:read', 'dead-letters:write'] }],
      peers: [{ carrierCode: 'DEU.EKPB', protocol: 'wbci-soap', url: 'http://127.0.0.1:9/wbci/v1', inboundTokenSha256: sha('t') }],
      webhooks: [{ url, secretEnv: 'WH_SECRET', name: 'crm', retry, ...extra }],
    },
    'test',
    { WH_SECRET: 'new-secret', WH_OLD: 'old-secret' },
  );
}

/** Every event in feed order, once all of them are visible to feed readers. */
async function feed(gw: Gateway): Promise<string[]> {
  return eventually(async () => {
    const events = await allEvents(gw.store.db);
    expect(events.every((e) => e.visible)).toBe(true);
    return events.map((e) => `${e.tx}-${e.seq}`);
  });
}

const mac = (secret: string, t: string, body: string) => createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');

describe.skipIf(!pgAdminUrl())('two replicas dispatch one webhook against a slow endpoint [postgres]', () => {
  let database: TestDatabase;
  const gateways: Gateway[] = [];
  let endpoint: Awaited<ReturnType<typeof startEndpoint>>;
  // renewed every 800 ms, counted as held for 1 600 ms: slack for a loaded machine
  const LEASE_MS = 2_400;

  beforeAll(async () => {
    database = await createTestDatabase();
    const refused = { event: '' };
    // slower than the lease; the second event is refused twice, with backoffs longer than the lease
    endpoint = await startEndpoint((eventId, seen) => (eventId === refused.event && seen <= 2 ? 503 : 204), 3_000);
    const cfg = config(endpoint.url, { maxAttempts: 10, initialDelayMs: 3_000, maxDelayMs: 3_000 });
    // the cases are written with the dispatchers stopped, so that both replicas start on a full feed
    const writer = await createGateway({ config: cfg, databaseUrl: database.url, log: silentLog(), env: { WH_SECRET: 'new-secret' }, background: false });
    for (let i = 0; i < 2; i++) expect((await rest(writer, 'POST', '/v1/switches', va)).statusCode).toBe(201);
    const events = await feed(writer);
    refused.event = events[1]!;
    await writer.close();
    for (let i = 0; i < 2; i++) {
      gateways.push(await createGateway({ config: cfg, databaseUrl: database.url, log: silentLog(), env: { WH_SECRET: 'new-secret' }, webhookLeaseMs: LEASE_MS }));
    }
  }, 90_000);

  afterAll(async () => {
    for (const g of gateways) await g.close();
    await endpoint?.close();
    await database?.drop();
  });

  it('every event is acknowledged once, in feed order; the refused one was retried by the replica that held it', async () => {
    const events = await feed(gateways[0]!);
    expect(events.length).toBeGreaterThanOrEqual(4);
    await eventually(async () => expect(endpoint.hits.filter((h) => h.status === 204).length).toBeGreaterThanOrEqual(events.length), 120_000, 200);
    // what the endpoint acknowledged: each event once, in the order of the feed
    expect(endpoint.hits.filter((h) => h.status === 204).map((h) => h.eventId)).toEqual(events);
    // and nothing was sent out of order: the whole sequence of calls runs through the feed once
    const calls = endpoint.hits.map((h) => h.eventId);
    expect(calls).toEqual([events[0], events[1], events[1], events[1], ...events.slice(2)]);
    expect(endpoint.hits.filter((h) => h.status === 503).map((h) => h.eventId)).toEqual([events[1], events[1]]);
  }, 150_000);
});

describe('an endpoint that keeps refusing one event [pglite]', () => {
  let gw: Gateway;
  let endpoint: Awaited<ReturnType<typeof startEndpoint>>;
  let poisoned = '';
  let healed = false;

  beforeAll(async () => {
    endpoint = await startEndpoint((eventId) => (eventId === poisoned && !healed ? 422 : 200));
    const store = await openPglite({});
    await migrateToLatest(store.db);
    const cfg = config(endpoint.url, { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 }, { previousSecretEnv: 'WH_OLD' });
    // the cases are written first (the in-memory database outlives this gateway), then the dispatcher runs
    const writer = await createGateway({ config: cfg, store: { ...store, close: async () => {} }, log: silentLog(), env: { WH_SECRET: 'new-secret', WH_OLD: 'old-secret' }, background: false });
    for (let i = 0; i < 2; i++) expect((await rest(writer, 'POST', '/v1/switches', va)).statusCode).toBe(201);
    poisoned = (await feed(writer))[0]!;
    await writer.close();
    gw = await createGateway({ config: cfg, store, log: silentLog(), env: { WH_SECRET: 'new-secret', WH_OLD: 'old-secret' } });
  }, 90_000);
  afterAll(async () => {
    await gw?.close();
    await endpoint?.close();
  });

  it('gives the event up after retry.maxAttempts as a dead letter of kind webhook, goes on, and replays it', { timeout: 90_000 }, async () => {
    const events = await feed(gw);
    await eventually(async () => expect(endpoint.hits.filter((h) => h.status === 200).map((h) => h.eventId)).toEqual(events.slice(1)), 20_000);
    expect(endpoint.hits.filter((h) => h.eventId === poisoned).map((h) => h.status)).toEqual([422, 422, 422]);
    const list = await rest(gw, 'GET', '/v1/dead-letters');
    expect(list.statusCode).toBe(200);
    const dl = (list.data.items as Record<string, unknown>[]).find((d) => d.kind === 'webhook');
    expect(dl).toMatchObject({ kind: 'webhook', webhook: 'crm', eventId: poisoned, attempts: 3, reason: 'HTTP 422', destination: endpoint.url, replayedAt: null, redeliveredAt: null, messageId: null });
    expect(typeof dl!.type).toBe('string');

    healed = true;
    const replay = await rest(gw, 'POST', `/v1/dead-letters/${dl!.id as string}/replay`);
    expect(replay.statusCode, replay.body).toBe(202);
    await eventually(async () => expect(endpoint.hits.filter((h) => h.eventId === poisoned).map((h) => h.status)).toEqual([422, 422, 422, 200]), 20_000);
    await eventually(async () => {
      const after = (await rest(gw, 'GET', '/v1/dead-letters')).data.items as Record<string, unknown>[];
      expect(after).toHaveLength(1);
      expect(after[0]!.replayedAt).not.toBeNull();
      expect(after[0]!.redeliveredAt).not.toBeNull();
    });
    expect((await rest(gw, 'POST', `/v1/dead-letters/${dl!.id as string}/replay`)).statusCode).toBe(404);
  });

  it('signs with the new and the previous secret during a rollover: t=…,v1=<new>,v1=<old>', () => {
    expect(endpoint.hits.length).toBeGreaterThan(0);
    for (const h of endpoint.hits) {
      const m = /^t=(\d+),v1=([0-9a-f]{64}),v1=([0-9a-f]{64})$/.exec(h.signature);
      expect(m, h.signature).not.toBeNull();
      expect(m![2]).toBe(mac('new-secret', m![1]!, h.body));
      expect(m![3]).toBe(mac('old-secret', m![1]!, h.body));
    }
  });
});
