/**
 * What a decoded N4–N7 from the network operator means for the Recipient's order: the wire
 * message translated, through the operator's code tables (`agcom.ftth.codes`), into the event of
 * the §10.4 state machine (machine.ts). The codec has already checked the message against its
 * table, so every mandatory field is present and every code is one of the wire's.
 */
import type { FtthCodes } from './codes.js';
import type { OrderEvent } from './machine.js';
import type { FtthMessage, Operation } from './messages.js';

const text = (m: FtthMessage, k: string): string | undefined => (typeof m[k] === 'string' ? (m[k] as string) : undefined);
const need = (m: FtthMessage, k: string): string => {
  const v = text(m, k);
  if (v === undefined) throw new Error(`${k} missing from a checked message`);
  return v;
};

/** The order event of an inbound N4–N7; undefined for operations the Recipient does not receive. */
export function orderEventOf(op: Operation, m: FtthMessage, codes: FtthCodes): OrderEvent | undefined {
  const whs = need(m, 'CODICE_ORDINE_WHS');
  const dac = text(m, 'DATA_PREVISTA_ATTIVAZIONE');
  const appointment = text(m, 'ORARIO_APPUNTAMENTO');
  switch (op) {
    case 'WHS_StatusUpdateMig': {
      const state = codes.n4StatoOrdine[need(m, 'STATO_ORDINE')];
      if (!state) throw new Error('STATO_ORDINE outside the code table');
      return {
        kind: 'N4',
        whs,
        state,
        ...(dac ? { dac } : {}),
        ...(appointment ? { appointment } : {}),
        ...(m.FLAG_DESOSPENSIONE !== undefined ? { desospensione: m.FLAG_DESOSPENSIONE === 'SI' } : {}),
      };
    }
    case 'WHS_RescheduleMig':
      return { kind: 'N5', whs, dac: need(m, 'DATA_PREVISTA_ATTIVAZIONE'), ...(appointment ? { appointment } : {}) };
    case 'WHS_Event':
      return { kind: 'N6', whs };
    case 'WHS_CompletionOrderMig': {
      const outcome = codes.n7StatoOrdine[need(m, 'STATO_ORDINE')];
      if (!outcome) throw new Error('STATO_ORDINE outside the code table');
      return { kind: 'N7', whs, outcome };
    }
    default:
      return undefined;
  }
}
