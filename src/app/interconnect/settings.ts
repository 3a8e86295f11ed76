/**
 * The interconnection configuration resolved for run time: the side this gateway plays, the
 * tariffs in cents, the annulment and project rules, the Italian calendar and the counterparts
 * (peers of protocol `interconnect-json`). An invalid configuration throws a ConfigError naming
 * every bad key.
 */
import { createCalendar, parseHolidayRegion, type WorkingDayCalendar } from '../../domain/calendar.js';
import { INTERCONNECT_PROTOCOL, interconnectConfigProblems } from '../../config/interconnect-config.js';
import { ConfigError } from '../../config/load.js';
import type { GatewayConfig, PeerConfig } from '../../config/types.js';
import { DEFAULT_ANNULMENT_RULES, type AnnulmentRules, type Tariffs } from '../../protocols/interconnect/fees.js';
import { parseCents } from '../../protocols/interconnect/money.js';
import { DEFAULT_PROJECT_RULES, type ProjectRules } from '../../protocols/interconnect/project.js';
import type { Role } from '../../protocols/interconnect/types.js';

export const DEFAULT_INTERVENTO_A_VUOTO = '390.51';

export interface InterconnectSettings {
  role: Role;
  self: string;
  tariffs: Tariffs;
  annulment: AnnulmentRules;
  projects: ProjectRules;
  calendar: WorkingDayCalendar;
  counterparts: readonly PeerConfig[];
  counterpart(carrierCode: string): PeerConfig | undefined;
}

export function interconnectEnabled(config: GatewayConfig): boolean {
  return config.self.profiles.includes('interconnect');
}

export function resolveInterconnectSettings(config: GatewayConfig, source = 'configuration'): InterconnectSettings {
  const problems = interconnectConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(source, problems);
  const ic = config.interconnect ?? {};
  const t = ic.tariffs ?? {};
  const cents = (v: string | undefined) => parseCents(v ?? '0');
  const counterparts = config.peers.filter((p) => p.protocol === INTERCONNECT_PROTOCOL);
  const byCode = new Map(counterparts.map((p) => [p.carrierCode, p]));
  return {
    role: ic.role ?? 'operator',
    self: config.self.carrierCode,
    tariffs: {
      portActivationFee: cents(t.portActivationFee),
      portMonthlyFee: cents(t.portMonthlyFee),
      cacModuleMonthlyFee: cents(t.cacModuleMonthlyFee),
      linkMonthlyFee: cents(t.linkMonthlyFee),
      linkAnnulmentCharge: cents(t.linkAnnulmentCharge),
      setupCost: cents(t.setupCost),
      interventoAVuoto: cents(t.interventoAVuoto ?? DEFAULT_INTERVENTO_A_VUOTO),
    },
    annulment: {
      freeDays: ic.annulment?.freeDays ?? DEFAULT_ANNULMENT_RULES.freeDays,
      lastDayIncluded: ic.annulmentDay13Included ?? DEFAULT_ANNULMENT_RULES.lastDayIncluded,
      lateMonthlyFees: ic.annulment?.lateMonthlyFees ?? DEFAULT_ANNULMENT_RULES.lateMonthlyFees,
      cacMonthlyFees: ic.annulment?.cacMonthlyFees ?? DEFAULT_ANNULMENT_RULES.cacMonthlyFees,
    },
    projects: { ...DEFAULT_PROJECT_RULES, ...ic.projects },
    // the manual's terms are Italian solar days; the calendar maps instants onto Rome's dates
    calendar: createCalendar(parseHolidayRegion('IT')),
    counterparts,
    counterpart: (c) => byCode.get(c),
  };
}
