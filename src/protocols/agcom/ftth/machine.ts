/**
 * The Recipient's view of an FTTH order (italy.md §10.4): the single source of truth for what an
 * N4/N5/N6/N7 from the network operator may do to it, and when the Recipient may send N2/N3.
 *
 * ```
 *  N1 ─N12 ACK─► submitted ─N4 Acquisito─► acquisito ─N4 Accettato(+DAC)─► accettato ─N7 OK─► espletatoOk
 *       N12 NACK ─► rejectedSync     └─N4 Acquisito KO─► acquisitoKo   └─N4 Accettato KO─► accettatoKo   └─N7 KO─► espletatoKo
 *  accettato ─N4 Sospeso─► sospeso ─N2(AZIONE=0) / N4 Accettato(FLAG_DESOSPENSIONE)─► accettato
 *  (after our N2 AZIONE=0, the operator's N4 Accettato with FLAG_DESOSPENSIONE confirms it)
 *  accettato ─N3 (A) / N5 (B)─► accettato (DAC := new date)        N6 = event, no state change
 *  any non-final ─N2(AZIONE=1)─► cancelPending ─N4 Annullato─► annullato
 *  N12 NACK to our N2/N3 ─► the request undone, if nothing has moved the order since
 * ```
 *
 * Number portability rides on it (§11): N11 `01` when the order is first accepted with its DAC,
 * `02` on completion OK, `03` when an order that announced `01` ends otherwise.
 */
import type { N4State, N7Outcome } from './codes.js';

