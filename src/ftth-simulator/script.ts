/**
 * The scripted life of an order at the simulated network operator (options.ts
 * FTTH_SIM_BEHAVIOURS), in the order of italy.md §10.4:
 *
 *   N4 Acquisito ─► N8 ⇢ N9 ─► N4 Accettato(DAC) + N10 first DAC ─► [Sospeso | N5 | hold] ─► N6 ─► N7 + N10 outcome
 *
 * N4 Acquisito goes out before the session-code check because the Recipient's machine admits
 * Accettato KO (the answer to a negative N9) only once the order was taken in. Each step waits
 * `timings.stepMs`; a cancellation (the Recipient's N2 annullamento, handled by the simulator)
 * aborts the script wherever it is.
 */
import { isFinal } from '../protocols/agcom/ftth/machine.js';
import type { FtthCodes } from '../protocols/agcom/ftth/codes.js';
import type { FtthMessage } from '../protocols/agcom/ftth/messages.js';
import type { WorkingDayCalendar } from '../domain/calendar.js';
import type { Clock } from '../domain/clock.js';
import type { FtthSimTimings } from './options.js';
import { sleepUnlessAborted as pause, type SentRecord } from './outbound.js';
import { dacFor, type Latch, type N9Answer, type SimFtthOrder } from './order.js';

/** CODICE_MOTIVAZIONE of the simulator's own KOs, suspensions and reschedules (its reasons are not public, §10.4 "Allegato 5"). */
export const SIM_REASONS = {
  intakeKo: '201',
  unknownDonating: '202',
  noN9: '203',
  n9Ko: '204',
  suspended: '301',
  rescheduled: '401',
  requestedDacAdjusted: '402',
  completionKo: '501',
} as const;

/** What the script needs of the simulator. */
export interface ScriptHost {
  readonly timings: FtthSimTimings;
  readonly calendar: WorkingDayCalendar;
  readonly clock: Clock;
  readonly minLeadWorkingDays: number;
  readonly rescheduleByWorkingDays: number;
  today(): string;
  codeOf<K extends keyof FtthCodes>(table: K, meaning: FtthCodes[K][string]): string;
  latch<T>(order: SimFtthOrder, timeoutMs?: number): Latch<T>;
  emitRecipient(order: SimFtthOrder, op: 'WHS_StatusUpdateMig' | 'WHS_RescheduleMig' | 'WHS_Event' | 'WHS_CompletionOrderMig', fields: FtthMessage): Promise<SentRecord | undefined>;
  emitDonating(order: SimFtthOrder, op: 'WHS_Check_sessione' | 'WHS_Msg_Donating', fields: FtthMessage): Promise<SentRecord | undefined>;
}

