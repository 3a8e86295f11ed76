/**
 * Every refused command changes nothing, on either gateway, on both backends; the wire refuses
 * unauthenticated callers and applies a resent message once; a step TIM's rules refuse (an
 * annulment crossing TIM's completion) ends in the operator's dead letters with TIM's code.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { request } from 'undici';
import { describeEachBackend } from '../support/backends.js';
import { API_KEY } from '../support/gateway-pair.js';
import { eventually, http } from '../support/http-pair.js';
import { countHistory } from '../support/history.js';
import { icGet, OPERATOR, r1Body, r2Body, startInterconnectPair, TIM, untilState, type InterconnectPair } from '../support/interconnect-pair.js';
import { messagesOfCase } from '../../src/store/repos/messages.js';

// two whole gateways with their workers per test: on a loaded machine (PGlite is single-threaded
// WebAssembly) a lifecycle takes longer than the suite's default; nothing here asserts timing
vi.setConfig({ testTimeout: 120_000 });

type Node = InterconnectPair['op'];
const post = (node: Node, path: string, body: unknown) => http(node, 'POST', `/v1/interconnect/${path}`, body);

/** Everything a step could have written. */
async function stateOf(node: Node) {
  const db = node.gw.store.db;
  const cases = await db.selectFrom('cases').select(['id', 'state', 'version', 'data']).orderBy('id').execute();
  const count = async (t: 'messages' | 'outbox' | 'events') => Number((await db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { cases, messages: await count('messages'), outbox: await count('outbox'), events: await count('events'), history: await countHistory(db) };
}

describeEachBackend('interconnect refusals', ({ open }) => {
  let pair: InterconnectPair;
  afterEach(async () => {
    await pair?.close();
  });

  it('each refused command answers its code and changes nothing on either side', async () => {
    pair = await startInterconnectPair(open, open);
    const live = (await post(pair.op, 'requests', r2Body(['192.0.2.50']))).data.id as string;
    const access = (await post(pair.op, 'requests', r1Body(['192.0.2.51']))).data.id as string;
    await untilState(pair.tim, `requests/${live}`, 'SUBMITTED');
    await untilState(pair.tim, `requests/${access}`, 'SUBMITTED');
    expect((await post(pair.tim, `requests/${access}/complete`, { completionDate: '2026-12-01', tds: { port: 'TD-P-51' } })).status).toBe(200);
    await untilState(pair.op, `requests/${access}`, 'COMPLETED');
    await eventually(async () => expect(Number((await pair.op.gw.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow()).n)).toBe(0), 30_000);
    await eventually(async () => expect(Number((await pair.tim.gw.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow()).n)).toBe(0), 30_000);

    // [gateway, path, body, status, code (problem code or, for 422, the first issue's code), path of the first issue]
    const cases: [Node, string, unknown, number, string, string?][] = [
      [pair.op, 'requests', r2Body(['192.0.2.60', '192.0.2.50']), 422, 'SG_IC_BG_IP_IN_USE', '/bgIpAddresses/1'],
      [pair.op, 'requests', { ...r1Body(['192.0.2.61']), rdc: undefined }, 422, 'SG_IC_REQUIRED', '/rdc'],
      [pair.op, 'requests', { ...r2Body(['192.0.2.62']), cacModulesBeyondDimensioning: 5 }, 422, 'SG_IC_CAC_COUNT', '/cacModulesBeyondDimensioning'],
      [pair.op, 'requests', { ...r2Body(['192.0.2.63']), codecs: ['OPUS'] }, 400, 'SG_INVALID_REQUEST', '/codecs/0'],
      [pair.op, 'requests', { ...r2Body(['192.0.2.64']), counterpart: 'ITA.XYZ' }, 422, 'SG_UNKNOWN_PEER', '/counterpart'],
      [pair.op, 'requests', { type: 'cessation', counterpart: TIM, operatorNode: 'N', timNode: 'T', portCount: 2, requestedDate: '2026-12-20', accessIds: [access] }, 422, 'SG_IC_PORT_COUNT', '/portCount'],
      [pair.op, 'requests', { type: 'cessation', counterpart: TIM, operatorNode: 'N', timNode: 'T', portCount: 1, requestedDate: '2026-12-20', accessIds: [live] }, 422, 'SG_IC_ACCESS_NOT_ACTIVE', '/accessIds/0'],
      [pair.op, `requests/${access}/annulment`, { requestDate: '2026-12-01' }, 409, 'SG_IC_ALREADY_DELIVERED'],
      [pair.op, `requests/${live}/annulment`, { requestDate: '2026-12-01', cacModules: 1 }, 422, 'SG_IC_PARTIAL_ANNULMENT', '/cacModules'],
      [pair.op, `requests/${live}/annulment`, { requestDate: '2026-11-30' }, 422, 'SG_IC_ANNUL_DATE', '/requestDate'],
      [pair.op, `requests/${live}/submit`, {}, 409, 'SG_IC_WRONG_STATE'],
      [pair.op, `requests/${live}/progress`, {}, 409, 'SG_IC_WRONG_ROLE'],
      [pair.op, `requests/${live}/complete`, { completionDate: '2026-12-01', tds: { port: 'X', link: 'Y' } }, 409, 'SG_IC_WRONG_ROLE'],
      [pair.op, 'requests/ITA.OLA.V999999999/annulment', { requestDate: '2026-12-01' }, 404, 'SG_NOT_FOUND'],
      [pair.tim, 'requests', r2Body(['192.0.2.65']), 409, 'SG_IC_WRONG_ROLE'],
      [pair.tim, `requests/${live}/annulment`, { requestDate: '2026-12-01' }, 409, 'SG_IC_WRONG_ROLE'],
      [pair.tim, `requests/${live}/reject`, { reason: 'incomplete' }, 409, 'SG_IC_REJECT_ONLY_CESSATION'],
      [pair.tim, `requests/${live}/complete`, { completionDate: '2026-12-01', tds: { port: 'TD-P' } }, 422, 'SG_IC_TD_REQUIRED', '/tds/link'],
      [pair.tim, `requests/${access}/progress`, {}, 409, 'SG_IC_CLOSED'],
      [pair.tim, 'faults', { counterpart: OPERATOR, pdi: 'P', description: 'x' }, 409, 'SG_IC_WRONG_ROLE'],
      [pair.tim, 'projects', { counterpart: OPERATOR, kind: 'migration', traffic: 'M-M' }, 409, 'SG_IC_WRONG_ROLE'],
    ];
    const before = { op: await stateOf(pair.op), tim: await stateOf(pair.tim) };
    for (const [node, path, body, status, code, at] of cases) {
      const r = await post(node, path, body);
      const label = `${node === pair.op ? 'operator' : 'tim'} POST ${path}`;
      expect(r.status, `${label}: ${r.text}`).toBe(status);
      const got = r.data.code === 'SG_VALIDATION' ? r.data.errors[0].code : r.data.code;
      expect(got, `${label}: ${r.text}`).toBe(code);
      if (at) expect(r.data.errors[0].path, label).toBe(at);
    }
    expect({ op: await stateOf(pair.op), tim: await stateOf(pair.tim) }).toEqual(before);
  });

  it('a draft stays on the operator side until submitted', async () => {
    pair = await startInterconnectPair(open, open);
    const d = await post(pair.op, 'requests', { ...r2Body(['192.0.2.70']), draft: true });
    expect(d.status, d.text).toBe(201);
    expect(d.data).toMatchObject({ state: 'DRAFT', orderDate: null });
    expect((await http(pair.tim, 'GET', `/v1/interconnect/requests/${d.data.id}`)).status).toBe(404);
    const s = await post(pair.op, `requests/${d.data.id}/submit`, {});
    expect(s.status, s.text).toBe(200);
    expect(s.data).toMatchObject({ state: 'SUBMITTED', orderDate: '2026-12-01' });
    await untilState(pair.tim, `requests/${d.data.id}`, 'SUBMITTED');
  });

  it('an Idempotency-Key makes a retried create answer the first object; another body with the key is refused', async () => {
    pair = await startInterconnectPair(open, open);
    const create = async (body: unknown, key: string) => {
      const res = await request(`${pair.op.url}/v1/interconnect/faults`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
      });
      return { status: res.statusCode, replayed: res.headers['idempotent-replayed'], data: (await res.body.json()) as { id: string; code: string } };
    };
    const body = { counterpart: TIM, pdi: 'PDI-RM-01', description: 'no ringback tone' };
    const first = await create(body, 'k-1');
    expect(first.status).toBe(201);
    const again = await create(body, 'k-1');
    expect([again.status, again.replayed, again.data.id]).toEqual([201, 'true', first.data.id]);
    const other = await create({ ...body, description: 'something else' }, 'k-1');
    expect([other.status, other.data.code]).toEqual([422, 'SG_IDEMPOTENCY_KEY_REUSED']);
    expect((await icGet(pair.op, 'faults')).items).toHaveLength(1);
  });

  it('the wire refuses unauthenticated callers and applies a resent message once', async () => {
    pair = await startInterconnectPair(open, open);
    const id = (await post(pair.op, 'requests', r2Body(['192.0.2.80']))).data.id as string;
    await untilState(pair.tim, `requests/${id}`, 'SUBMITTED');
    const sent = (await messagesOfCase(pair.op.gw.store.db, id)).find((m) => m.direction === 'out')!;
    const wire = (body: unknown, token?: string) =>
      request(`${pair.tim.url}/interconnect/v1`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    const token = `ic-token-${OPERATOR}-to-${TIM}`;
    expect((await wire(sent.body)).statusCode).toBe(401);
    expect((await wire(sent.body, 'not-a-token')).statusCode).toBe(401);
    expect((await wire({ ...(sent.body as object), sender: 'ITA.XYZ' }, token)).statusCode).toBe(403);
    const bad = await wire({ ...(sent.body as object), kind: 'teleport' }, token);
    expect(bad.statusCode).toBe(400);
    expect(((await bad.body.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe('/kind');
    const before = await stateOf(pair.tim);
    const again = await wire(sent.body, token);
    expect(again.statusCode).toBe(200);
    expect(await again.body.json()).toEqual({ status: 'duplicate', id });
    expect(await stateOf(pair.tim)).toEqual(before);
  });

  it('an annulment crossing TIM\'s completion is refused by TIM and lands in the operator\'s dead letters with the code', async () => {
    pair = await startInterconnectPair(open, open);
    const id = (await post(pair.op, 'requests', r1Body(['192.0.2.90']))).data.id as string;
    await untilState(pair.tim, `requests/${id}`, 'SUBMITTED');
    await pair.tim.gw.worker!.stop();
    expect((await post(pair.tim, `requests/${id}/complete`, { completionDate: '2026-12-01', tds: { port: 'TD-P-90' } })).status).toBe(200);
    const annul = await post(pair.op, `requests/${id}/annulment`, { requestDate: '2026-12-01' });
    expect(annul.data.state).toBe('ANNULLED');
    const dead = await eventually(async () => {
      const items = (await http(pair.op, 'GET', `/v1/dead-letters?caseId=${encodeURIComponent(id)}`)).data.items as { type: string; reason: string }[];
      expect(items).toHaveLength(1);
      return items[0]!;
    }, 30_000);
    expect(dead.type).toBe('IC-REQUEST-ANNUL');
    expect(dead.reason).toContain('409');
    expect(dead.reason).toContain('SG_IC_ALREADY_DELIVERED');
    expect((await icGet(pair.tim, `requests/${id}`)).state).toBe('COMPLETED');
    const refused = await pair.tim.gw.store.db.selectFrom('messages').select(['type', 'status']).where('case_id', '=', id).where('status', '=', 'refused').execute();
    expect(refused).toEqual([{ type: 'IC-REQUEST-ANNUL', status: 'refused' }]);
  });
});
