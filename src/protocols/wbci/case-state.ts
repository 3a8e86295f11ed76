/**
 * The state of one Vorabstimmung as the WBCI state machine sees it (wbci.md §6.2).
 *
 * The same shape serves both roles: the machine reasons about the *party* that sends a message
 * (`auf` / `abg`), so the recipient's gateway and the donating gateway run the identical machine
 * and reach the identical state for the same message sequence.
 */
import type {
  CarrierCode,
  ChangeType,
  ConfirmedPorting,
  IsoDate,
  IsoDateTime,
  Resource,
  VaRequest,
  VaType,
  WbciParty,
} from './types.js';

export const WBCI_STATES = [
  /** VA sent (recipient) / received (donating); no RUEM-VA or ABBM yet */
  'AWAITING_ANSWER',
  /** RUEM-VA exchanged, Wechseltermin fixed */
  'AGREED',
  /** AKM-TR sent and not (yet) rejected (KUE only) */
  'TR_NOTIFIED',
  /** ABBM to the VA: terminal */
  'REJECTED',
  /** ERLM to STR-AUF: terminal */
  'CANCELLED',
  /** ERLM to STR-AEN: terminal for this VA, a successor VA is expected */
  'REPLACED',
  /** successor VA not received by its deadline: terminal */
  'REPLACED_EXPIRED',
  /** Wechseltermin passed with no active change request: terminal */
  'COMPLETED',
] as const;
export type WbciState = (typeof WBCI_STATES)[number];

export const TERMINAL_STATES: readonly WbciState[] = ['REJECTED', 'CANCELLED', 'REPLACED', 'REPLACED_EXPIRED', 'COMPLETED'];

export type Role = 'recipient' | 'donating';

/** An open TVS-VA or Storno (at most one per case, wbci.md §6.3). */
export interface OpenChange {
  kind: ChangeType;
  /** T-ID or S-ID */
  id: string;
  /** who sent the change request */
  from: WbciParty;
  /** TVS-VA only: the requested new date */
  requestedDate?: IsoDate;
  /** when it was sent or received */
  at: IsoDateTime;
  /** Storno only */
  reason?: string;
}

export interface ChangeRecord {
  kind: ChangeType;
  id: string;
  from: WbciParty;
  requestedDate?: IsoDate;
  result: 'accepted' | 'rejected';
  codes: string[];
  at: IsoDateTime;
}

export interface WbciCaseState {
  vaId: string;
  type: VaType;
  /** this gateway's role in the case */
  role: Role;
  recipient: CarrierCode;
  donating: CarrierCode;
  state: WbciState;
  /** KWT of the VA */
  requestedDate: IsoDate;
  /** agreed Wechseltermin (RUEM-VA, then changed by ERLM to TVS-VA) */
  switchDate: IsoDate | null;
  /** when the VA was sent / received */
  vaAt: IsoDateTime;
  /** when the RUEM-VA was sent / received */
  answeredAt: IsoDateTime | null;
  openChange: OpenChange | null;
  /** every T-/S-ID seen in this case (reuse → 8115) */
  usedChangeIds: string[];
  changes: ChangeRecord[];
  /** latest AKM-TR: `sent` until rejected; `rejected` allows a corrected AKM-TR */
  akmTr: { status: 'none' | 'sent' | 'rejected'; at: IsoDateTime | null; count: number };
  /** RUEM-VA content kept for phase 3 (wbci.md §14.6) */
  agreement: {
    technology?: string;
    resources?: Resource[];
    numbers?: ConfirmedPorting;
    safeHarbour?: boolean;
    takeOver?: boolean;
  } | null;
  /** the VA itself, for content checks (ERLM/ABBM dates, RUEM-VA numbers) */
  va: VaRequest;
  /** STR-AEN: successor link */
  replacedBy?: string;
  /** successor VA: the VA-ID it replaces */
  replaces?: string;
  /** successor VA: the cancelled VA's Wechseltermin (D13b compares the successor's date with it) */
  predecessorSwitchDate?: IsoDate;
  /** donating side, KUE: its own WITA termination of the line (D14), derived from the Wechseltermin */
  terminationDate?: IsoDate;
  /** when this VA reached a terminal state */
  closedAt?: IsoDateTime;
}
