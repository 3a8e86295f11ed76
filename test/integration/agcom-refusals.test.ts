/**
 * Bad input on the AGCOM REST paths: each refusal has its precise status, problem code and field
 * path (in the terms of the body the CRM sent), and changes nothing on either gateway: no case, no
 * message, no outbox row, no event. Two gateways over real HTTP, both backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeEachBackend } from '../support/backends.js';
import { http } from '../support/http-pair.js';
import { HISTORY_ENTRIES } from '../support/history.js';
import { caseOf, DAC, NOW, startAgcomPair, untilA, type AgcomPair } from '../support/agcom-pair.js';
import type { Gateway } from '../../src/gateway.js';
import { buildMigrationCode } from '../../src/protocols/agcom/migration-code.js';
import { buildSecretCode } from '../../src/protocols/agcom/secret-code.js';

type Json = Record<string, unknown>;
const code = (cor: string, cow = '2ZZ', cos = '001') => buildMigrationCode({ cow, cor, cos });

const migration = (cor: string, over: Json = {}): Json => ({
  procedure: 'agcom',
  donating: 'ITA.OLB',
  migrationCode: code(cor),
  numbers: [cor],
  requestedDate: DAC,
  customer: { firstName: 'Mario', lastName: 'Rossi' },
  contact: { phone: '3331234567' },
  ...over,
});

async function rowCounts(gw: Gateway): Promise<Record<string, number>> {
  const { rows } = await sql<Record<string, string>>`
    SELECT (SELECT count(*) FROM cases)::text AS cases, (SELECT count(*) FROM messages)::text AS messages,
           (SELECT count(*) FROM outbox)::text AS outbox, (SELECT count(*) FROM events)::text AS events,
           ${HISTORY_ENTRIES} AS history,
           (SELECT coalesce(max(version), 0) FROM cases)::text AS versions,
           (SELECT count(*) FROM outbox WHERE status = 'pending')::text AS pending`.execute(gw.store.db);
  return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
}

describeEachBackend('agcom REST refusals', ({ open }) => {
  let pair: AgcomPair;
  beforeAll(async () => {
    pair = await startAgcomPair(open, open);
  });
  afterAll(async () => pair?.close());

  /** Nothing in flight on either side, so the row counts stand still. */
  async function settle(): Promise<void> {
    await untilA(pair, async () => {
      expect((await rowCounts(pair.a.gw)).pending).toBe(0);
      expect((await rowCounts(pair.b.gw)).pending).toBe(0);
    });
  }

  async function expectRefused(method: 'POST', path: string, body: unknown, status: number, problemCode: string, error?: Json, node: 'a' | 'b' = 'a') {
    await settle();
    const before = { a: await rowCounts(pair.a.gw), b: await rowCounts(pair.b.gw) };
    const res = await http(node === 'a' ? pair.a : pair.b, method, path, body);
    expect(res.status, res.text).toBe(status);
    expect(res.data).toMatchObject({ status, code: problemCode });
    if (error) expect(res.data.errors, res.text).toContainEqual(expect.objectContaining(error));
    await settle();
    expect({ a: await rowCounts(pair.a.gw), b: await rowCounts(pair.b.gw) }).toEqual(before);
    return res.data as { detail: string; errors: Json[] };
  }

  async function validated(cor: string): Promise<string> {
    const res = await http(pair.a, 'POST', '/v1/switches', migration(cor));
    expect(res.status, res.text).toBe(201);
    const id = res.data.id as string;
    await untilA(pair, async () => expect((await caseOf(pair.a, id)).state).toBe('AWAITING_MANAGERIAL'));
    return id;
  }

  describe('the codes, checked before anything is sent', () => {
    it('a malformed migration code: length, characters', async () => {
      await expectRefused('POST', '/v1/switches', migration('069234552', { migrationCode: '2ZZ0692' }), 422, 'SG_VALIDATION', { path: '/migrationCode', code: 'SG_MC_LENGTH', rule: 'length' });
      await expectRefused('POST', '/v1/switches', migration('069234552', { migrationCode: '2ZZ06923455*001K' }), 422, 'SG_VALIDATION', { path: '/migrationCode', code: 'SG_MC_CHARSET' });
    });

    it('a check character that does not match names the expected letter', async () => {
      const p = await expectRefused('POST', '/v1/switches', migration('069234552', { migrationCode: '2ZZ 069234552 001 J' }), 422, 'SG_VALIDATION', {
        path: '/migrationCode',
        code: 'SG_MC_CHECK_CHAR',
        rule: 'checkChar',
      });
      expect(p.detail).toContain('check character J does not match');
      expect(p.detail).toContain('it is K');
      // a published invented example (italy.md §6.3) is refused too
      await expectRefused('POST', '/v1/switches', migration('0612345678', { migrationCode: 'WIN0612345678001H' }), 422, 'SG_VALIDATION', { code: 'SG_MC_CHECK_CHAR' });
    });

    it('a COW that belongs to another operator than the addressed Donating', async () => {
      const p = await expectRefused('POST', '/v1/switches', migration('069234552', { migrationCode: code('069234552', 'X7K') }), 422, 'SG_VALIDATION', {
        path: '/migrationCode',
        code: 'SG_AGCOM_SECRET_OTHER_OPERATOR',
        rule: 'secretOfDonating',
      });
      expect(p.detail).toContain('X7K belongs to TIM, not to the Donating OLB');
    });

    it('numbers that do not match the codice segreto; a wrong check character in it', async () => {
      const att = { procedure: 'agcom', donating: 'TIM', secretCode: buildSecretCode('X7K', '0612345678'), requestedDate: DAC, customer: { lastName: 'Rossi' }, contact: { phone: '0612345678' } };
      const p = await expectRefused('POST', '/v1/switches', { ...att, numbers: ['0698765432'] }, 422, 'SG_VALIDATION', { path: '/numbers', code: 'SG_AGCOM_NUMBERS_MISMATCH', rule: 'includesCodeNumber' });
      expect(p.detail).toContain('0612345678');
      const wrongCc = `${att.secretCode.slice(0, -1)}${att.secretCode.endsWith('A') ? 'B' : 'A'}`;
      await expectRefused('POST', '/v1/switches', { ...att, secretCode: wrongCc }, 422, 'SG_VALIDATION', { path: '/secretCode', code: 'SG_SC_CHECK_CHAR' });
    });

    it('two codes of one line with different COWs; both or neither of migrationCode / secretCode; a type that contradicts the code', async () => {
      await expectRefused('POST', '/v1/switches', migration('069234552', { secondMigrationCode: code('069234552', 'KQG', '002') }), 422, 'SG_VALIDATION', {
        path: '/secondMigrationCode',
        code: 'SG_AGCOM_SECRET_MISMATCH',
      });
      await expectRefused('POST', '/v1/switches', migration('069234552', { secretCode: buildSecretCode('X7K', '0612345678') }), 422, 'SG_VALIDATION', { path: '/secretCode', code: 'SG_AGCOM_CODE_REQUIRED' });
      const { migrationCode: _m, ...neither } = migration('069234552');
      await expectRefused('POST', '/v1/switches', neither, 422, 'SG_VALIDATION', { path: '/migrationCode', code: 'SG_AGCOM_CODE_REQUIRED' });
      await expectRefused('POST', '/v1/switches', migration('069234552', { type: 'attivazione' }), 422, 'SG_VALIDATION', { path: '/type', code: 'SG_AGCOM_TYPE_MISMATCH' });
    });
  });

  describe('the request as a whole', () => {
    it('a DAC too early, on a holiday; no numbers; an unknown Donating', async () => {
      await expectRefused('POST', '/v1/switches', migration('069234552', { requestedDate: '2026-12-04' }), 422, 'SG_VALIDATION', { path: '/requestedDate', code: 'SG_AGCOM_DAC_LEAD_TIME' });
      // 25 December: a holiday, and far enough ahead
      await expectRefused('POST', '/v1/switches', migration('069234552', { requestedDate: '2026-12-25' }), 422, 'SG_VALIDATION', { path: '/requestedDate', code: 'SG_AGCOM_DAC_NOT_WORKING_DAY' });
      await expectRefused('POST', '/v1/switches', migration('069234552', { numbers: [] }), 422, 'SG_VALIDATION', { path: '/numbers', code: 'SG_AGCOM_REQUIRED' });
      await expectRefused('POST', '/v1/switches', migration('069234552', { numbers: ['069234552', '069234552'] }), 422, 'SG_VALIDATION', { path: '/numbers/1', code: 'SG_AGCOM_FORMAT', rule: 'uniqueItems' });
      await expectRefused('POST', '/v1/switches', migration('069234552', { donating: 'ITA.WND' }), 422, 'SG_UNKNOWN_PEER', { path: '/donating', code: 'SG_UNKNOWN_PEER' });
      await expectRefused('POST', '/v1/switches', migration('069234552', { customer: { lastName: 'Rossi', taxCode: 'RSSMRA80' } }), 422, 'SG_VALIDATION', { path: '/customer/taxCode', code: 'SG_AGCOM_FORMAT' });
    });

    it('the body schema: unknown field, missing contact, a bad Donating name', async () => {
      await expectRefused('POST', '/v1/switches', { ...migration('069234552'), colour: 'blue' }, 400, 'SG_INVALID_REQUEST', { path: '/colour', rule: 'additionalProperties' });
      const { contact: _c, ...noContact } = migration('069234552');
      await expectRefused('POST', '/v1/switches', noContact, 400, 'SG_INVALID_REQUEST', { path: '/contact', rule: 'required' });
      await expectRefused('POST', '/v1/switches', migration('069234552', { donating: 'olb' }), 400, 'SG_INVALID_REQUEST', { path: '/donating', rule: 'pattern' });
      await expectRefused('POST', '/v1/switches', migration('069234552', { procedure: 'italia' }), 400, 'SG_INVALID_REQUEST', { path: '/procedure', rule: 'enum' });
    });

    it('a second request for a line with an open switch', async () => {
      const first = await validated('069234580');
      const p = await expectRefused('POST', '/v1/switches', migration('069234580'), 409, 'SG_AGCOM_DUPLICATE', { path: '/migrationCode', code: 'SG_AGCOM_DUPLICATE', rule: 'oneOpenSwitchPerLine' });
      expect(p.detail).toContain(first);
      // the same line as the second code of another request, written differently
      await expectRefused('POST', '/v1/switches', migration('069234581', { secondMigrationCode: '2zz-069234580-001-' + code('069234580').slice(-1), numbers: ['069234581'] }), 409, 'SG_AGCOM_DUPLICATE');
    });
  });

  describe('steps the case does not allow', () => {
    it('cancelling or rescheduling after the DAC day', async () => {
      const id = await validated('069234590');
      // 09:00 in Rome the day after the DAC
      pair.clock.set('2026-12-17T08:00:00Z');
      try {
        const p = await expectRefused('POST', `/v1/switches/${id}/cancel`, {}, 409, 'SG_AGCOM_AFTER_DAC', { code: 'SG_AGCOM_AFTER_DAC', rule: 'changeBeforeDac' });
        expect(p.detail).toContain(`up to the DAC day ${DAC} included`);
        await expectRefused('POST', `/v1/switches/${id}/reschedule`, { requestedDate: '2027-01-12' }, 409, 'SG_AGCOM_AFTER_DAC');
      } finally {
        pair.clock.set(NOW);
      }
    });

    it('the wrong side: the Recipient answering, the Donating cancelling or rescheduling', async () => {
      const id = await validated('069234591');
      await expectRefused('POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: 'S' }, 409, 'SG_AGCOM_WRONG_PARTY', { code: 'SG_AGCOM_WRONG_PARTY' });
      await expectRefused('POST', `/v1/switches/${id}/cancel`, {}, 409, 'SG_AGCOM_WRONG_PARTY', undefined, 'b');
      await expectRefused('POST', `/v1/switches/${id}/reschedule`, { requestedDate: '2026-12-18' }, 409, 'SG_AGCOM_WRONG_PARTY', undefined, 'b');
    });

    it('answers: twice, a KO without its category, a session code too long, wrong numbers that are not the request\'s', async () => {
      const id = await validated('069234592');
      await expectRefused('POST', `/v1/switches/${id}/answer`, { result: 'KO', reason: 'no' }, 400, 'SG_INVALID_REQUEST', { path: '/category', rule: 'required' }, 'b');
      await expectRefused('POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: 'S'.repeat(51) }, 422, 'SG_VALIDATION', { path: '/sessionCode', code: 'SG_AGCOM_SESSION_CODE_FORMAT' }, 'b');
      await expectRefused('POST', `/v1/switches/${id}/answer`, { result: 'KO', category: 'NUMERAZIONI', wrongNumbers: ['0611111111'] }, 422, 'SG_VALIDATION', { path: '/wrongNumbers/0', code: 'SG_AGCOM_FORMAT' }, 'b');
      expect((await http(pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: 'S-1' })).status).toBe(202);
      await expectRefused('POST', `/v1/switches/${id}/answer`, { result: 'KO', category: 'ALTRO' }, 409, 'SG_AGCOM_ALREADY_ANSWERED', undefined, 'b');
    });

    it('a second change while one is open; a reschedule to a Saturday; a cancellation of a closed case', async () => {
      const id = await validated('069234593');
      await expectRefused('POST', `/v1/switches/${id}/reschedule`, { requestedDate: '2026-12-19' }, 422, 'SG_VALIDATION', { path: '/requestedDate', code: 'SG_AGCOM_DAC_NOT_WORKING_DAY' });
      expect((await http(pair.a, 'POST', `/v1/switches/${id}/reschedule`, { requestedDate: '2026-12-18' })).status).toBe(202);
      // the change is open until the Donating's xml2 arrives: nothing is delivered meanwhile
      const before = { a: await rowCounts(pair.a.gw), b: await rowCounts(pair.b.gw) };
      const res = await http(pair.a, 'POST', `/v1/switches/${id}/cancel`, {});
      expect(res.status, res.text).toBe(409);
      expect(res.data.code).toBe('SG_AGCOM_CHANGE_OPEN');
      expect({ a: await rowCounts(pair.a.gw), b: await rowCounts(pair.b.gw) }).toEqual(before);
      await untilA(pair, async () => expect((await caseOf(pair.a, id)).openChange).toBeNull());
      expect((await http(pair.a, 'POST', `/v1/switches/${id}/cancel`, {})).status).toBe(202);
      await untilA(pair, async () => expect((await caseOf(pair.a, id)).state).toBe('CANCELLED'));
      await expectRefused('POST', `/v1/switches/${id}/cancel`, {}, 409, 'SG_AGCOM_CLOSED');
      await expectRefused('POST', `/v1/switches/${id}/cancel`, { kind: 'STR-AUF' }, 400, 'SG_INVALID_REQUEST', { path: '/kind', rule: 'const' });
    });
  });

  it('an Idempotency-Key replays the first answer of an AGCOM start, and refuses another body', async () => {
    const call = (body: Json) =>
      pair.a.gw.app.inject({ method: 'POST', url: '/v1/switches', headers: { authorization: 'Bearer test-key', 'content-type': 'application/json', 'idempotency-key': 'k-agcom-1' }, payload: body });
    const first = await call(migration('069234599'));
    expect(first.statusCode, first.body).toBe(201);
    const id = JSON.parse(first.body).id as string;
    await settle();
    const before = { a: await rowCounts(pair.a.gw), b: await rowCounts(pair.b.gw) };
    const again = await call(migration('069234599'));
    expect(again.statusCode, again.body).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(JSON.parse(again.body).id).toBe(id);
    const other = await call(migration('069234598'));
    expect(other.statusCode).toBe(422);
    expect(JSON.parse(other.body).code).toBe('SG_IDEMPOTENCY_KEY_REUSED');
    await settle();
    expect({ a: await rowCounts(pair.a.gw), b: await rowCounts(pair.b.gw) }).toEqual(before);
  });
});
