/**
 * The access-services invoice at the REST edge: tariffs from the configuration's decimal strings
 * (`interconnect.tariffs`) into cents, and the invoice back out with two-place decimal strings.
 * The accesses themselves come from the access store (requests completed and ceased); see the
 * contract in src/protocols/interconnect/billing/invoice.ts.
 */
import { AppError } from '../errors.js';
import { formatCents, parseCents } from '../../protocols/interconnect/money.js';
import { accessServicesInvoice, accessServicesIssues, type AccessRecord, type AccessTariffs } from '../../protocols/interconnect/billing/invoice.js';
import type { AccessRecord as StoredAccess } from '../../store/repos/interconnect-accesses.js';

/**
 * The access store's view (one entry per completed R1/R2, components as ordered and ceased) in the
 * invoice function's terms: billing from the completion date, fees up to the requested cessation
 * date; CAC modules within TIM's dimensioning are part of the port's fee and have no line.
 */
export function accessRecordsForBilling(accesses: readonly StoredAccess[]): AccessRecord[] {
  return accesses.map((a) => ({
    id: a.id,
    completedAt: a.completionDate,
    ...(a.cessationDate ? { ceasedAt: a.cessationDate } : {}),
    components: a.components
      .filter((c) => c.quantity > 0)
      .map((c) => ({ kind: c.kind === 'cac-modules' ? ('cacModule' as const) : c.kind, count: c.quantity })),
  }));
}

/** The subset of `interconnect.tariffs` the access-services invoice uses (decimal strings in EUR). */
export interface AccessTariffStrings {
  portActivationFee: string;
  portMonthlyFee: string;
  cacModuleMonthlyFee: string;
  linkMonthlyFee: string;
}

export function accessTariffs(t: AccessTariffStrings): AccessTariffs {
  return {
    portActivationFee: parseCents(t.portActivationFee),
    portMonthlyFee: parseCents(t.portMonthlyFee),
    cacModuleMonthlyFee: parseCents(t.cacModuleMonthlyFee),
    linkMonthlyFee: parseCents(t.linkMonthlyFee),
  };
}

/** `GET /v1/interconnect/invoices/access-services?month=` answer; 422 with field issues on bad input. */
export function accessServicesInvoiceAnswer(input: { month: string; accesses: readonly AccessRecord[]; tariffs: AccessTariffStrings }) {
  const issues = accessServicesIssues(input);
  const first = issues[0];
  if (first) throw new AppError(422, first.code, `${first.path}: ${first.message}`, issues);
  const invoice = accessServicesInvoice({ month: input.month, accesses: input.accesses, tariffs: accessTariffs(input.tariffs) });
  return {
    month: invoice.month,
    lines: invoice.lines.map((l) => ({ ...l, unitFee: formatCents(l.unitFee), amount: formatCents(l.amount) })),
    total: formatCents(invoice.total),
  };
}
