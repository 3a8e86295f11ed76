/**
 * The fees of the access procedures, in integer cents (money.ts):
 *
 * - annulment reimbursement (spec §3): the port's activation fee, plus 6 monthly fees when more
 *   than 13 solar days passed since the order date (whether day 13 is still "within" is
 *   configurable, `day13Included`, default true), the link item of the link offer, and 3 monthly
 *   fees per CAC module beyond TIM's dimensioning — also for an order of further modules (c′);
 * - cessation (spec §4): each ceased component is charged pro rata in the month of the requested
 *   cessation date — the port and the link up to the cessation date, the additional CAC modules
 *   up to the end of that month;
 * - reconfiguration (spec §2 R3): the one-off set-up cost.
 *
 * Pro-rata = monthly fee × days / days in the month, rounded half up to the cent. Days are counted
 * inclusively: a component ceased on the 15th was available on the 1st…15th (15 days) [I].
 */
import { addDays, daysBetween, toEpochDay } from '../../domain/calendar.js';
import { formatCents, prorate, type Cents } from './money.js';
import type { AccessRequest, ActivationData, FeeItem, FeeStatement, IsoDate, RequestData } from './types.js';
import { beyondDimensioningModules } from './fields.js';

export interface Tariffs {
  portActivationFee: Cents;
  portMonthlyFee: Cents;
  cacModuleMonthlyFee: Cents;
  linkMonthlyFee: Cents;
  linkAnnulmentCharge: Cents;
  setupCost: Cents;
  interventoAVuoto: Cents;
}

export interface AnnulmentRules {
  /** the free window in solar days (13) */
  freeDays: number;
  /** day `freeDays` itself still counts as within (default true) */
  lastDayIncluded: boolean;
  /** monthly port fees added after the free window (6) */
  lateMonthlyFees: number;
  /** monthly fees per CAC module beyond TIM's dimensioning (3) */
  cacMonthlyFees: number;
}

export const DEFAULT_ANNULMENT_RULES: AnnulmentRules = { freeDays: 13, lastDayIncluded: true, lateMonthlyFees: 6, cacMonthlyFees: 3 };

interface Item {
  item: string;
  cents: Cents;
  quantity?: number;
  days?: number;
  note?: string;
}

export function statement(items: readonly Item[]): FeeStatement {
  const total = items.reduce((s, i) => s + i.cents, 0);
  return {
    items: items.map((i): FeeItem => ({
      item: i.item,
      ...(i.quantity !== undefined ? { quantity: i.quantity } : {}),
      ...(i.days !== undefined ? { days: i.days } : {}),
      amount: formatCents(i.cents),
      ...(i.note ? { note: i.note } : {}),
    })),
    total: formatCents(total),
  };
}

/** Solar days from the order date to the annulment request date (0 on the same day). */
export const solarDaysSince = (orderDate: IsoDate, requestDate: IsoDate): number => daysBetween(orderDate, requestDate);

/** True when the annulment falls after the free window. */
export function isLateAnnulment(solarDays: number, rules: AnnulmentRules): boolean {
  return rules.lastDayIncluded ? solarDays > rules.freeDays : solarDays >= rules.freeDays;
}

