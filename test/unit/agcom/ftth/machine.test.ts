import { describe, expect, it } from 'vitest';
import { applyOrderEvent, newOrder, type FtthOrder, type OrderEvent, type Transition } from '../../../../src/protocols/agcom/ftth/machine.js';
import { checkFtthCodes, codeOf, DEFAULT_FTTH_CODES, resolveFtthCodes } from '../../../../src/protocols/agcom/ftth/codes.js';
import { orderEventOf } from '../../../../src/protocols/agcom/ftth/order-events.js';
import { FULL, MINIMAL } from './samples.js';

const WHS = 'WHS_000001';
const ok = (t: Transition): Extract<Transition, { ok: true }> => {
  if (!t.ok) throw new Error(t.message);
  return t;
};

/** Runs events from a fresh order; returns the order and every effect. */
function run(...events: OrderEvent[]): { order: FtthOrder; effects: unknown[] } {
  let order = newOrder('REC_1');
  const effects: unknown[] = [];
  for (const e of events) {
    const t = ok(applyOrderEvent(order, e));
    order = t.order;
    effects.push(...t.effects);
  }
  return { order, effects };
}

const ack: OrderEvent = { kind: 'N12', esito: '0' };
const n4 = (state: Extract<OrderEvent, { kind: 'N4' }>['state'], extra: Partial<Extract<OrderEvent, { kind: 'N4' }>> = {}): OrderEvent => ({ kind: 'N4', whs: WHS, state, ...extra });
const accepted = [ack, n4('acquisito'), n4('accettato', { dac: '2026-12-18' })];

describe('FTTH order state machine (§10.4)', () => {
  it('N1 → Acquisito → Accettato with DAC → N6 → N7 OK: N11 01 then 02', () => {
    const r = run(...accepted, { kind: 'N6', whs: WHS }, { kind: 'N7', whs: WHS, outcome: 'ok' });
    expect(r.order).toEqual({ state: 'espletatoOk', codiceOrdineRec: 'REC_1', codiceOrdineWhs: WHS, dac: '2026-12-18', appointment: null, npAnnounced: true });
    expect(r.effects).toEqual([
      { kind: 'dac', dac: '2026-12-18', by: 'network' },
      { kind: 'np', tipoNotifica: '01' },
      { kind: 'np', tipoNotifica: '02' },
      { kind: 'final', state: 'espletatoOk' },
    ]);
  });

  it('N12 NACK to N1 ends the order; KO on intake ends it without N11', () => {
    expect(run({ kind: 'N12', esito: '1' }).order.state).toBe('rejectedSync');
    const r = run(ack, n4('acquisitoKo'));
    expect(r.order.state).toBe('acquisitoKo');
    expect(r.effects).toEqual([{ kind: 'final', state: 'acquisitoKo' }]);
  });

  it('Accettato KO (negative session-code check) after Acquisito', () => {
    expect(run(ack, n4('acquisito'), n4('accettatoKo')).order.state).toBe('accettatoKo');
  });

  it('the first Accettato must carry the DAC', () => {
    const o = run(ack, n4('acquisito')).order;
    expect(applyOrderEvent(o, n4('accettato'))).toMatchObject({ ok: false, reason: 'required', field: 'DATA_PREVISTA_ATTIVAZIONE' });
  });

  it('suspension, then desospensione by N2 AZIONE=0 or by N4 Accettato with FLAG_DESOSPENSIONE', () => {
    expect(run(...accepted, n4('sospeso'), { kind: 'N2', azione: '0' }).order.state).toBe('accettato');
    expect(run(...accepted, n4('sospeso'), n4('accettato', { desospensione: true })).order.state).toBe('accettato');
    const sospeso = run(...accepted, n4('sospeso')).order;
    expect(applyOrderEvent(sospeso, n4('accettato'))).toMatchObject({ ok: false, reason: 'wrongState' });
    expect(applyOrderEvent(run(...accepted).order, { kind: 'N2', azione: '0' })).toMatchObject({ ok: false, reason: 'wrongState' });
  });

  it('both rimodulazioni move the DAC; N3 only when accepted', () => {
    const a = run(...accepted, { kind: 'N3', dac: '2026-12-22', appointment: '14:00:00' });
    expect(a.order).toMatchObject({ state: 'accettato', dac: '2026-12-22', appointment: '14:00:00' });
    expect(a.effects.at(-1)).toEqual({ kind: 'dac', dac: '2026-12-22', by: 'recipient' });
    const b = run(...accepted, { kind: 'N5', whs: WHS, dac: '2026-12-23' });
    expect(b.order.dac).toBe('2026-12-23');
    expect(applyOrderEvent(run(ack, n4('acquisito')).order, { kind: 'N3', dac: '2026-12-22', appointment: '09:00:00' })).toMatchObject({ ok: false, reason: 'wrongState' });
  });

  it('annullamento: N2 AZIONE=1 then N4 Annullato; the Donor gets 03 after a 01', () => {
    const r = run(...accepted, { kind: 'N2', azione: '1' }, n4('annullato'));
    expect(r.order.state).toBe('annullato');
    expect(r.effects.slice(-2)).toEqual([{ kind: 'np', tipoNotifica: '03' }, { kind: 'final', state: 'annullato' }]);
    // cancelled before B took it in: its Acquisito is remembered, Annullato closes it
    const early = run(ack, { kind: 'N2', azione: '1' }, n4('acquisito'), n4('annullato'));
    expect(early.order).toMatchObject({ state: 'annullato', codiceOrdineWhs: WHS });
    // an Annullato nobody asked for
    expect(applyOrderEvent(run(...accepted).order, n4('annullato'))).toMatchObject({ ok: false, reason: 'wrongState' });
  });

  it('completion KO after acceptance owes the Donor a 03', () => {
    const r = run(...accepted, { kind: 'N7', whs: WHS, outcome: 'ko' });
    expect(r.order.state).toBe('espletatoKo');
    expect(r.effects.slice(-2)).toEqual([{ kind: 'np', tipoNotifica: '03' }, { kind: 'final', state: 'espletatoKo' }]);
  });

  it('refuses messages in the wrong state and changes nothing', () => {
    const o = run(ack).order;
    for (const e of [n4('accettato', { dac: '2026-12-18' }), n4('sospeso'), { kind: 'N7', whs: WHS, outcome: 'ok' } as OrderEvent, { kind: 'N6', whs: WHS } as OrderEvent]) {
      expect(applyOrderEvent(o, e)).toMatchObject({ ok: false, reason: 'wrongState' });
    }
    const done = run(...accepted, { kind: 'N7', whs: WHS, outcome: 'ok' }).order;
    expect(applyOrderEvent(done, n4('sospeso'))).toMatchObject({ ok: false, reason: 'wrongState', message: 'N4 is not allowed in state espletatoOk' });
  });

  it('after the first N4 only its CODICE_ORDINE_WHS correlates', () => {
    const o = run(ack, n4('acquisito')).order;
    expect(applyOrderEvent(o, { kind: 'N4', whs: 'WHS_OTHER', state: 'accettato', dac: '2026-12-18' })).toMatchObject({ ok: false, reason: 'unknownOrder', field: 'CODICE_ORDINE_WHS' });
  });
});

