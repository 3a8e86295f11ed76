/** A replayed Idempotency-Key answers from the store and does not run the command again. */
import { afterEach, expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { rest, startPair, type Pair } from '../support/gateway-pair.js';
import { agcomMigration, caseOf, startAgcomPair, timeline, untilA, type AgcomPair } from '../support/agcom-pair.js';
import { http } from '../support/http-pair.js';
import { r2Body, startInterconnectPair, untilState, type InterconnectPair } from '../support/interconnect-pair.js';
import { diesAfterCommit, ownerDied } from '../support/crash.js';

const va = {
  procedure: 'wbci',
  type: 'VA-KUE-MRN',
  donating: 'DEU.EKPB',
  requestedDate: '2026-12-15',
  customer: { kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: 'Muster' },
  location: { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' },
  numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] },
};

describeEachBackend('Idempotency-Key replay', ({ open }) => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('the second request with the key is answered from the store; the command runs once', async () => {
    pair = await startPair(open);
    const service = pair.a.wbci;
    const original = service.startSwitch.bind(service);
    let runs = 0;
    service.startSwitch = (...args: Parameters<typeof original>) => {
      runs++;
      return original(...args);
    };
    const first = await rest(pair.a, 'POST', '/v1/switches', va, { 'idempotency-key': 'k-1' });
    expect(first.statusCode, first.body).toBe(201);
    const again = await rest(pair.a, 'POST', '/v1/switches', va, { 'idempotency-key': 'k-1' });
    expect([again.statusCode, again.headers['idempotent-replayed'], again.data.id]).toEqual([201, 'true', first.data.id]);
    expect(runs).toBe(1);
    // the next switch gets the next id: the replay burned none
    const next = await rest(pair.a, 'POST', '/v1/switches', va);
    expect(next.data.id).toBe('DEU.EKPA.V000000002');
  });

  it('a command whose process died between its commit and its answer is answered on retry, never run again', async () => {
    pair = await startPair(open);
    const created = await rest(pair.a, 'POST', '/v1/switches', va);
    expect(created.statusCode, created.body).toBe(201);
    const id = created.data.id as string;
    await pair.pump();
    const answering = diesAfterCommit(pair.b.wbci, 'answer');
    const answer = { result: 'accept', code: 'ZWA', switchDate: '2026-12-15', technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D123' };
    const first = await rest(pair.b, 'POST', `/v1/switches/${id}/answer`, answer, { 'idempotency-key': 'answer-1' });
    expect(first.statusCode).toBe(500);
    await ownerDied(pair.b.store.db, 'answer-1');
    answering.survive();

    const again = await rest(pair.b, 'POST', `/v1/switches/${id}/answer`, answer, { 'idempotency-key': 'answer-1' });
    expect([again.statusCode, again.headers['idempotent-replayed']], again.body).toEqual([202, 'true']);
    expect(answering.runs()).toBe(1);
    expect(again.data.case).toMatchObject({ id, state: 'AGREED' });
    // one RUEM-VA went out, and it is the one the replay names
    const timeline = await rest(pair.b, 'GET', `/v1/switches/${id}/messages`);
    const sent = (timeline.data.items as { direction: string; type: string; messageId: string }[]).filter((m) => m.direction === 'out');
    expect(sent.map((m) => [m.type, m.messageId])).toEqual([['RUEM-VA', again.data.messageId]]);
    // and the key now holds that answer: a third try is a plain replay
    const third = await rest(pair.b, 'POST', `/v1/switches/${id}/answer`, answer, { 'idempotency-key': 'answer-1' });
    expect([third.statusCode, third.headers['idempotent-replayed'], third.data.messageId]).toEqual([202, 'true', again.data.messageId]);
    expect(answering.runs()).toBe(1);
  });

  it('a dead-letter replay whose process died between its commit and its answer is answered on retry, replayed once', async () => {
    pair = await startPair(open);
    pair.transport.targets.delete('DEU.EKPB');
    await rest(pair.a, 'POST', '/v1/switches', va);
    await pair.a.deliver();
    const { items } = (await rest(pair.a, 'GET', '/v1/dead-letters')).data as { items: { id: string }[] };
    expect(items).toHaveLength(1);
    const id = items[0]!.id;
    pair.transport.targets.set('DEU.EKPB', pair.b);

    const replaying = diesAfterCommit(pair.a.deadLetters, 'replay');
    const key = { 'idempotency-key': 'replay-1' };
    const first = await rest(pair.a, 'POST', `/v1/dead-letters/${id}/replay`, undefined, key);
    expect(first.statusCode).toBe(500);
    await ownerDied(pair.a.store.db, 'replay-1');
    replaying.survive();

    const again = await rest(pair.a, 'POST', `/v1/dead-letters/${id}/replay`, undefined, key);
    expect([again.statusCode, again.headers['idempotent-replayed'], again.data], again.body).toEqual([202, 'true', { id, status: 'replayed' }]);
    expect(replaying.runs()).toBe(1);
    // the dead letter was put back once: one delivery.replayed event, and the VA reaches B once
    const feed = (await rest(pair.a, 'GET', '/v1/events')).data.items as { type: string }[];
    expect(feed.filter((e) => e.type === 'delivery.replayed')).toHaveLength(1);
    await pair.pump();
    expect(pair.transport.sent.filter((s) => s.destination === 'DEU.EKPB' && s.type === 'VA-KUE-MRN')).toHaveLength(1);
  });

  it("a dead letter set aside by a process that died before answering is answered on retry, set aside once; the case's STR-AUF then goes out, the VA never", async () => {
    pair = await startPair(open);
    pair.transport.targets.delete('DEU.EKPB');
    const created = await rest(pair.a, 'POST', '/v1/switches', va);
    const caseId = created.data.id as string;
    await pair.a.deliver();
    const cancelled = await rest(pair.a, 'POST', `/v1/switches/${caseId}/cancel`, { kind: 'STR-AUF' });
    expect(cancelled.statusCode, cancelled.body).toBe(202);
    const { items } = (await rest(pair.a, 'GET', '/v1/dead-letters')).data as { items: { id: string }[] };
    expect(items).toHaveLength(1);
    const id = items[0]!.id;
    pair.transport.targets.set('DEU.EKPB', pair.b);
    // the dead VA holds the STR-AUF back
    await pair.a.deliver();
    expect(pair.transport.sent.filter((s) => s.destination === 'DEU.EKPB')).toEqual([]);

    const settingAside = diesAfterCommit(pair.a.deadLetters, 'setAside');
    const key = { 'idempotency-key': 'aside-1' };
    const note = { note: 'the peer refuses this VA' };
    const first = await rest(pair.a, 'POST', `/v1/dead-letters/${id}/set-aside`, note, key);
    expect(first.statusCode).toBe(500);
    await ownerDied(pair.a.store.db, 'aside-1');
    settingAside.survive();

    const again = await rest(pair.a, 'POST', `/v1/dead-letters/${id}/set-aside`, note, key);
    expect([again.statusCode, again.headers['idempotent-replayed'], again.data], again.body).toEqual([200, 'true', { id, status: 'set_aside' }]);
    expect(settingAside.runs()).toBe(1);
    const feed = (await rest(pair.a, 'GET', '/v1/events')).data.items as { type: string }[];
    expect(feed.filter((e) => e.type === 'delivery.set-aside')).toHaveLength(1);
    await pair.pump();
    expect(pair.transport.sent.filter((s) => s.destination === 'DEU.EKPB').map((s) => s.type)).toEqual(['STR-AUF']);
    const timeline = (await rest(pair.a, 'GET', `/v1/switches/${caseId}/messages`)).data.items as { direction: string; type: string; status: string }[];
    expect(timeline.filter((m) => m.direction === 'out').map((m) => `${m.type} ${m.status}`)).toEqual(['VA-KUE-MRN set_aside', 'STR-AUF delivered']);
  });
});