export const ORDER_STATES = [
  'submitted',
  'rejectedSync',
  'acquisito',
  'acquisitoKo',
  'accettato',
  'accettatoKo',
  'sospeso',
  'cancelPending',
  'annullato',
  'espletatoOk',
  'espletatoKo',
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

const FINAL: ReadonlySet<OrderState> = new Set(['rejectedSync', 'acquisitoKo', 'accettatoKo', 'annullato', 'espletatoOk', 'espletatoKo']);
export const isFinal = (s: OrderState): boolean => FINAL.has(s);

export interface FtthOrder {
  state: OrderState;
  codiceOrdineRec: string;
  /** set by the first N4; the correlation key from then on */
  codiceOrdineWhs: string | null;
  /** DATA_PREVISTA_ATTIVAZIONE in force */
  dac: string | null;
  appointment: string | null;
  /** whether N11 01 went to the Donor (so that a later failure owes it a 03) */
  npAnnounced: boolean;
  /**
   * our N2 desospensione resumed the order and the operator has not spoken since: its N4
   * Accettato with FLAG_DESOSPENSIONE=SI then confirms it (§10.4 allows either to resume)
   */
  resumeRequested?: boolean;
}

export type OrderEvent =
  | { kind: 'N12'; esito: '0' | '1' }
  | { kind: 'N4'; whs: string; state: N4State; dac?: string; appointment?: string; desospensione?: boolean }
  | { kind: 'N5'; whs: string; dac: string; appointment?: string }
  | { kind: 'N6'; whs: string }
  | { kind: 'N7'; whs: string; outcome: N7Outcome }
  | { kind: 'N2'; azione: '0' | '1' }
  | { kind: 'N3'; dac: string; appointment: string }
  | RequestRefused;

/**
 * The network operator's N12 NACK to one of our N2/N3: it did not take the request, so the order is
 * what it was before we sent it — provided nothing has moved it since (what the request changed is
 * still in force). `before` is the order as the request found it.
 */
export type RequestRefused =
  | { kind: 'refused'; request: 'N2 annullamento'; before: OrderState }
  | { kind: 'refused'; request: 'N2 desospensione' }
  | { kind: 'refused'; request: 'N3'; dac: string; before: Pick<FtthOrder, 'dac' | 'appointment'> };

export type OrderEffect = { kind: 'np'; tipoNotifica: '01' | '02' | '03' } | { kind: 'dac'; dac: string; by: 'network' | 'recipient' } | { kind: 'final'; state: OrderState };

export type Transition =
  | { ok: true; order: FtthOrder; effects: OrderEffect[] }
  | { ok: false; reason: 'wrongState' | 'unknownOrder' | 'required'; field?: string; message: string };

/**
 * A new order after its N1. `npAnnounced`: the Donor already had its `01` before the order (the
 * Recipient announces portability at the managerial OK, app/wholesale/service.ts), so the first
 * Accettato owes no second one and any failure owes a `03`.
 */
export function newOrder(codiceOrdineRec: string, opts: { npAnnounced?: boolean } = {}): FtthOrder {
  return { state: 'submitted', codiceOrdineRec, codiceOrdineWhs: null, dac: null, appointment: null, npAnnounced: opts.npAnnounced === true };
}

const wrong = (o: FtthOrder, what: string): Transition => ({ ok: false, reason: 'wrongState', message: `${what} is not allowed in state ${o.state}` });

function to(o: FtthOrder, state: OrderState, patch: Partial<FtthOrder> = {}, effects: OrderEffect[] = []): Transition {
  const order = { ...o, ...patch, state };
  const out = [...effects];
  if (isFinal(state)) {
    if (order.npAnnounced && state !== 'espletatoOk') out.push({ kind: 'np', tipoNotifica: '03' });
    out.push({ kind: 'final', state });
  }
  return { ok: true, order, effects: out };
}

/** What `event` does to `o`; a refusal changes nothing. */
export function applyOrderEvent(o: FtthOrder, e: OrderEvent): Transition {
  if ('whs' in e) {
    // §10.4: correlated on CODICE_ORDINE_REC until the first N4, on CODICE_ORDINE_WHS after it
    if (o.codiceOrdineWhs === null && e.kind !== 'N4') return { ok: false, reason: 'wrongState', message: `${e.kind} before the first N4` };
    if (o.codiceOrdineWhs !== null && o.codiceOrdineWhs !== e.whs) {
      return { ok: false, reason: 'unknownOrder', field: 'CODICE_ORDINE_WHS', message: `CODICE_ORDINE_WHS ${e.whs} is not this order's (${o.codiceOrdineWhs})` };
    }
  }
  if (isFinal(o.state)) return wrong(o, e.kind);
  switch (e.kind) {
    case 'N12':
      if (o.state !== 'submitted') return wrong(o, 'N12 to N1');
      return e.esito === '0' ? { ok: true, order: o, effects: [] } : to(o, 'rejectedSync');
    case 'N4': {
      const t = applyN4(o, e);
      if (!t.ok || !t.order.resumeRequested) return t;
      const { resumeRequested: _done, ...order } = t.order;
      return { ...t, order };
    }
    case 'N5':
      if (o.state !== 'accettato' && o.state !== 'sospeso') return wrong(o, 'N5 rimodulazione');
      return to(o, o.state, { dac: e.dac, appointment: e.appointment ?? null }, [{ kind: 'dac', dac: e.dac, by: 'network' }]);
    case 'N6':
      if (o.state === 'submitted') return wrong(o, 'N6');
      return { ok: true, order: o, effects: [] };
    case 'N7':
      if (e.outcome === 'ok') return o.state === 'accettato' ? to(o, 'espletatoOk', {}, o.npAnnounced ? [{ kind: 'np', tipoNotifica: '02' }] : []) : wrong(o, 'N7 OK');
      if (o.state === 'accettato' || o.state === 'sospeso' || o.state === 'cancelPending') return to(o, 'espletatoKo');
      return wrong(o, 'N7 KO');
    case 'N2':
      if (e.azione === '0') return o.state === 'sospeso' ? to(o, 'accettato', { resumeRequested: true }) : wrong(o, 'N2 desospensione');
      return o.state === 'cancelPending' ? wrong(o, 'N2 annullamento') : to(o, 'cancelPending');
    case 'N3':
      if (o.state !== 'accettato') return wrong(o, 'N3 rimodulazione');
      return to(o, 'accettato', { dac: e.dac, appointment: e.appointment }, [{ kind: 'dac', dac: e.dac, by: 'recipient' }]);
    case 'refused':
      return undo(o, e);
  }
}

function undo(o: FtthOrder, e: RequestRefused): Transition {
  switch (e.request) {
    case 'N3': {
      if (o.state !== 'accettato' || o.dac !== e.dac) return wrong(o, 'N12 NACK to N3 rimodulazione (the DAC has moved since)');
      const { dac, appointment } = e.before;
      return to(o, 'accettato', { dac, appointment }, dac ? [{ kind: 'dac', dac, by: 'network' }] : []);
    }
    case 'N2 desospensione': {
      if (o.state !== 'accettato' || o.resumeRequested !== true) return wrong(o, 'N12 NACK to N2 desospensione');
      const { resumeRequested: _undone, ...order } = o;
      return to(order, 'sospeso');
    }
    case 'N2 annullamento':
      if (o.state !== 'cancelPending') return wrong(o, 'N12 NACK to N2 annullamento');
      // B took the order in while our annullamento was pending (applyN4): it is no longer only submitted
      return to(o, e.before === 'submitted' && o.codiceOrdineWhs !== null ? 'acquisito' : e.before);
  }
}

function applyN4(o: FtthOrder, e: Extract<OrderEvent, { kind: 'N4' }>): Transition {
  const whs = { codiceOrdineWhs: e.whs };
  const s = o.state;
  switch (e.state) {
    case 'acquisito':
      if (s === 'submitted') return to(o, 'acquisito', whs);
      // B took the order in before it read our annullamento: remember its order code, stay pending
      if (s === 'cancelPending' && o.codiceOrdineWhs === null) return to(o, 'cancelPending', whs);
      return wrong(o, 'N4 Acquisito');
    case 'acquisitoKo':
      return s === 'submitted' || s === 'cancelPending' ? to(o, 'acquisitoKo', whs) : wrong(o, 'N4 Acquisito KO');
    case 'accettato': {
      if (s === 'acquisito') {
        // the first Accettato communicates the DAC
        if (!e.dac) return { ok: false, reason: 'required', field: 'DATA_PREVISTA_ATTIVAZIONE', message: 'the first N4 Accettato must carry the DAC' };
        const effects: OrderEffect[] = [{ kind: 'dac', dac: e.dac, by: 'network' }];
        if (!o.npAnnounced) effects.push({ kind: 'np', tipoNotifica: '01' });
        return to(o, 'accettato', { dac: e.dac, appointment: e.appointment ?? null, npAnnounced: true }, effects);
      }
      if ((s === 'sospeso' || (s === 'accettato' && o.resumeRequested === true)) && e.desospensione === true) {
        return to(o, 'accettato', e.dac ? { dac: e.dac, appointment: e.appointment ?? o.appointment } : {});
      }
      return wrong(o, 'N4 Accettato');
    }
    case 'accettatoKo':
      return s === 'acquisito' || s === 'accettato' || s === 'sospeso' || s === 'cancelPending' ? to(o, 'accettatoKo') : wrong(o, 'N4 Accettato KO');
    case 'sospeso':
      return s === 'accettato' ? to(o, 'sospeso') : wrong(o, 'N4 Sospeso');
    case 'annullato':
      return s === 'cancelPending' ? to(o, 'annullato', o.codiceOrdineWhs === null ? whs : {}) : wrong(o, 'N4 Annullato');
  }
}
