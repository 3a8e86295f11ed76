/**
 * The access-services invoice (servizi di accesso all'interconnessione, spec §7.1 and §8.1) of
 * invoice month M, computed from the accesses' lifecycle. Pure: the caller supplies the accesses.
 *
 * Contract — `accessServicesInvoice({ month: M, accesses, tariffs })`:
 * - Billing starts on the completion date (`completedAt`, data di espletamento — spec §8.1: the
 *   completion date rather than the acceptance day), that day included.
 * - New accesses — completed in M−1, or completed earlier with `invoiced: false` (a late delivery
 *   "added the same way"): the activation fee of each component; then the fees from the completion
 *   day to the end of month M+1, i.e. pro rata for the completion month (days billed / days in that
 *   month), the whole monthly fee for every later month up to M, and the advance fee for M+1.
 * - Accesses already invoiced before (completed before M−1): the advance fee for M+1.
 * - Accesses completed in M or later: nothing yet (the next invoice takes them).
 * - Cessation (`ceasedAt`, the requested cessation date, spec §4): port and link are billed up to
 *   and including that day (pro rata in its month); additional CAC modules until the end of the
 *   month in which it falls. A component whose fees ended before the period of this invoice has
 *   no line. An advance already invoiced for a month in which the access is later ceased is
 *   settled by a credit note outside this function ("salvo recuperi").
 * - Fees per unit: a component's own `monthlyFee`/`activationFee` when given (e.g. a link priced
 *   by its own offer), otherwise the tariffs: port → portActivationFee/portMonthlyFee, link →
 *   linkMonthlyFee (no activation fee), cacModule → cacModuleMonthlyFee (no activation fee).
 *   `cacModule` components are the modules beyond TIM's dimensioning; those within it are part of
 *   the port's fee.
 * - Every amount is integer cents; a pro-rata amount is `unit × count × days / daysInMonth`
 *   rounded half up once per line (money.ts `prorate`). Lines with a zero amount are left out.
 * Callers validate with `accessServicesIssues` first.
 */
import { toEpochDay, type IsoDate } from '../../../domain/calendar.js';
import type { Issue } from '../../../domain/issues.js';
import { prorate, type Cents } from '../money.js';
import { monthBounds } from './netting.js';

export type ComponentKind = 'port' | 'link' | 'cacModule';

export interface AccessComponent {
  kind: ComponentKind;
  /** units (ports, links, additional CAC modules), ≥ 1 */
  count: number;
  /** per unit and month; default from the tariffs */
  monthlyFee?: Cents;
  /** per unit; default from the tariffs */
  activationFee?: Cents;
}

export interface AccessRecord {
  id: string;
  completedAt: IsoDate;
  /** the requested cessation date, when a cessation was ordered */
  ceasedAt?: IsoDate;
  /** false for an access completed before M−1 that no invoice has carried yet */
  invoiced?: boolean;
  components: AccessComponent[];
}

export interface AccessTariffs {
  portActivationFee: Cents;
  portMonthlyFee: Cents;
  cacModuleMonthlyFee: Cents;
  linkMonthlyFee: Cents;
}

export type InvoiceItem = 'activation' | 'pro-rata' | 'monthly' | 'advance';

export interface AccessInvoiceLine {
  accessId: string;
  component: ComponentKind;
  item: InvoiceItem;
  /** the days billed (activation: the completion day) */
  from: IsoDate;
  to: IsoDate;
  quantity: number;
  unitFee: Cents;
  /** pro-rata lines: days billed and days in that month */
  days?: number;
  daysInMonth?: number;
  amount: Cents;
}

export interface AccessServicesInvoice {
  month: string;
  lines: AccessInvoiceLine[];
  total: Cents;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) + n;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

const monthOf = (d: IsoDate) => d.slice(0, 7);
const validDate = (d: string) => {
  try {
    toEpochDay(d);
    return true;
  } catch {
    return false;
  }
};