describe('an N12 NACK to our N2/N3 (the request did not happen)', () => {
  const dac = '2026-12-18';
  const refusedCancel = (before: FtthOrder['state']): OrderEvent => ({ kind: 'refused', request: 'N2 annullamento', before });

  it('an annullamento refused: back to the state it left, from submitted to acquisito if B took the order in meanwhile', () => {
    expect(run(...accepted, { kind: 'N2', azione: '1' }, refusedCancel('accettato')).order).toMatchObject({ state: 'accettato', dac });
    expect(run(ack, { kind: 'N2', azione: '1' }, refusedCancel('submitted')).order).toMatchObject({ state: 'submitted', codiceOrdineWhs: null });
    expect(run(ack, { kind: 'N2', azione: '1' }, n4('acquisito'), refusedCancel('submitted')).order).toMatchObject({ state: 'acquisito', codiceOrdineWhs: WHS });
    // the operator cancelled it before the NACK was read: nothing to undo
    const annullato = run(...accepted, { kind: 'N2', azione: '1' }, n4('annullato')).order;
    expect(applyOrderEvent(annullato, refusedCancel('accettato'))).toMatchObject({ ok: false, reason: 'wrongState' });
  });

  it('a desospensione refused: suspended again, until the operator resumes it itself', () => {
    const resumed = run(...accepted, n4('sospeso'), { kind: 'N2', azione: '0' });
    expect(resumed.order).toMatchObject({ state: 'accettato', resumeRequested: true });
    const back = ok(applyOrderEvent(resumed.order, { kind: 'refused', request: 'N2 desospensione' }));
    expect(back.order).toEqual({ ...resumed.order, state: 'sospeso', resumeRequested: undefined });
    expect('resumeRequested' in back.order).toBe(false);
    // the operator's own Accettato with FLAG_DESOSPENSIONE already confirmed it: nothing to undo
    const confirmed = ok(applyOrderEvent(resumed.order, n4('accettato', { desospensione: true }))).order;
    expect(applyOrderEvent(confirmed, { kind: 'refused', request: 'N2 desospensione' })).toMatchObject({ ok: false });
  });

  it('a rimodulazione refused: the DAC and appointment before it are in force again, unless the DAC moved since', () => {
    const moved = run(...accepted, { kind: 'N3', dac: '2026-12-22', appointment: '10:30:00' });
    const refused: OrderEvent = { kind: 'refused', request: 'N3', dac: '2026-12-22', before: { dac, appointment: null } };
    const back = ok(applyOrderEvent(moved.order, refused));
    expect(back.order).toMatchObject({ state: 'accettato', dac, appointment: null });
    expect(back.effects).toEqual([{ kind: 'dac', dac, by: 'network' }]);
    const n5 = ok(applyOrderEvent(moved.order, { kind: 'N5', whs: WHS, dac: '2026-12-23' })).order;
    expect(applyOrderEvent(n5, refused)).toMatchObject({ ok: false, reason: 'wrongState' });
  });
});

