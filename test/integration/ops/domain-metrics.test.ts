/**
 * Domain metrics while a peer goes down and comes back: two real gateways on 127.0.0.1 with a
 * switchable proxy in front of the donating one; /metrics read over HTTP.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { request } from 'undici';
import { createTestDatabase, describeEachBackend, pgAdminUrl, type TestDatabase } from '../../support/backends.js';
import { eventually as eventuallyWithin, freePort } from '../../support/http-pair.js';
import { startProxy, startStubPeer, startWireNode, type Proxy, type StubPeer, type WireNode } from '../../support/wire-stubs.js';
import { API_KEY } from '../../support/gateway-pair.js';
import { sample } from '../../support/prometheus.js';
import { failureReason } from '../../../src/http/domain-metrics.js';
import { kwtAhead } from '../../support/dates.js';

// whole gateways on a shared two-core machine: generous, never a timing assertion
vi.setConfig({ testTimeout: 120_000 });
const eventually = <T>(check: () => Promise<T>) => eventuallyWithin(check, 60_000, 50);

const AUF = 'DEU.EKPA';
const ABG = 'DEU.EKPB';

const va = (donating = ABG) => ({
  procedure: 'wbci',
  type: 'VA-KUE-MRN',
  donating,
  // the gateways run on the system clock
  requestedDate: kwtAhead(),
  customer: { kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: 'Muster' },
  location: { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' },
  numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] },
});

async function post(node: WireNode, path: string, body: unknown) {
  const res = await request(node.url + path, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.statusCode, data: (await res.body.json()) as any };
}
async function metrics(node: WireNode): Promise<string> {
  const res = await request(`${node.url}/metrics`);
  expect(res.statusCode).toBe(200);
  return res.body.text();
}

describeEachBackend('domain metrics', ({ open }) => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('a peer goes down and comes back: backlog, age, failures, durations and inbound counts move', async () => {
    const portB = await freePort();
    const toB: Proxy = await startProxy(`http://127.0.0.1:${portB}`);
    cleanup.push(() => toB.close());
    const portA = await freePort();
    const retryPolicy = { maxAttempts: 1_000, baseMs: 20, capMs: 100 };
    const b = await startWireNode(ABG, [{ carrierCode: AUF, url: `http://127.0.0.1:${portA}/wbci/v1` }], { store: await open(), retryPolicy, port: portB });
    cleanup.push(() => b.gw.close());
    const a = await startWireNode(AUF, [{ carrierCode: ABG, url: `${toB.url}/wbci/v1` }], { store: await open(), retryPolicy, port: portA });
    cleanup.push(() => a.gw.close());

    const before = await metrics(a);
    expect(sample(before, 'switchgate_outbox_pending', { destination: ABG })).toBe(0);
    expect(sample(before, 'switchgate_outbox_oldest_pending_seconds', { destination: ABG })).toBe(0);
    expect(sample(before, 'switchgate_dead_letters', { destination: ABG })).toBe(0);
    expect(sample(before, 'switchgate_feed_lag_seconds')).toBeDefined();

    await toB.set('fail'); // the proxy answers 503 itself
    const created = await post(a, '/v1/switches', va());
    expect(created.status).toBe(201);
    const down = await eventually(async () => {
      const text = await metrics(a);
      expect(sample(text, 'switchgate_outbox_pending', { destination: ABG })).toBe(1);
      expect(sample(text, 'switchgate_delivery_failures_total', { destination: ABG, reason: 'http_5xx' })).toBeGreaterThanOrEqual(2);
      expect(sample(text, 'switchgate_outbox_oldest_pending_seconds', { destination: ABG })).toBeGreaterThan(0);
      return text;
    });
    expect(sample(down, 'switchgate_delivery_duration_seconds_count', { destination: ABG, outcome: 'failed' })).toBeGreaterThanOrEqual(2);
    expect(sample(down, 'switchgate_delivery_duration_seconds_count', { destination: ABG, outcome: 'delivered' })).toBeUndefined();

    await toB.set('pass');
    await eventually(async () => {
      const text = await metrics(a);
      expect(sample(text, 'switchgate_outbox_pending', { destination: ABG })).toBe(0);
      expect(sample(text, 'switchgate_outbox_oldest_pending_seconds', { destination: ABG })).toBe(0);
      expect(sample(text, 'switchgate_delivery_duration_seconds_count', { destination: ABG, outcome: 'delivered' })).toBe(1);
    });
    const atB = await metrics(b);
    expect(sample(atB, 'switchgate_inbound_messages_total', { peer: AUF, type: 'VA-KUE-MRN', outcome: 'accepted' })).toBe(1);
  });

  it('a permanent failure raises the dead-letter gauge; a replay that succeeds brings it back to 0', async () => {
    const stub: StubPeer = await startStubPeer(() => ({ kind: 'reply', status: 400, body: '<html>bad request</html>', contentType: 'text/html' }));
    cleanup.push(() => stub.close());
    const a = await startWireNode(AUF, [{ carrierCode: 'DEU.EKPC', url: stub.url }], { store: await open() });
    cleanup.push(() => a.gw.close());
    const created = await post(a, '/v1/switches', va('DEU.EKPC'));
    expect(created.status).toBe(201);
    await eventually(async () => {
      const text = await metrics(a);
      expect(sample(text, 'switchgate_dead_letters', { destination: 'DEU.EKPC' })).toBe(1);
      expect(sample(text, 'switchgate_delivery_failures_total', { destination: 'DEU.EKPC', reason: 'http_4xx' })).toBe(1);
      expect(sample(text, 'switchgate_outbox_pending', { destination: 'DEU.EKPC' })).toBe(0);
    });
    stub.behave(() => ({ kind: 'ok' }));
    const list = await request(`${a.url}/v1/dead-letters`, { headers: { authorization: `Bearer ${API_KEY}` } });
    const id = ((await list.body.json()) as { items: { id: string }[] }).items[0]!.id;
    expect((await post(a, `/v1/dead-letters/${id}/replay`, {})).status).toBe(202);
    await eventually(async () => {
      const text = await metrics(a);
      expect(sample(text, 'switchgate_dead_letters', { destination: 'DEU.EKPC' })).toBe(0);
      expect(sample(text, 'switchgate_delivery_duration_seconds_count', { destination: 'DEU.EKPC', outcome: 'delivered' })).toBe(1);
    });
  });

  it('a dead letter set aside leaves the gauge at once, and nothing is delivered', async () => {
    const stub: StubPeer = await startStubPeer(() => ({ kind: 'reply', status: 400, body: 'bad request', contentType: 'text/plain' }));
    cleanup.push(() => stub.close());
    const a = await startWireNode(AUF, [{ carrierCode: 'DEU.EKPC', url: stub.url }], { store: await open() });
    cleanup.push(() => a.gw.close());
    expect((await post(a, '/v1/switches', va('DEU.EKPC'))).status).toBe(201);
    await eventually(async () => expect(sample(await metrics(a), 'switchgate_dead_letters', { destination: 'DEU.EKPC' })).toBe(1));
    const list = await request(`${a.url}/v1/dead-letters`, { headers: { authorization: `Bearer ${API_KEY}` } });
    const id = ((await list.body.json()) as { items: { id: string }[] }).items[0]!.id;
    expect((await post(a, `/v1/dead-letters/${id}/set-aside`, { note: 'refused for good' })).status).toBe(200);
    const text = await metrics(a);
    expect(sample(text, 'switchgate_dead_letters', { destination: 'DEU.EKPC' })).toBe(0);
    expect(sample(text, 'switchgate_outbox_pending', { destination: 'DEU.EKPC' })).toBe(0);
    expect(stub.requests).toHaveLength(1);
  });
});

describe.skipIf(!pgAdminUrl())('domain metrics with two replicas on one PostgreSQL', () => {
  it('both replicas report the same backlog, whichever of them wrote it', async () => {
    const database: TestDatabase = await createTestDatabase();
    const toB = await startProxy('http://127.0.0.1:9');
    await toB.set('fail');
    const peers = [{ carrierCode: ABG, url: `${toB.url}/wbci/v1` }];
    const retryPolicy = { maxAttempts: 1_000, baseMs: 50, capMs: 200 };
    const r1 = await startWireNode(AUF, peers, { databaseUrl: database.url, retryPolicy });
    const r2 = await startWireNode(AUF, peers, { databaseUrl: database.url, retryPolicy });
    try {
      expect((await post(r1, '/v1/switches', va())).status).toBe(201);
      expect((await post(r2, '/v1/switches', va())).status).toBe(201);
      await eventually(async () => {
        for (const r of [r1, r2]) expect(sample(await metrics(r), 'switchgate_outbox_pending', { destination: ABG })).toBe(2);
      });
    } finally {
      await r1.gw.close();
      await r2.gw.close();
      await toB.close();
      await database.drop();
    }
  });
});

describe('failure reasons as labels', () => {
  it('classify the peer\'s answer, never quote it', () => {
    expect(failureReason({ ok: false, permanent: false, reason: 'HTTP 503 <html>…' })).toBe('http_5xx');
    expect(failureReason({ ok: false, permanent: true, reason: 'SOAP fault soap:Client: <script>' })).toBe('soap_fault');
    expect(failureReason({ ok: false, permanent: true, reason: 'negative TEQ 0995: x' })).toBe('negative_ack');
    expect(failureReason({ ok: false, permanent: false, reason: 'transport: connect ECONNREFUSED 127.0.0.1:9' })).toBe('connection');
    expect(failureReason({ ok: false, permanent: false, reason: 'something else' })).toBe('transient_other');
  });
});