export function accessServicesIssues(input: { month: string; accesses: readonly AccessRecord[] }, base = ''): Issue[] {
  const out: Issue[] = [];
  if (!MONTH.test(input.month)) out.push({ path: `${base}/month`, rule: 'format', code: 'SG_BAD_MONTH', message: 'must be a month YYYY-MM' });
  const ids = new Map<string, number>();
  input.accesses.forEach((a, i) => {
    const at = `${base}/accesses/${i}`;
    const prev = ids.get(a.id);
    if (prev !== undefined) out.push({ path: `${at}/id`, rule: 'unique', code: 'SG_DUPLICATE_ACCESS', message: `repeats /accesses/${prev}` });
    ids.set(a.id, i);
    if (!validDate(a.completedAt)) out.push({ path: `${at}/completedAt`, rule: 'date', code: 'SG_BAD_DATE', message: 'must be a calendar date YYYY-MM-DD' });
    if (a.ceasedAt !== undefined) {
      if (!validDate(a.ceasedAt)) out.push({ path: `${at}/ceasedAt`, rule: 'date', code: 'SG_BAD_DATE', message: 'must be a calendar date YYYY-MM-DD' });
      else if (a.ceasedAt < a.completedAt) out.push({ path: `${at}/ceasedAt`, rule: 'notBeforeCompletion', code: 'SG_CESSATION_BEFORE_COMPLETION', message: 'must not be before completedAt' });
    }
    if (a.components.length === 0) out.push({ path: `${at}/components`, rule: 'minItems', code: 'SG_NO_COMPONENTS', message: 'must list at least one component' });
    a.components.forEach((c, j) => {
      if (!Number.isSafeInteger(c.count) || c.count < 1) out.push({ path: `${at}/components/${j}/count`, rule: 'minimum', code: 'SG_BAD_COUNT', message: 'must be a whole number ≥ 1' });
      for (const fee of ['monthlyFee', 'activationFee'] as const) {
        const v = c[fee];
        if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) out.push({ path: `${at}/components/${j}/${fee}`, rule: 'minimum', code: 'SG_BAD_AMOUNT', message: 'must not be negative' });
      }
    });
  });
  return out;
}

function unitFees(c: AccessComponent, t: AccessTariffs): { monthly: Cents; activation: Cents } {
  const monthly = c.monthlyFee ?? (c.kind === 'port' ? t.portMonthlyFee : c.kind === 'link' ? t.linkMonthlyFee : t.cacModuleMonthlyFee);
  const activation = c.activationFee ?? (c.kind === 'port' ? t.portActivationFee : 0);
  return { monthly, activation };
}

export function accessServicesInvoice(input: { month: string; accesses: readonly AccessRecord[]; tariffs: AccessTariffs }): AccessServicesInvoice {
  const previous = addMonths(input.month, -1);
  const next = addMonths(input.month, 1);
  const windowEnd = monthBounds(next).last;
  const lines: AccessInvoiceLine[] = [];
  for (const access of input.accesses) {
    const completedMonth = monthOf(access.completedAt);
    if (completedMonth > previous) continue;
    const isNew = completedMonth === previous || access.invoiced === false;
    const windowStart = isNew ? access.completedAt : `${next}-01`;
    for (const c of access.components) {
      const fees = unitFees(c, input.tariffs);
      if (isNew && fees.activation > 0) {
        lines.push({ accessId: access.id, component: c.kind, item: 'activation', from: access.completedAt, to: access.completedAt, quantity: c.count, unitFee: fees.activation, amount: fees.activation * c.count });
      }
      // additional CAC modules are paid until the end of the cessation month (spec §4)
      const feeEnd = access.ceasedAt === undefined ? windowEnd : c.kind === 'cacModule' ? monthBounds(monthOf(access.ceasedAt)).last : access.ceasedAt;
      const end = feeEnd < windowEnd ? feeEnd : windowEnd;
      for (let month = monthOf(windowStart); month <= monthOf(end) && windowStart <= end; month = addMonths(month, 1)) {
        const bounds = monthBounds(month);
        const from = windowStart > bounds.first ? windowStart : bounds.first;
        const to = end < bounds.last ? end : bounds.last;
        const days = toEpochDay(to) - toEpochDay(from) + 1;
        const daysInMonth = toEpochDay(bounds.last) - toEpochDay(bounds.first) + 1;
        const whole = days === daysInMonth;
        const amount = whole ? fees.monthly * c.count : prorate(fees.monthly * c.count, days, daysInMonth);
        if (amount === 0) continue;
        const item: InvoiceItem = month === next ? 'advance' : whole ? 'monthly' : 'pro-rata';
        const line: AccessInvoiceLine = { accessId: access.id, component: c.kind, item, from, to, quantity: c.count, unitFee: fees.monthly, amount };
        if (!whole) Object.assign(line, { days, daysInMonth });
        lines.push(line);
      }
    }
  }
  return { month: input.month, lines, total: lines.reduce((sum, l) => sum + l.amount, 0) };
}