/** The reimbursement for annulling `data` ordered on `orderDate`, requested on `requestDate`. */
export function annulmentReimbursement(data: RequestData, orderDate: IsoDate, requestDate: IsoDate, t: Tariffs, rules: AnnulmentRules = DEFAULT_ANNULMENT_RULES): { solarDays: number; reimbursement: FeeStatement } {
  const solarDays = solarDaysSince(orderDate, requestDate);
  const items: Item[] = [];
  if (data.type === 'port-activation' || data.type === 'joint-activation') {
    items.push({ item: 'portActivationFee', cents: t.portActivationFee });
    if (isLateAnnulment(solarDays, rules)) {
      items.push({
        item: 'portMonthlyFees',
        quantity: rules.lateMonthlyFees,
        cents: t.portMonthlyFee * rules.lateMonthlyFees,
        note: `${solarDays} solar days after the order date: more than ${rules.freeDays}${rules.lastDayIncluded ? '' : ' (day ' + rules.freeDays + ' not included)'}`,
      });
    }
    if (data.type === 'joint-activation') items.push({ item: 'linkAnnulmentCharge', cents: t.linkAnnulmentCharge, note: 'per the link offer' });
    if (data.cacModulesBeyondDimensioning > 0) {
      items.push({
        item: 'cacModulesBeyondDimensioning',
        quantity: data.cacModulesBeyondDimensioning,
        cents: t.cacModuleMonthlyFee * rules.cacMonthlyFees * data.cacModulesBeyondDimensioning,
        note: `${rules.cacMonthlyFees} monthly fees per module`,
      });
    }
  } else if (data.type === 'cac-expansion') {
    items.push({
      item: 'cacModulesBeyondDimensioning',
      quantity: data.cacModules,
      cents: t.cacModuleMonthlyFee * rules.cacMonthlyFees * data.cacModules,
      note: `${rules.cacMonthlyFees} monthly fees per module`,
    });
  }
  return { solarDays, reimbursement: statement(items) };
}

const firstOfMonth = (d: IsoDate): IsoDate => `${d.slice(0, 8)}01`;
export function daysInMonth(d: IsoDate): number {
  const y = Number(d.slice(0, 4));
  const m = Number(d.slice(5, 7));
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}
const endOfMonth = (d: IsoDate): IsoDate => addDays(firstOfMonth(d), daysInMonth(d) - 1);

/** Inclusive days of [from, to] within the month of `to`, never before `since` (the completion date). */
function daysCharged(since: IsoDate | null, to: IsoDate): number {
  const start = since && toEpochDay(since) > toEpochDay(firstOfMonth(to)) ? since : firstOfMonth(to);
  return Math.max(0, daysBetween(start, to) + 1);
}

/**
 * The fees of the components a cessation ceases, for the month of its requested date: port and
 * link pro rata up to the cessation date, CAC modules beyond TIM's dimensioning pro rata up to the
 * end of that month (spec §4).
 */
export function cessationFees(requestedDate: IsoDate, accesses: readonly AccessRequest[], t: Tariffs, cacModulesOnly?: number): FeeStatement {
  const items: Item[] = [];
  const month = daysInMonth(requestedDate);
  const eom = endOfMonth(requestedDate);
  for (const a of accesses) {
    const since = a.completion?.completionDate ?? null;
    const d = a.data as ActivationData;
    const toCessation = daysCharged(since, requestedDate);
    const toMonthEnd = daysCharged(since, eom);
    if (cacModulesOnly === undefined) {
      items.push({ item: `port ${a.completion?.tds.port ?? a.id}`, days: toCessation, cents: prorate(t.portMonthlyFee, toCessation, month), note: 'pro rata up to the cessation date' });
      if (d && a.type === 'joint-activation') {
        items.push({ item: `link ${a.completion?.tds.link ?? a.id}`, days: toCessation, cents: prorate(t.linkMonthlyFee, toCessation, month), note: 'pro rata up to the cessation date' });
      }
    }
    const modules = cacModulesOnly ?? beyondDimensioningModules(a);
    if (modules > 0) {
      items.push({
        item: `cacModules ${a.completion?.tds.port ?? a.id}`,
        quantity: modules,
        days: toMonthEnd,
        cents: prorate(t.cacModuleMonthlyFee * modules, toMonthEnd, month),
        note: 'pro rata up to the end of the month of the cessation date',
      });
    }
  }
  return statement(items);
}

export const reconfigurationFee = (t: Tariffs): FeeStatement => statement([{ item: 'setupCost', cents: t.setupCost, note: 'one-off per reconfiguration' }]);