describeEachBackend('Idempotency-Key replay of an AGCOM command', ({ open }) => {
  let pair: AgcomPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('an annullamento whose process died between its commit and its answer is answered on retry, never sent twice', async () => {
    pair = await startAgcomPair(open, open);
    const started = await http(pair.a, 'POST', '/v1/switches', agcomMigration());
    expect(started.status, started.text).toBe(201);
    const id = started.data.id as string;
    await untilA(pair, async () => expect((await caseOf(pair!.a, id)).state).toBe('AWAITING_MANAGERIAL'));
    expect((await http(pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: 'S1' })).status).toBe(202);
    await untilA(pair, async () => expect((await caseOf(pair!.a, id)).state).toBe('VALIDATED'));

    const cancelling = diesAfterCommit(pair.a.gw.agcom!, 'cancel');
    const body = { reason: 'il cliente ha cambiato idea' };
    const first = await http(pair.a, 'POST', `/v1/switches/${id}/cancel`, body, { 'idempotency-key': 'cancel-1' });
    expect(first.status).toBe(500);
    await ownerDied(pair.a.gw.store.db, 'cancel-1');
    cancelling.survive();

    const again = await http(pair.a, 'POST', `/v1/switches/${id}/cancel`, body, { 'idempotency-key': 'cancel-1' });
    expect([again.status, again.headers['idempotent-replayed']], again.text).toEqual([202, 'true']);
    expect(cancelling.runs()).toBe(1);
    expect(again.data.case).toMatchObject({ id, openChange: { kind: 'ANNULLAMENTO' } });
    expect((await timeline(pair.a, id)).filter((m) => m.startsWith('out:ANNULLAMENTO'))).toHaveLength(1);
  });
});

describeEachBackend('Idempotency-Key replay of an interconnection command', ({ open }) => {
  let pair: InterconnectPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('TIM\'s progress on a request, its process dead between commit and answer, is answered on retry and sent once', async () => {
    pair = await startInterconnectPair(open, open);
    const created = await http(pair.op, 'POST', '/v1/interconnect/requests', r2Body());
    expect(created.status, created.text).toBe(201);
    const id = created.data.id as string;
    await untilState(pair.tim, `requests/${id}`, 'SUBMITTED');

    const stepping = diesAfterCommit(pair.tim.gw.interconnect!.requests, 'step');
    const first = await http(pair.tim, 'POST', `/v1/interconnect/requests/${id}/progress`, {}, { 'idempotency-key': 'progress-1' });
    expect(first.status).toBe(500);
    await ownerDied(pair.tim.gw.store.db, 'progress-1');
    stepping.survive();

    const again = await http(pair.tim, 'POST', `/v1/interconnect/requests/${id}/progress`, {}, { 'idempotency-key': 'progress-1' });
    expect([again.status, again.headers['idempotent-replayed']], again.text).toEqual([200, 'true']);
    expect(stepping.runs()).toBe(1);
    expect(again.data).toMatchObject({ id, state: 'IN_PROGRESS' });
    await untilState(pair.op, `requests/${id}`, 'IN_PROGRESS');
    const sent = await pair.tim.gw.store.db.selectFrom('messages').select('type').where('case_id', '=', id).where('direction', '=', 'out').execute();
    expect(sent.map((m) => m.type)).toEqual(['IC-REQUEST-PROGRESS']);
  });
});