describe('agcom.ftth.codes', () => {
  it('defaults to the likely reading of §10.3 and maps both ways', () => {
    expect(DEFAULT_FTTH_CODES.n4StatoOrdine['2']).toBe('accettato');
    expect(codeOf(DEFAULT_FTTH_CODES.n10Evento, 'cancellation')).toBe('3');
    expect(checkFtthCodes(DEFAULT_FTTH_CODES as never)).toEqual([]);
  });

  it('an override replaces its table only and must be one-to-one over the wire codes', () => {
    const swapped = { '0': 'ko', '1': 'ok' } as const;
    expect(resolveFtthCodes({ n7StatoOrdine: swapped })).toEqual({ ...DEFAULT_FTTH_CODES, n7StatoOrdine: swapped });
    expect(checkFtthCodes({ n7StatoOrdine: { '0': 'ok', '1': 'ok' } })).toEqual([{ path: '/agcom/ftth/codes/n7StatoOrdine/1', message: 'ok is already code 0' }]);
    expect(checkFtthCodes({ n10Evento: { '0': 'firstDac', '1': 'outcomeOk', '2': 'outcomeKo', '4': 'cancellation' } })).toEqual([
      { path: '/agcom/ftth/codes/n10Evento/4', message: 'not a code of the wire (0, 1, 2, 3)' },
      { path: '/agcom/ftth/codes/n10Evento', message: 'code 3 is not mapped' },
    ]);
    expect(checkFtthCodes({ n4StatoOrdine: { ...DEFAULT_FTTH_CODES.n4StatoOrdine, '5': 'cancelled' } })).toEqual([{ path: '/agcom/ftth/codes/n4StatoOrdine/5', message: expect.stringMatching(/^must be one of acquisito/) }]);
  });
});

describe('N4–N7 on the wire → order events', () => {
  const swapped = resolveFtthCodes({ n4StatoOrdine: { '0': 'accettato', '1': 'acquisitoKo', '2': 'acquisito', '3': 'accettatoKo', '4': 'sospeso', '5': 'annullato' } });

  it('reads STATO_ORDINE through the configured table, and the DAC, appointment and desospensione', () => {
    expect(orderEventOf('WHS_StatusUpdateMig', FULL.N4, DEFAULT_FTTH_CODES)).toEqual({ kind: 'N4', whs: FULL.N4.CODICE_ORDINE_WHS, state: 'accettato', dac: '2026-12-18', appointment: '09:00:00', desospensione: false });
    expect(orderEventOf('WHS_StatusUpdateMig', FULL.N4, swapped)).toMatchObject({ state: 'acquisito' });
    expect(orderEventOf('WHS_StatusUpdateMig', { ...MINIMAL.N4, FLAG_DESOSPENSIONE: 'SI' }, DEFAULT_FTTH_CODES)).toEqual({ kind: 'N4', whs: MINIMAL.N4.CODICE_ORDINE_WHS, state: 'acquisito', desospensione: true });
    expect(orderEventOf('WHS_CompletionOrderMig', FULL.N7, DEFAULT_FTTH_CODES)).toEqual({ kind: 'N7', whs: FULL.N7.CODICE_ORDINE_WHS, outcome: 'ok' });
    expect(orderEventOf('WHS_CompletionOrderMig', MINIMAL.N7, resolveFtthCodes({ n7StatoOrdine: { '0': 'ko', '1': 'ok' } }))).toMatchObject({ outcome: 'ok' });
    expect(orderEventOf('WHS_RescheduleMig', FULL.N5, DEFAULT_FTTH_CODES)).toEqual({ kind: 'N5', whs: FULL.N5.CODICE_ORDINE_WHS, dac: '2026-12-23', appointment: '11:00:00' });
    expect(orderEventOf('WHS_Event', FULL.N6, DEFAULT_FTTH_CODES)).toEqual({ kind: 'N6', whs: FULL.N6.CODICE_ORDINE_WHS });
    expect(orderEventOf('WHS_Check_sessione', FULL.N8, DEFAULT_FTTH_CODES)).toBeUndefined();
  });

  it('a wire N4 Accettato drives the machine from Acquisito', () => {
    const acquisito = run(ack, n4('acquisito')).order;
    const e = orderEventOf('WHS_StatusUpdateMig', { ...FULL.N4, CODICE_ORDINE_WHS: WHS }, DEFAULT_FTTH_CODES)!;
    expect(applyOrderEvent(acquisito, e)).toMatchObject({ ok: true, order: { state: 'accettato', dac: '2026-12-18', appointment: '09:00:00' } });
  });
});
