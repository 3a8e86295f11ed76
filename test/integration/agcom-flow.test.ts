/**
 * AGCOM Fase 2 end to end: two gateways over real HTTP on 127.0.0.1, each on its own database
 * (both backends). The Recipient OLA sends xml1 files, the Donating (OLB, or TIM retail for an
 * attivazione) answers with xml2 (its gateway's formal validation) and xml3 (its CRM's managerial
 * validation through REST).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { http } from '../support/http-pair.js';
import { caseOf, DAC, messagesOf, startAgcomPair, timeline, untilA, type AgcomPair, type AgcomProtocol } from '../support/agcom-pair.js';
import { buildMigrationCode } from '../../src/protocols/agcom/migration-code.js';
import { buildSecretCode } from '../../src/protocols/agcom/secret-code.js';
import { countEvents } from '../support/events.js';

type FeedEvent = { type: string; caseId: string; data: Record<string, unknown> & { code?: string; name?: string } };

/**
 * A's event feed once it has caught up with every committed event: the feed shows an event only
 * when every older transaction on the (shared test) cluster has ended.
 */
async function feedOf(pair: AgcomPair): Promise<FeedEvent[]> {
  const committed = await countEvents(pair.a.gw.store.db);
  for (const until = Date.now() + 15_000; ; ) {
    const items = (await http(pair.a, 'GET', '/v1/events?limit=1000')).data.items as FeedEvent[];
    if (items.length >= committed || Date.now() > until) return items;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const code = (cor: string, cow = '2ZZ', cos = '001') => buildMigrationCode({ cow, cor, cos });

const migration = (cor = '069234552', over: Record<string, unknown> = {}) => ({
  procedure: 'agcom',
  donating: 'ITA.OLB',
  migrationCode: code(cor),
  numbers: [cor],
  requestedDate: DAC,
  customer: { firstName: 'Mario', lastName: 'Rossi', taxCode: 'RSSMRA80A01H501U' },
  contact: { phone: '+39 333 1234567', email: 'mario.rossi@example.it' },
  ...over,
});

async function start(pair: AgcomPair, body: Record<string, unknown>): Promise<string> {
  const res = await http(pair.a, 'POST', '/v1/switches', body);
  expect(res.status, res.text).toBe(201);
  return res.data.id as string;
}

async function formallyValidated(pair: AgcomPair, ...ids: string[]): Promise<void> {
  await untilA(pair, async () => {
    for (const id of ids) expect((await caseOf(pair.a, id)).state).toBe('AWAITING_MANAGERIAL');
  });
}

describeEachBackend('agcom: Fase 2 between two gateways', ({ open }) => {
  let pair: AgcomPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  describe('migration OK', () => {
    for (const protocol of ['agcom-file', 'agcom-json', 'agcom-soap'] as AgcomProtocol[]) {
      it(`request → formal OK → managerial OK with the CodiceSessione (${protocol})`, async () => {
        pair = await startAgcomPair(open, open, { protocol });
        const id = await start(pair, migration());
        expect(id).toMatch(/^OLA_V\d{9}$/);
        const created = await caseOf(pair.a, id);
        expect(created).toMatchObject({ procedure: 'agcom', type: 'migrazione', role: 'recipient', peer: 'ITA.OLB', state: 'AWAITING_FORMAL', requestedDate: DAC, switchDate: null });
        expect(created.deadlines.map((d: { name: string }) => d.name)).toEqual(['formalAnswer', 'managerialAnswer']);

        await formallyValidated(pair, id);
        const atB = await caseOf(pair.b, id);
        expect(atB).toMatchObject({ role: 'donating', peer: 'ITA.OLA', state: 'AWAITING_MANAGERIAL', requestedDate: DAC });
        expect(atB.agcom).toMatchObject({ recipient: 'OLA', donating: 'OLB', numbers: ['069234552'], resources: [{ cor: '069234552', cos: '001' }] });

        const ans = await http(pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: 'SESS-OLB-000123' });
        expect(ans.status, ans.text).toBe(202);
        expect(ans.data.case.state).toBe('VALIDATED');
        await untilA(pair, async () => expect((await caseOf(pair!.a, id)).state).toBe('VALIDATED'));

        const done = await caseOf(pair.a, id);
        expect(done.switchDate).toBe(DAC);
        expect(done.agcom.sessionCode).toBe('SESS-OLB-000123');
        // the phase-3 hook point: everything the wholesale order quotes
        expect(done.agcom.phase3).toEqual({ sessionCode: 'SESS-OLB-000123', cow: '2ZZ', resources: [{ cor: '069234552', cos: '001' }], numbers: ['069234552'], dac: DAC });
        expect(done.agcom.contact).toEqual({ phone: '+39 333 1234567', email: 'mario.rossi@example.it' });
        expect(await timeline(pair.a, id)).toEqual(['out:RICHIESTA:delivered', 'in:VALIDAZIONE_FORMALE:accepted', 'in:VALIDAZIONE_GESTIONALE:accepted']);
        // B marks its last answer delivered after A's reply, i.e. after A has moved: wait for it
        await untilA(pair, async () => expect(await timeline(pair!.b, id)).toEqual(['in:RICHIESTA:accepted', 'out:VALIDAZIONE_FORMALE:delivered', 'out:VALIDAZIONE_GESTIONALE:delivered']));

        // the wire form is kept both ways: the record, headed by the file it travelled in
        const format = protocol === 'agcom-file' ? 'file' : protocol === 'agcom-json' ? 'json' : 'soap';
        const [sent] = await messagesOf(pair.a, id, true);
        expect(sent.rawFormat).toBe(format);
        expect(sent.raw).toContain('N_OLA_OLB_20261201_00001.xml record 1 of 1');
        expect(sent.raw).toContain(`<Request CodiceOrdineRecipient="${id}">`);
        expect(sent.raw).toContain('<CodiceOLODonating>2ZZ</CodiceOLODonating>');
        expect(sent.raw).toContain('<DAC>2026/12/16</DAC>');
        const [received] = await messagesOf(pair.b, id, true);
        expect(received.rawFormat).toBe(format);
        expect(received.raw).toContain('<CodiceRisorsa1>069234552</CodiceRisorsa1>');
        const managerial = (await messagesOf(pair.a, id, true)).find((m) => m.type === 'VALIDAZIONE_GESTIONALE')!;
        expect(managerial.raw).toMatch(/R_OLB_OLA_20261201_\d{5}\.xml record 1 of 1/);
        expect(managerial.raw).toContain('<CodiceSessione>SESS-OLB-000123</CodiceSessione>');
      });
    }
  });

  it('a batch of requests travels in one xml1 file, each record its own case', async () => {
    pair = await startAgcomPair(open, open);
    const cors = ['069234552', '069234553', '069234554'];
    const ids: string[] = [];
    for (const cor of cors) ids.push(await start(pair, migration(cor)));
    expect(await pair.deliverA()).toBe(3);
    for (const [i, id] of ids.entries()) {
      const [sent] = await messagesOf(pair.a, id, true);
      expect(sent.status).toBe('delivered');
      expect(sent.raw).toContain(`N_OLA_OLB_20261201_00001.xml record ${i + 1} of 3`);
      expect((await caseOf(pair.b, id)).agcom.resources).toEqual([{ cor: cors[i], cos: '001' }]);
    }
    await formallyValidated(pair, ...ids);
    // the Donating's answers come back in R files of its own numbering
    for (const id of ids) {
      const formal = (await messagesOf(pair.a, id, true)).find((m) => m.type === 'VALIDAZIONE_FORMALE')!;
      expect(formal.raw).toMatch(/^<!-- R_OLB_OLA_20261201_\d{5}\.xml record \d of \d -->\n<ValidazioneFormale CodiceOrdineRecipient=/);
    }
    // the next file of the day gets the next progressive number
    const fourth = await start(pair, migration('069234555'));
    await pair.deliverA();
    expect((await messagesOf(pair.a, fourth, true))[0].raw).toContain('N_OLA_OLB_20261201_00002.xml record 1 of 1');
  });

  it('migration KO: the CRM refuses for each reason; the category, texts and wrong numbers reach the Recipient', async () => {
    pair = await startAgcomPair(open, open);
    const reasons = [
      { category: 'FORMATO', reason: 'dati anagrafici incompleti' },
      { category: 'CODICE_SEGRETO', reason: 'codice segreto non associato alla linea' },
      { category: 'RISORSA', reason: 'risorsa cessata' },
      { category: 'NUMERAZIONI', reason: 'numerazione non presente sulla linea', wrongNumbers: ['069234599'] },
      { category: 'DUPLICATO', reason: 'migrazione già in corso' },
      { category: 'ALTRO', reason: 'altro', reasonCode: 'X42', cause: '7' },
    ];
    const ids: string[] = [];
    for (const [i, r] of reasons.entries()) {
      const cor = `06923456${i}`;
      ids.push(await start(pair, migration(cor, r.category === 'NUMERAZIONI' ? { numbers: [cor, '069234599'] } : {})));
    }
    await formallyValidated(pair, ...ids);
    for (const [i, r] of reasons.entries()) {
      const res = await http(pair.b, 'POST', `/v1/switches/${ids[i]}/answer`, { result: 'KO', ...r });
      expect(res.status, res.text).toBe(202);
    }
    await untilA(pair, async () => {
      for (const id of ids) expect((await caseOf(pair!.a, id)).state).toBe('REJECTED');
    });
    for (const [i, r] of reasons.entries()) {
      const a = await caseOf(pair.a, ids[i]);
      const expected: Record<string, unknown> = { category: r.category, text: r.reason, stage: 'managerial' };
      if (r.wrongNumbers) expected.wrongNumbers = r.wrongNumbers;
      if (r.reasonCode) Object.assign(expected, { reasonCode: 'X42', cause: '7' });
      expect(a.agcom.rejection).toMatchObject(expected);
      expect(a.agcom.sessionCode).toBeNull();
      expect(a.deadlines).toEqual([]);
      expect((await caseOf(pair.b, ids[i])).state).toBe('REJECTED');
    }
    // default wire values per category when the CRM gives none (CausaleRifiuto 4 / E04 for NUMERAZIONI)
    const wire = (await messagesOf(pair.a, ids[3], true)).find((m) => m.type === 'VALIDAZIONE_GESTIONALE')!;
    expect(wire.raw).toContain('<StatoRichiesta>1</StatoRichiesta>');
    expect(wire.raw).toContain('<CausaleRifiuto>4</CausaleRifiuto>');
    expect(wire.raw).toContain('<CodiceMotivoRifiuto>E04</CodiceMotivoRifiuto>');
    expect(wire.raw).toContain('<NumerazioneErrata>069234599</NumerazioneErrata>');
  });

  it('migration KO by the formal validation: a COW outside the Donating’s pool, and a COS the Donating does not accept', async () => {
    pair = await startAgcomPair(open, open, { peerAgcomB: { rules: { unknownCosIsError: true } } });
    // the Recipient does not know every pool: 7AB passes its checks, the Donating knows its own
    const foreign = await start(pair, migration('069234570', { migrationCode: code('069234570', '7AB') }));
    // a COS the Recipient only warns about; this Donating refuses unknown COS
    const res = await http(pair.a, 'POST', '/v1/switches', migration('069234571', { migrationCode: code('069234571', '2ZZ', 'ZZ9') }));
    expect(res.status, res.text).toBe(201);
    const unknownCos = res.data.id as string;
    await untilA(pair, async () => {
      expect((await caseOf(pair!.a, foreign)).state).toBe('REJECTED');
      expect((await caseOf(pair!.a, unknownCos)).state).toBe('REJECTED');
    });
    expect((await caseOf(pair.a, foreign)).agcom.rejection).toMatchObject({ category: 'CODICE_SEGRETO', stage: 'formal', reasonCode: 'E02', cause: '2' });
    expect((await caseOf(pair.a, foreign)).agcom.rejection.text).toContain('7AB is not in the pool of OLB');
    expect((await caseOf(pair.a, unknownCos)).agcom.rejection).toMatchObject({ category: 'FORMATO', stage: 'formal', reasonCode: 'E01' });
    // the Donating opened no case; it kept the refused request and its answer
    const atB = await http(pair.b, 'GET', `/v1/switches/${foreign}`);
    expect(atB.status).toBe(404);
    await untilA(pair, async () => expect(await timeline(pair!.b, foreign)).toEqual(['in:RICHIESTA:refused', 'out:VALIDAZIONE_FORMALE:delivered']));
    // the Recipient's warning about the COS is on the feed
    const events = await feedOf(pair);
    expect(events.filter((e) => e.caseId === unknownCos && e.type === 'case.warning').map((e) => e.data.code)).toContain('SG_MC_COS_UNKNOWN');
  });

  it('attivazione from TIM retail with the codice segreto', async () => {
    pair = await startAgcomPair(open, open, { donating: 'TIM' });
    const secretCode = buildSecretCode('X7K', '0612345678');
    const id = await start(pair, {
      procedure: 'agcom',
      donating: 'TIM',
      secretCode,
      requestedDate: DAC,
      customer: { companyName: 'Rossi S.r.l.', taxCode: '01234567890' },
      contact: { phone: '0612345678' },
    });
    await formallyValidated(pair, id);
    const atTim = await caseOf(pair.b, id);
    expect(atTim).toMatchObject({ type: 'attivazione', role: 'donating', peer: 'ITA.OLA' });
    expect(atTim.agcom).toMatchObject({ donating: 'TIM', numbers: ['0612345678'], resources: [{ cor: '0612345678', cos: null }] });
    const ans = await http(pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'accept' });
    expect(ans.status, ans.text).toBe(202);
    await untilA(pair, async () => expect((await caseOf(pair!.a, id)).state).toBe('VALIDATED'));
    const a = await caseOf(pair.a, id);
    expect(a.type).toBe('attivazione');
    // no session code from the CRM: the Donating's gateway made one
    expect(a.agcom.sessionCode).toMatch(/^TIM-[0-9a-f-]{36}$/);
    expect(a.agcom.sessionCode).toBe((await caseOf(pair.b, id)).agcom.sessionCode);
    const [sent] = await messagesOf(pair.a, id, true);
    expect(sent.raw).toContain('<TipoComunicazione>2</TipoComunicazione>');
    expect(sent.raw).toContain('<CodiceOLODonating>X7K</CodiceOLODonating>');
    expect(sent.raw).toContain('<CodiceServizio1></CodiceServizio1>');
    expect(sent.raw).toContain(`<CarattereControllo1>${secretCode.at(-1)}</CarattereControllo1>`);
  });

  it('cancellation (annullamento) of a validated case, up to the DAC day', async () => {
    pair = await startAgcomPair(open, open);
    const id = await start(pair, migration());
    await formallyValidated(pair, id);
    expect((await http(pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: 'S1' })).status).toBe(202);
    await untilA(pair, async () => expect((await caseOf(pair!.a, id)).state).toBe('VALIDATED'));
    // the DAC day itself is still in time
    pair.clock.set('2026-12-16T15:00:00Z');
    const res = await http(pair.a, 'POST', `/v1/switches/${id}/cancel`, { reason: 'il cliente ha cambiato idea' });
    expect(res.status, res.text).toBe(202);
    expect(res.data.case.openChange).toMatchObject({ kind: 'ANNULLAMENTO' });
    expect(res.data.case.deadlines.map((d: { name: string }) => d.name)).toContain('changeAnswer');
    await untilA(pair, async () => expect((await caseOf(pair!.a, id)).state).toBe('CANCELLED'));
    expect((await caseOf(pair.b, id)).state).toBe('CANCELLED');
    const a = await caseOf(pair.a, id);
    expect(a.openChange).toBeNull();
    expect(a.agcom.changes).toEqual([expect.objectContaining({ kind: 'ANNULLAMENTO', result: 'accepted' })]);
    expect(a.agcom.phase3).toBeNull();
    expect(await timeline(pair.a, id)).toEqual([
      'out:RICHIESTA:delivered',
      'in:VALIDAZIONE_FORMALE:accepted',
      'in:VALIDAZIONE_GESTIONALE:accepted',
      'out:ANNULLAMENTO:delivered',
      'in:VALIDAZIONE_FORMALE:accepted',
    ]);
    const [, , , cancel] = await messagesOf(pair.a, id, true);
    expect(cancel.raw).toContain('<TipoComunicazione>3</TipoComunicazione>');
    expect(cancel.raw).toContain('<Note>il cliente ha cambiato idea</Note>');
  });

  it('rescheduling (rimodulazione) of the DAC', async () => {
    pair = await startAgcomPair(open, open);
    const id = await start(pair, migration());
    await formallyValidated(pair, id);
    const res = await http(pair.a, 'POST', `/v1/switches/${id}/reschedule`, { requestedDate: '2026-12-18' });
    expect(res.status, res.text).toBe(202);
    expect(res.data.case).toMatchObject({ requestedDate: DAC, openChange: { kind: 'RIMODULAZIONE', dac: '2026-12-18' } });
    await untilA(pair, async () => expect((await caseOf(pair!.a, id)).requestedDate).toBe('2026-12-18'));
    const a = await caseOf(pair.a, id);
    expect(a).toMatchObject({ state: 'AWAITING_MANAGERIAL', openChange: null });
    expect(a.agcom.changes).toEqual([expect.objectContaining({ kind: 'RIMODULAZIONE', dac: '2026-12-18', result: 'accepted' })]);
    expect((await caseOf(pair.b, id)).requestedDate).toBe('2026-12-18');
    // the new DAC is what the managerial OK confirms
    expect((await http(pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: 'S2' })).status).toBe(202);
    await untilA(pair, async () => expect((await caseOf(pair!.a, id)).switchDate).toBe('2026-12-18'));
    const events = await feedOf(pair);
    expect(events.filter((e) => e.caseId === id && e.type === 'case.dac-changed').map((e) => e.data)).toEqual([{ kind: 'dac-changed', from: DAC, to: '2026-12-18' }]);
  });

  it('deadlines on the Italian working-day calendar (configurable): overdue answers flagged, the case completes after the DAC', async () => {
    pair = await startAgcomPair(open, open, { configA: { deadlines: { wbci: {}, agcom: { managerialAnswerWorkingDays: 2 } } } });
    // Monday 7 December 2026; the 8th (Immacolata) is a holiday
    pair.clock.set('2026-12-07T09:00:00Z');
    const id = await start(pair, migration('069234552', { requestedDate: '2026-12-21' }));
    const due = Object.fromEntries(((await caseOf(pair.a, id)).deadlines as { name: string; dueAt: string }[]).map((d) => [d.name, d.dueAt]));
    // 1 WD: Wednesday 9th; 2 WD: Thursday 10th (end of day in Rome)
    expect(due).toEqual({ formalAnswer: '2026-12-09T22:59:59.999Z', managerialAnswer: '2026-12-10T22:59:59.999Z' });

    pair.clock.set('2026-12-10T08:00:00Z');
    expect(await pair.a.gw.tick()).toBeGreaterThan(0);
    const late = await caseOf(pair.a, id);
    expect(late.overdue).toBe(true);
    expect(late.deadlines.map((d: { name: string; overdue: boolean }) => [d.name, d.overdue])).toEqual([['formalAnswer', true], ['managerialAnswer', false]]);
    const listed = await http(pair.a, 'GET', '/v1/switches?overdue=true&procedure=agcom');
    expect(listed.data.items.map((c: { id: string }) => c.id)).toEqual([id]);
    const events = () => feedOf(pair!);
    expect((await events()).filter((e) => e.type === 'deadline.overdue').map((e) => e.data.name)).toEqual(['formalAnswer']);
    // announced once: a second tick says nothing new
    await pair.a.gw.tick();
    expect((await events()).filter((e) => e.type === 'deadline.overdue')).toHaveLength(1);

    await formallyValidated(pair, id);
    expect((await http(pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: 'S3' })).status).toBe(202);
    await untilA(pair, async () => expect((await caseOf(pair!.a, id)).state).toBe('VALIDATED'));
    // only the codice sessione's validity is left: 30 calendar days from the OK of 10 Dec (Rome)
    expect((await caseOf(pair.a, id)).deadlines).toEqual([{ name: 'sessionCodeExpiry', dueAt: '2027-01-09T22:59:59.999Z', party: 'recipient', ref: id, overdue: false }]);
    // the DAC day passes: Fase 2 is over
    pair.clock.set('2026-12-21T22:00:00Z');
    await pair.a.gw.tick();
    expect((await caseOf(pair.a, id)).state).toBe('VALIDATED');
    pair.clock.set('2026-12-21T23:00:00Z');
    await pair.a.gw.tick();
    expect((await caseOf(pair.a, id)).state).toBe('COMPLETED');
    expect((await caseOf(pair.a, id)).agcom.phase3).toMatchObject({ sessionCode: 'S3', dac: '2026-12-21' });
  });
});
