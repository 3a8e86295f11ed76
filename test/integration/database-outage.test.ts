/**
 * The database goes away under load and comes back (issue 9, point 6). Gateway A runs on a
 * PostgreSQL cluster of its own, which the test shuts down and starts again while CRMs keep
 * posting VAs; gateway B (its peer) runs on the suite's cluster. A's outbox poll is one hour, so
 * deliveries after the outage can only come from LISTEN/NOTIFY being re-established and from the
 * worker's own due-time wake-ups, never from a poll.
 *
 * What must hold: while away, every endpoint answers 503 with Retry-After in its own format and
 * readiness says so; nothing acknowledged before is lost; afterwards the pool serves again,
 * deliveries and the event feed resume, and no outbox row is left pending or leased.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createTestDatabase, pgAdminUrl, type TestDatabase } from '../support/backends.js';
import { findPostgresBin, startCluster, type Cluster } from '../support/pg-cluster.js';
import { eventually, freePort, http, startHttpNode, type HttpNode } from '../support/http-pair.js';
import { API_KEY, quickStartVa } from '../support/gateway-pair.js';
import { rawPost, soapHeaders } from '../support/wire-stubs.js';
import { openPostgres } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { encodeSoap } from '../../src/protocols/wbci/soap-codec.js';
import { validVaKueMrn } from '../unit/wbci/builders.js';
import { kwtAhead } from '../support/dates.js';

const bin = findPostgresBin();
const KWT = kwtAhead();

let seq = 0;
const vaBody = () => quickStartVa({ requestedDate: KWT, lastName: `Outage${++seq}` });

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

async function post(url: string, path: string, body: unknown): Promise<Answer> {
  const res = await request(url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

function expect503Problem(res: Answer): void {
  expect(res.status, res.text).toBe(503);
  expect(res.headers['retry-after']).toMatch(/^\d+$/);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(JSON.parse(res.text)).toMatchObject({ status: 503, code: 'SG_DATABASE_UNAVAILABLE' });
}

describe.skipIf(!bin || !pgAdminUrl())('database away and back [postgres]', () => {
  let cluster: Cluster;
  let dbB: TestDatabase;
  let a: HttpNode;
  let b: HttpNode;

  beforeAll(async () => {
    cluster = await startCluster(bin!);
    const storeA = await openPostgres(cluster.url, { poolSize: 4 });
    await migrateToLatest(storeA.db);
    dbB = await createTestDatabase();
    const storeB = await openPostgres(dbB.url, { poolSize: 4 });
    await migrateToLatest(storeB.db);
    const [pa, pb] = [await freePort(), await freePort()];
    // A's outbox polls once an hour: nothing after the outage may depend on that poll
    a = await startHttpNode('DEU.EKPA', 'DEU.EKPB', pa, `http://127.0.0.1:${pb}/wbci/v1`, storeA, { outboxPollMs: 3_600_000 });
    b = await startHttpNode('DEU.EKPB', 'DEU.EKPA', pb, `http://127.0.0.1:${pa}/wbci/v1`, storeB);
  }, 60_000);

  afterAll(async () => {
    await a?.gw.close();
    await b?.gw.close();
    await dbB?.drop();
    cluster?.stopSync();
  });

  it('answers 503 + Retry-After while PostgreSQL is away, loses nothing acknowledged, and resumes deliveries and the feed without a poll', async () => {
    // steady load from four CRM clients; every answer is either 201 (acknowledged) or a 503 problem
    const acknowledged: string[] = [];
    const refused: Answer[] = [];
    const unexpected: Answer[] = [];
    let loading = true;
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (loading) {
          const res = await post(a.url, '/v1/switches', vaBody()).catch((err: unknown) => ({ status: 0, headers: {}, text: String(err) }));
          if (res.status === 201) acknowledged.push(JSON.parse(res.text).id as string);
          else if (res.status === 503) refused.push(res);
          else unexpected.push(res);
          if (res.status !== 201) await new Promise((r) => setTimeout(r, 20));
        }
      }),
    );

    await eventually(async () => expect(acknowledged.length).toBeGreaterThanOrEqual(20), 30_000);
    cluster.stopServer();
    const ackedBefore = [...acknowledged];
    await eventually(async () => expect(refused.length).toBeGreaterThanOrEqual(5), 30_000);

    // REST, both ways in
    expect503Problem(await post(a.url, '/v1/switches', vaBody()));
    const get = await request(`${a.url}/v1/switches/${ackedBefore[0]}`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(get.statusCode).toBe(503);
    expect(get.headers['retry-after']).toBeDefined();
    await get.body.dump();
    // the SOAP wire: HTTP 503 with a Server fault, so the peer retries
    const va = validVaKueMrn({ recipient: 'DEU.EKPB', donating: 'DEU.EKPA', sender: 'DEU.EKPB', vaId: 'DEU.EKPB.V000000001', requestedDate: KWT });
    const soap = await rawPost(`${a.url}/wbci/v1`, encodeSoap(va, { timestamp: new Date().toISOString(), major: '02', minor: '00' }), soapHeaders('DEU.EKPB', 'DEU.EKPA'));
    expect(soap.status, soap.text).toBe(503);
    expect(soap.headers['retry-after']).toMatch(/^\d+$/);
    expect(soap.headers['content-type']).toMatch(/^text\/xml/);
    expect(soap.text).toMatch(/<faultcode>SOAP-ENV:Server<\/faultcode>/);
    // readiness tells, liveness does not
    const ready = await request(`${a.url}/health/ready`);
    expect(ready.statusCode).toBe(503);
    expect(await ready.body.json()).toMatchObject({ status: 'unavailable', database: 'unreachable' });
    const live = await request(`${a.url}/health/live`);
    expect(live.statusCode).toBe(200);
    await live.body.dump();

    cluster.startServer();
    await eventually(async () => {
      const r = await request(`${a.url}/health/ready`);
      await r.body.dump();
      expect(r.statusCode).toBe(200);
    }, 30_000);
    const ackedAtRestart = acknowledged.length;
    await eventually(async () => expect(acknowledged.length).toBeGreaterThanOrEqual(ackedAtRestart + 10), 30_000);
    loading = false;
    await load;

    // every answer was an acknowledgement or a 503 problem; every 503 said when to come back
    expect(unexpected.map((u) => `${u.status} ${u.text.slice(0, 200)}`)).toEqual([]);
    for (const r of refused) expect503Problem(r);

    // nothing acknowledged is lost: each case is at A, and its VA reaches B without any poll
    const atA = new Set((await a.gw.store.db.selectFrom('cases').select('id').execute()).map((c) => c.id));
    expect(acknowledged.filter((id) => !atA.has(id))).toEqual([]);
    await eventually(async () => {
      const atB = new Set((await b.gw.store.db.selectFrom('messages').select('case_id').where('direction', '=', 'in').execute()).map((m) => m.case_id));
      expect(acknowledged.filter((id) => !atB.has(id))).toEqual([]);
    }, 60_000, 200);
    // no worker left stuck: nothing pending, nothing leased, nothing dead
    await eventually(async () => {
      const rows = await a.gw.store.db.selectFrom('outbox').select(['status', 'lease_owner']).execute();
      expect(rows.filter((r) => r.status !== 'delivered' || r.lease_owner !== null)).toEqual([]);
    }, 60_000, 200);

    // the feed resumes: a long poll from the end of the feed returns the next case's events
    let cursor: string | null = null;
    for (;;) {
      const page = await http(a, 'GET', `/v1/events?limit=1000${cursor ? `&after=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      if (page.data.items.length === 0) break;
      cursor = page.data.nextCursor as string;
    }
    const longPoll = http(a, 'GET', `/v1/events?wait=30&after=${cursor}`);
    const created = await post(a.url, '/v1/switches', vaBody());
    expect(created.status, created.text).toBe(201);
    const next = await longPoll;
    expect(next.status).toBe(200);
    expect((next.data.items as { caseId?: string }[]).some((e) => e.caseId === JSON.parse(created.text).id)).toBe(true);
    // …and delivery of a VA posted after the outage needs no poll either
    const id = JSON.parse(created.text).id as string;
    await eventually(async () => {
      const r = await http(b, 'GET', `/v1/switches/${id}`);
      expect(r.status).toBe(200);
    }, 30_000, 100);
  }, 240_000);
});
