/**
 * One order as the simulated network operator (B) holds it, and the small pieces of B's judgement
 * about it: which Donating the N1 names, which script it follows, which DAC it gets.
 *
 * B keeps the Recipient's view of the order (machine.ts, italy.md §10.4) and moves it with every
 * message it decides to send or accepts: the machine that will judge B's N4–N7 at the Recipient
 * also decides what B may send, and which N2/N3 B must refuse as out of state.
 */
import type { WorkingDayCalendar } from '../domain/calendar.js';
import type { N12 } from '../protocols/agcom/ftth/codec.js';
import type { FtthOrder } from '../protocols/agcom/ftth/machine.js';
import type { FtthMessage, Operation } from '../protocols/agcom/ftth/messages.js';
import type { SentRecord } from './outbound.js';
import { isFtthSimBehaviour, type FtthSimBehaviour, type FtthSimOperator } from './options.js';

/** A value some step of the script waits for (the N9, the Recipient's desospensione or N3). */
export class Latch<T> {
  #resolve: ((v: T | undefined) => void) | undefined;
  readonly promise: Promise<T | undefined>;
  constructor(signal: AbortSignal, timeoutMs = 0) {
    this.promise = new Promise<T | undefined>((resolve) => {
      const timer = timeoutMs > 0 ? setTimeout(() => resolve(undefined), timeoutMs) : undefined;
      const done = (v: T | undefined) => {
        if (timer) clearTimeout(timer);
        resolve(v);
      };
      this.#resolve = done;
      if (signal.aborted) done(undefined);
      else signal.addEventListener('abort', () => done(undefined), { once: true });
    });
  }
  resolve(v: T): void {
    this.#resolve?.(v);
  }
  /** stops waiting without a value (as a timeout does) */
  expire(): void {
    this.#resolve?.(undefined);
  }
}

export interface N9Answer {
  ESITO: 'OK' | 'KO';
  CODICE_MOTIVAZIONE?: string;
  MOTIVAZIONE?: string;
}

export interface ReceivedRecord {
  op: Operation;
  id: string;
  esito: N12['ESITO'];
  code?: string;
}

export interface SimFtthOrder {
  codiceOrdineWhs: string;
  codiceOrdineRec: string;
  /** the Recipient's operator code */
  recipient: string;
  /** the Donating's operator code; null when the N1's COW belongs to no configured operator */
  donating: string | null;
  behaviour: FtthSimBehaviour;
  /** the N1 as received */
  n1: FtthMessage;
  /** the Recipient's view of the order (§10.4), moved by what B sends and accepts */
  view: FtthOrder;
  /** the DAC in force */
  dac: string | null;
  /** whether the Donating was asked (N8 sent): then it is told of cancellations (N10) */
  donatingAsked: boolean;
  n9: N9Answer | null;
  /** every message B sent for this order, in order, with its N12 */
  sent: (SentRecord & { to: string })[];
  /** every message B accepted for this order (N1, N2, N3, N9) */
  received: ReceivedRecord[];
  /** ends the script (cancellation, close) */
  readonly abort: AbortController;
  /** what the script is waiting for right now */
  waiting: { n9?: Latch<N9Answer>; resume?: Latch<'recipient'>; release?: Latch<'n3'> };
}

/** The operator whose COW pool holds `cow` (italy.md §5), else the one whose code it is. */
export function donatingOf(operators: readonly FtthSimOperator[], cow: string): FtthSimOperator | undefined {
  return operators.find((o) => o.cows?.includes(cow)) ?? operators.find((o) => o.code === cow);
}

const digits = (s: string) => s.replace(/\D/g, '');

/**
 * The script of an N1: a `sim:<behaviour>` marker in its NOTE, else `byOrder` by
 * CODICE_ORDINE_REC, else `byNumber` (a key whose digits end the COR or a DN), else the default.
 */
export function behaviourOf(
  n1: FtthMessage,
  table: { defaultBehaviour: FtthSimBehaviour; byOrder: Readonly<Record<string, FtthSimBehaviour>>; byNumber: Readonly<Record<string, FtthSimBehaviour>> },
): FtthSimBehaviour {
  const marker = typeof n1.NOTE === 'string' ? /\bsim:([a-z-]+)/.exec(n1.NOTE)?.[1] : undefined;
  if (isFtthSimBehaviour(marker)) return marker;
  const byOrder = table.byOrder[n1.CODICE_ORDINE_REC as string];
  if (byOrder) return byOrder;
  const dm = n1.DATI_MIGRAZIONE as Readonly<Record<string, string>>;
  const numbers = [dm.COR ?? '', ...((n1.NUMERAZIONI as readonly string[] | undefined) ?? [])].map(digits).filter((n) => n.length >= 6);
  for (const [key, b] of Object.entries(table.byNumber)) {
    const k = digits(key);
    if (numbers.some((n) => n.endsWith(k) || k.endsWith(n))) return b;
  }
  return table.defaultBehaviour;
}

/** The DAC for a requested date: a working day, at least `minLead` working days after today. */
export function dacFor(cal: WorkingDayCalendar, now: Date, minLead: number, requested: string | undefined): string {
  const earliest = cal.addWorkingDays(cal.today(now), minLead);
  const d = requested !== undefined && requested > earliest ? requested : earliest;
  return cal.isWorkingDay(d) ? d : cal.addWorkingDays(d, 1);
}
