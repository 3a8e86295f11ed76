/**
 * The state of one Fase 2 case (italy.md §9) as the AGCOM state machine sees it.
 *
 * One shape for both roles: the machine reasons about the *party* that sends a message, so the
 * Recipient's and the Donating's gateway reach the same state for the same sequence. One
 * asymmetry is inherent: the Donating's gateway decides the formal validation itself on receipt,
 * so its case starts in AWAITING_MANAGERIAL while the Recipient's waits for that answer.
 */
import type {
  AgcomParty,
  IsoDate,
  IsoDateTime,
  MigrationRequest,
  OperatorCode,
  Procedure,
  Rejection,
} from './types.js';

export const AGCOM_STATES = [
  /** request sent; no formal answer (xml2) yet (Recipient only) */
  'AWAITING_FORMAL',
  /** formally valid; the Donating's CRM decides the managerial validation (xml3) */
  'AWAITING_MANAGERIAL',
  /** managerial OK: the codice sessione is known, Fase 3 may start */
  'VALIDATED',
  /** formal or managerial KO: terminal */
  'REJECTED',
  /** annullamento accepted: terminal */
  'CANCELLED',
  /** the DAC has passed on a validated case: Fase 2 is over, terminal */
  'COMPLETED',
] as const;
export type AgcomState = (typeof AGCOM_STATES)[number];

export const TERMINAL_STATES: readonly AgcomState[] = ['REJECTED', 'CANCELLED', 'COMPLETED'];
export const isTerminal = (s: AgcomState): boolean => TERMINAL_STATES.includes(s);

export type Role = AgcomParty;

export type ChangeKind = 'ANNULLAMENTO' | 'RIMODULAZIONE';

/** A cancellation or reschedule the Recipient sent and the Donating has not answered yet. */
export interface OpenChange {
  kind: ChangeKind;
  /** RIMODULAZIONE: the requested new DAC */
  dac?: IsoDate;
  at: IsoDateTime;
}

export interface ChangeRecord {
  kind: ChangeKind;
  dac?: IsoDate;
  result: 'accepted' | 'rejected';
  rejection?: Rejection;
  at: IsoDateTime;
}

export interface AgcomCaseState {
  /** `CodiceOrdineRecipient` */
  orderId: string;
  procedure: Procedure;
  /** this gateway's role in the case */
  role: Role;
  recipient: OperatorCode;
  donating: OperatorCode;
  state: AgcomState;
  /** when the request was sent / received */
  requestedAt: IsoDateTime;
  formalAt: IsoDateTime | null;
  managerialAt: IsoDateTime | null;
  /** current requested migration date; changed by an accepted rimodulazione */
  dac: IsoDate | null;
  /** `CodiceSessione` of the managerial OK */
  sessionCode: string | null;
  /** why the case was rejected, and at which step */
  rejection: (Rejection & { stage: 'formal' | 'managerial' }) | null;
  openChange: OpenChange | null;
  changes: ChangeRecord[];
  /** the keys of the line(s) concerned, for "one open switch per line" (see lineKeys) */
  lineKeys: string[];
  /** the request itself, for content checks and Fase 3 */
  request: MigrationRequest;
  closedAt?: IsoDateTime;
}
