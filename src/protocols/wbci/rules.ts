/**
 * The counts of wbci.md §10 (one operator's values, tag O) as configuration.
 *
 * Every count is in working days (WD) unless its name says `Days` (calendar days). The config file
 * gives a partial object under `deadlines.wbci`; src/config/wbci-rules.ts validates it and merges it
 * over these defaults, and the gateway passes the result in (protocols do not read configuration).
 */

export interface WbciRules {
  /** D1: KWT of a VA-KUE at least this many WD after today */
  minLeadWorkingDaysKue: number;
  /** D1: a KUE KWT up to this many WD ahead (inclusive) is allowed but warned about */
  warnUpToWorkingDaysKue: number;
  /** D2: KWT of a VA-RRNP at least this many WD after today */
  minLeadWorkingDaysRrnp: number;
  /** D3: the EKPabg answers a VA (RUEM-VA or ABBM) within this many WD */
  answerWorkingDays: number;
  /** D4/D8: Wechseltermin (RUEM-VA) or new date (TVS-VA) of a KUE at least this many WD ahead */
  switchDateMinLeadWorkingDaysKue: number;
  /** D4/D8: … and a warning up to this many WD ahead (inclusive) */
  switchDateWarnUpToWorkingDaysKue: number;
  /** D4/D8: RRNP at least this many WD ahead */
  switchDateMinLeadWorkingDaysRrnp: number;
  /** D5: AKM-TR due this many WD before the Wechseltermin (KUE only) */
  akmTrBeforeSwitchDateWorkingDays: number;
  /** D6: answer to a TVS-VA within this many WD */
  tvAnswerWorkingDays: number;
  /** D7: a TVS-VA must arrive at least this many WD before the current Wechseltermin (else 8141) */
  tvCutoffWorkingDays: number;
  /** D9: answer to a Storno within this many WD */
  stornoAnswerWorkingDays: number;
  /** D10: a STR-AUF must arrive at least this many WD before the Wechseltermin (else 8142) */
  strAufCutoffWorkingDays: number;
  /** D10 / §16.9: M-net exempts STR-AEN from the cut-off; `true` applies it to STR-AEN too */
  applyStornoCutoffToStrAen: boolean;
  /** D11: after ERLM to STR-AEN the successor VA is due this many WD before the Wechseltermin */
  newVaBeforeSwitchDateWorkingDays: number;
  /** D12: internal follow-up this many WD after ERLM to STR-AUF */
  strAufFollowUpWorkingDays: number;
  /** D13: a received RUEM-VA date more than this many WD after the KWT needs a person */
  confirmedDateMaxOffsetWorkingDays: number;
  /** D13b: successor's RUEM-VA date at most this many WD after the cancelled VA's date (value not public; 5 is M-net's example) */
  successorDateMaxOffsetWorkingDays: number;
  /** D14: EKPabg's own WITA termination at Wechseltermin + this many WD ("safe harbour") */
  witaTerminationOffsetWorkingDays: number;
  /** D15: alert if no WITA order exists this many calendar days before the Wechseltermin */
  missingWitaOrderAlertDays: number;
  /** D16: RRNP accepted up to this many calendar days after the contract end */
  rrnpMaxDaysAfterContractEnd: number;
  /** D17: dates further ahead than this many calendar days are warned about */
  maxHorizonDays: number;
  /** §6.4: a case completes once the Wechseltermin is at least this many calendar days past */
  completeDaysAfterSwitchDate: number;
  /**
   * §1 (tag I): an AKM-TR not rejected within this many WD counts as accepted; drives the
   * `akmTrRejection` deadline. 0 switches that deadline off.
   */
  akmTrRejectionTimeoutWorkingDays: number;
}

export const defaultWbciRules: Readonly<WbciRules> = Object.freeze({
  minLeadWorkingDaysKue: 7,
  warnUpToWorkingDaysKue: 10,
  minLeadWorkingDaysRrnp: 1,
  answerWorkingDays: 3,
  switchDateMinLeadWorkingDaysKue: 5,
  switchDateWarnUpToWorkingDaysKue: 7,
  switchDateMinLeadWorkingDaysRrnp: 1,
  akmTrBeforeSwitchDateWorkingDays: 8,
  tvAnswerWorkingDays: 3,
  tvCutoffWorkingDays: 3,
  stornoAnswerWorkingDays: 3,
  strAufCutoffWorkingDays: 3,
  applyStornoCutoffToStrAen: false,
  newVaBeforeSwitchDateWorkingDays: 7,
  strAufFollowUpWorkingDays: 1,
  confirmedDateMaxOffsetWorkingDays: 10,
  successorDateMaxOffsetWorkingDays: 5,
  witaTerminationOffsetWorkingDays: 3,
  missingWitaOrderAlertDays: 12,
  rrnpMaxDaysAfterContractEnd: 90,
  maxHorizonDays: 180,
  completeDaysAfterSwitchDate: 3,
  akmTrRejectionTimeoutWorkingDays: 3,
});

export const WBCI_RULE_KEYS = Object.keys(defaultWbciRules) as (keyof WbciRules)[];
