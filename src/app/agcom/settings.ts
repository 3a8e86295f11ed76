/**
 * The AGCOM configuration resolved for run time: this gateway's operator code, the Italian
 * calendar, the rules (global, then per partner), the COS table, the COW pools, and per partner
 * everything its wire needs. Built once at start-up; an invalid configuration throws a
 * ConfigError naming every bad key (the same problems `check-config` reports).
 */
import { createCalendar, parseHolidayRegion, type WorkingDayCalendar } from '../../domain/calendar.js';
import { agcomConfigProblems, isAgcomProtocol, mergeWireValues, operatorCodeOfCarrier, type AgcomPeerProtocol } from '../../config/agcom-config.js';
import { ConfigError } from '../../config/load.js';
import type { GatewayConfig, PeerConfig } from '../../config/types.js';
import { createCosTable, DEFAULT_COS_ENTRIES, type CosTable } from '../../protocols/agcom/cos.js';
import { DEFAULT_FILE_NAMING, DEFAULT_MAX_RECORDS, type FileNaming, type WireValues } from '../../protocols/agcom/files.js';
import type { CowOwner } from '../../protocols/agcom/fields.js';
import { resolveAgcomRules, type AgcomRules } from '../../protocols/agcom/rules.js';
import type { OperatorCode } from '../../protocols/agcom/types.js';

export interface AgcomPartner {
  carrierCode: string;
  operatorCode: OperatorCode;
  protocol: AgcomPeerProtocol;
  url: string;
  naming: FileNaming;
  values: WireValues;
  strictLayout: boolean;
  rules: AgcomRules;
  peer: PeerConfig;
}

export interface AgcomSettings {
  operatorCode: OperatorCode;
  calendar: WorkingDayCalendar;
  /** `deadlines.agcom` over the defaults; a partner's own are in its entry */
  rules: AgcomRules;
  cosTable: CosTable;
  /** COW / codice segreto → owning operator, as configured */
  pools: ReadonlyMap<string, OperatorCode>;
  partners: readonly AgcomPartner[];
  maxRecordsPerFile: number;
  /** `deadlines.maxRequestedDateHorizonDays` (default 730) */
  maxRequestedDateHorizonDays?: number;
  byCarrier(carrierCode: string): AgcomPartner | undefined;
  byOperator(operatorCode: string): AgcomPartner | undefined;
  /**
   * The pools as the machine sees them. The Recipient looks them up as configured (an unknown COW
   * is the Donating's to judge); the Donating knows its own pool, unless none is configured: then
   * every secret addressed to it counts as its own, and only the managerial validation can refuse.
   */
  cowOwner(role: 'recipient' | 'donating'): CowOwner;
}

export function agcomEnabled(config: GatewayConfig): boolean {
  return config.self.profiles.includes('agcom');
}

export function resolveAgcomSettings(config: GatewayConfig, source = 'configuration'): AgcomSettings {
  const problems = agcomConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(source, problems);
  const a = config.agcom ?? {};
  const operatorCode = (a.operatorCode ?? operatorCodeOfCarrier(config.self.carrierCode))!;
  const rules = resolveAgcomRules(config.deadlines.agcom);
  const partners: AgcomPartner[] = config.peers
    .filter((p) => isAgcomProtocol(p.protocol))
    .map((p) => ({
      carrierCode: p.carrierCode,
      operatorCode: (p.agcom?.operatorCode ?? operatorCodeOfCarrier(p.carrierCode))!,
      protocol: p.protocol as AgcomPeerProtocol,
      url: p.url,
      naming: { ...DEFAULT_FILE_NAMING, ...p.agcom?.naming },
      values: mergeWireValues(p.agcom?.wireValues),
      strictLayout: p.agcom?.strictLayout ?? false,
      rules: resolveAgcomRules(config.deadlines.agcom, p.agcom?.rules),
      peer: p,
    }));
  const byCarrier = new Map(partners.map((p) => [p.carrierCode, p]));
  const byOperator = new Map(partners.map((p) => [p.operatorCode, p]));
  const pools = new Map(Object.entries(a.cowOwner ?? {}));
  const ownPoolKnown = [...pools.values()].includes(operatorCode);
  const recipientView: CowOwner = (cow) => pools.get(cow);
  const donatingView: CowOwner = (cow) => pools.get(cow) ?? (ownPoolKnown ? undefined : operatorCode);
  return {
    operatorCode,
    calendar: createCalendar(parseHolidayRegion(a.holidayRegion ?? 'IT')),
    rules,
    cosTable: createCosTable([...DEFAULT_COS_ENTRIES, ...(a.cos ?? []).map((e) => ({ ...e, tag: e.tag ?? ('I' as const) }))]),
    pools,
    partners,
    maxRecordsPerFile: a.maxRecordsPerFile ?? DEFAULT_MAX_RECORDS,
    maxRequestedDateHorizonDays: config.deadlines.maxRequestedDateHorizonDays,
    byCarrier: (c) => byCarrier.get(c),
    byOperator: (o) => byOperator.get(o),
    cowOwner: (role) => (role === 'recipient' ? recipientView : donatingView),
  };
}