export async function runScript(h: ScriptHost, order: SimFtthOrder): Promise<void> {
  const signal = order.abort.signal;
  const open = () => !signal.aborted && !isFinal(order.view.state);
  const step = async () => {
    await pause(h.timings.stepMs, signal);
    return open();
  };
  const n4 = (state: Parameters<typeof h.codeOf<'n4StatoOrdine'>>[1], extra: FtthMessage = {}) =>
    h.emitRecipient(order, 'WHS_StatusUpdateMig', { ...extra, STATO_ORDINE: h.codeOf('n4StatoOrdine', state) });
  // MOTIVAZIONE is ≤255 characters (§10.3); a reason quoting the Donating's may be longer
  const reason = (code: string, text: string) => ({ CODICE_MOTIVAZIONE: code, MOTIVAZIONE: [...text].slice(0, 255).join('') });

  if (!(await step())) return;
  if (order.behaviour === 'ko-intake') {
    void n4('acquisitoKo', reason(SIM_REASONS.intakeKo, 'order rejected on intake (scripted)'));
    return;
  }
  if (!order.donating) {
    const cow = (order.n1.DATI_MIGRAZIONE as Readonly<Record<string, string>>).COW;
    void n4('acquisitoKo', reason(SIM_REASONS.unknownDonating, `COW ${cow}: no Donating operator known to the network operator`));
    return;
  }
  void n4('acquisito');

  // the session-code check with the Donating (§10.5): the answer may arrive before the N8's own N12
  if (!(await step())) return;
  const latch = h.latch<N9Answer>(order, h.timings.n9TimeoutMs);
  order.waiting.n9 = latch;
  const asked = h.emitDonating(order, 'WHS_Check_sessione', {});
  // a Donating that refused the N8 (or never answered it) will send no N9
  void asked.then((r) => r?.outcome !== 'delivered' && latch.expire());
  const n9 = await latch.promise;
  delete order.waiting.n9;
  if (!open()) return;
  if (!n9) {
    const sent = await asked;
    const why =
      sent?.outcome === 'refused'
        ? `the Donating refused the N8: ${sent.n12?.CODICE_MOTIVAZIONE ?? ''} ${sent.n12?.MOTIVAZIONE ?? ''}`
        : sent?.outcome === 'failed'
          ? `the N8 did not reach the Donating: ${sent.error ?? ''}`
          : `no N9 from the Donating within ${h.timings.n9TimeoutMs} ms`;
    void n4('accettatoKo', reason(SIM_REASONS.noN9, why));
    return;
  }
  if (n9.ESITO === 'KO') {
    void n4('accettatoKo', reason(n9.CODICE_MOTIVAZIONE ?? SIM_REASONS.n9Ko, n9.MOTIVAZIONE ?? 'negative session-code check by the Donating'));
    return;
  }

  if (!(await step())) return;
  order.dac = dacFor(h.calendar, h.clock.now(), h.minLeadWorkingDays, (order.n1.DATA_PREVISTA_ATTIVAZIONE as string | undefined)?.slice(0, 10));
  void n4('accettato', { DATA_PREVISTA_ATTIVAZIONE: order.dac });
  void h.emitDonating(order, 'WHS_Msg_Donating', { EVENTO: h.codeOf('n10Evento', 'firstDac'), DATA: order.dac });

  if (order.behaviour === 'hold') {
    const release = h.latch<'n3'>(order);
    order.waiting.release = release;
    await release.promise;
    delete order.waiting.release;
    if (!open()) return;
  }
  if (order.behaviour === 'suspend') {
    if (!(await step())) return;
    const resume = h.latch<'recipient'>(order, h.timings.selfResumeMs);
    order.waiting.resume = resume;
    void n4('sospeso', reason(SIM_REASONS.suspended, 'customer not reachable (scripted)'));
    const by = await resume.promise;
    delete order.waiting.resume;
    if (!open()) return;
    // the Recipient's N2 desospensione already moved the order; resuming by itself, B says so
    if (by === undefined) void n4('accettato', { FLAG_DESOSPENSIONE: 'SI' });
  }
  if (order.behaviour === 'reschedule') {
    if (!(await step())) return;
    order.dac = h.calendar.addWorkingDays(order.dac, h.rescheduleByWorkingDays);
    void h.emitRecipient(order, 'WHS_RescheduleMig', { DATA_PREVISTA_ATTIVAZIONE: order.dac, ...reason(SIM_REASONS.rescheduled, 'technician not available (scripted)') });
  }

  if (!(await step())) return;
  void h.emitRecipient(order, 'WHS_Event', { DATA_AVVIO_POLICY_CONTATTO: h.clock.now().toISOString(), TIPOLOGIA_EVENTO: '0' });

  if (!(await step())) return;
  const dm = order.n1.DATI_MIGRAZIONE as Readonly<Record<string, string>>;
  if (order.behaviour === 'complete-ko') {
    const today = h.today();
    void h.emitRecipient(order, 'WHS_CompletionOrderMig', { ...reason(SIM_REASONS.completionKo, 'the line could not be switched (scripted)'), STATO_ORDINE: h.codeOf('n7StatoOrdine', 'ko'), DATA_ESPLETAMENTO_ORDINE: today });
    void h.emitDonating(order, 'WHS_Msg_Donating', { EVENTO: h.codeOf('n10Evento', 'outcomeKo'), DATA: today });
    return;
  }
  // the simulator does not wait for the DAC: the work is reported done on it
  void h.emitRecipient(order, 'WHS_CompletionOrderMig', { STATO_ORDINE: h.codeOf('n7StatoOrdine', 'ok'), COR: dm.COR!, COS: dm.COS!, DATA_ESPLETAMENTO_ORDINE: order.dac });
  void h.emitDonating(order, 'WHS_Msg_Donating', { EVENTO: h.codeOf('n10Evento', 'outcomeOk'), DATA: order.dac });
}
