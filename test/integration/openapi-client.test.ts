/**
 * A CRM's client generated from docs/openapi.json by tools nobody here wrote (openapi-typescript
 * types, openapi-fetch) runs the README quick-start against two real gateways over HTTP on
 * 127.0.0.1: start a switch, read it, list, read its messages, answer on the other side, read the
 * event feed. Type-checked with `npm run typecheck`, no casts to any. Every answer is checked
 * against the document (status documented, body valid, problem code listed), every event against
 * the `Event` catalogue.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { afterEach, expect, it } from 'vitest';
import type { components, paths } from '../generated/switchgate-api.js';
import { describeEachBackend } from '../support/backends.js';
import { API_KEY, quickStartVa, startPair, type Pair } from '../support/gateway-pair.js';
import { freePort } from '../support/http-pair.js';
import { ContractChecker } from '../support/openapi-contract.js';

type Event = components['schemas']['Event'];

describeEachBackend('a client generated from docs/openapi.json runs the quick-start', ({ open }) => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('start, read, list, messages, answer on the other side, event feed — every answer as documented', async () => {
    pair = await startPair(open);
    const [pa, pb] = [await freePort(), await freePort()];
    await pair.a.listen(pa, '127.0.0.1');
    await pair.b.listen(pb, '127.0.0.1');
    const checker = new ContractChecker();
    const mismatches: string[] = [];
    const conformance: Middleware = {
      async onResponse({ request, response }) {
        const text = await response.clone().text();
        mismatches.push(...checker.problems(request.method, new URL(request.url).pathname, response.status, response.headers.get('content-type') ?? undefined, text));
      },
    };
    const client = (port: number): Client<paths> => {
      const c = createClient<paths>({ baseUrl: `http://127.0.0.1:${port}`, headers: { authorization: `Bearer ${API_KEY}` } });
      c.use(conformance);
      return c;
    };
    const a = client(pa);
    const b = client(pb);

    // as the recipient (DEU.EKPA): start the switch of the README quick-start
    // the README body, typed by the generated StartSwitchBody (a union discriminated by procedure)
    const body: components['schemas']['StartSwitchBody'] = {
      procedure: 'wbci',
      type: 'VA-KUE-MRN',
      donating: 'DEU.EKPB',
      requestedDate: '2026-12-15',
      customer: { kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: 'Muster' },
      location: { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' },
      numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] },
    };
    expect(body).toEqual(quickStartVa());
    const started = await a.POST('/v1/switches', { body, params: { header: { 'Idempotency-Key': 'crm-order-4711' } } });
    expect(started.response.status, JSON.stringify(started.error)).toBe(201);
    if (!started.data) throw new Error('no case');
    const id = started.data.id;
    expect(started.data.procedure).toBe('wbci');
    expect(started.data.role).toBe('recipient');

    const read = await a.GET('/v1/switches/{id}', { params: { path: { id } } });
    expect(read.data?.state).toBe('AWAITING_ANSWER');
    expect(read.data?.deadlines.map((d) => d.name)).toContain('answer');

    const listed = await a.GET('/v1/switches', { params: { query: { limit: 10, role: 'recipient' } } });
    expect(listed.data?.items.map((c) => c.id)).toEqual([id]);
    expect(listed.data?.nextCursor).toBeNull();

    await pair.pump();
    const messages = await a.GET('/v1/switches/{id}/messages', { params: { path: { id } } });
    expect(messages.data?.items.map((m) => [m.type, m.direction])).toEqual([['VA-KUE-MRN', 'out']]);

    // as the donating side (DEU.EKPB): the same case, answered with RUEM-VA
    const atB = await b.GET('/v1/switches/{id}', { params: { path: { id } } });
    expect(atB.data?.role).toBe('donating');
    const answered = await b.POST('/v1/switches/{id}/answer', {
      params: { path: { id } },
      body: { result: 'accept', code: 'ZWA', switchDate: '2026-12-15', technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D123' },
    });
    expect(answered.response.status, JSON.stringify(answered.error)).toBe(202);
    expect(answered.data?.case.state).toBe('AGREED');

    await pair.pump();
    const agreed = await a.GET('/v1/switches/{id}', { params: { path: { id } } });
    expect(agreed.data?.switchDate).toBe('2026-12-15');

    // the event feed, page by page, each event one of the documented types
    const events: Event[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await a.GET('/v1/events', { params: { query: { limit: 2, ...(after ? { after } : {}) } } });
      if (!page.data) throw new Error(JSON.stringify(page.error));
      if (page.data.items.length === 0) break;
      events.push(...page.data.items);
      after = page.data.nextCursor ?? undefined;
    }
    for (const e of events) expect(checker.componentErrors('Event', e), e.type).toEqual([]);
    expect(events.filter((e) => e.caseId === id).map((e) => e.type)).toEqual(expect.arrayContaining(['message.queued', 'case.case-opened', 'message.delivered', 'message.received', 'case.agreed']));
    const agreedEvent = events.find((e) => e.type === 'case.agreed');
    if (agreedEvent?.type === 'case.agreed') expect(agreedEvent.data.switchDate).toBe('2026-12-15');

    // a refusal, as the client sees it: typed problem document
    const refused = await a.GET('/v1/switches/{id}', { params: { path: { id: 'DEU.EKPA.V999999999' } } });
    expect(refused.response.status).toBe(404);
    expect(refused.error?.code).toBe('SG_NOT_FOUND');

    expect(mismatches).toEqual([]);
    expect(checker.seen.length).toBeGreaterThanOrEqual(10);
  }, 120_000);
});
