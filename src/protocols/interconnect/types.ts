/**
 * The objects of the VoLTE-VoIP/IP interconnection procedures with TIM (voip-interconnect.md):
 * access requests R1–R5 (§2), their fees (§3, §4), fault reports (§5) and migration / new-supply
 * projects (§6). Both sides — the operator (OAO) and TIM — keep the same object under the same id;
 * `role` says which side this copy belongs to. Dates are `YYYY-MM-DD`, instants ISO 8601 strings,
 * amounts two-place decimal strings (money.ts).
 */

export type Role = 'operator' | 'tim';
export type IsoDate = string;
export type Instant = string;
/** two-place decimal string in EUR, e.g. "390.51" */
export type Amount = string;

/** R1, R2, R3, R5 and the order of further CAC modules on an active access (§3 c′). */
export type RequestType = 'port-activation' | 'joint-activation' | 'reconfiguration' | 'cessation' | 'cac-expansion';
export const REQUEST_TYPES: readonly RequestType[] = ['port-activation', 'joint-activation', 'reconfiguration', 'cessation', 'cac-expansion'];

/** Spec §9: DRAFT → SUBMITTED → IN_PROGRESS → COMPLETED / ANNULLED / REJECTED_INCOMPLETE. */
export type RequestState = 'DRAFT' | 'SUBMITTED' | 'IN_PROGRESS' | 'COMPLETED' | 'ANNULLED' | 'REJECTED_INCOMPLETE';
export const TERMINAL_REQUEST_STATES: readonly RequestState[] = ['COMPLETED', 'ANNULLED', 'REJECTED_INCOMPLETE'];

export type Directionality = 'incoming' | 'outgoing' | 'bidirectional';
export type Codec = 'AMR-WB' | 'AMR' | 'EVS' | 'G.711' | 'G.722' | 'G.729';
export const CODECS: readonly Codec[] = ['AMR-WB', 'AMR', 'EVS', 'G.711', 'G.722', 'G.729'];

export interface Site {
  name: string;
  address: string;
  city: string;
}

/** R1 and R2: the port (and for R2 the link) with its CAC modules. */
export interface ActivationData {
  /** the TIM VoLTE-VoIP/IP point of interconnection the port belongs to */
  pdi: string;
  timSite: Site;
  operatorSite: Site;
  /** total CAC modules on the port */
  cacModules: number;
  /** of which beyond TIM's dimensioning (charged on annulment, pro rata on cessation) */
  cacModulesBeyondDimensioning: number;
  /** the operator's border-gateway addresses: exclusive and unique per PdI */
  bgIpAddresses: string[];
  directionality: Directionality;
  codecs: Codec[];
  /** R1: TD of the internal exchange link and the positions where the port terminates */
  rdc?: { td: string; positions: string[] };
  /** R2: physical link speed */
  linkSpeed?: '1G' | '10G' | '100G';
}

export interface ReconfigurationData {
  pdi: string;
  /** the completed activation whose BG addresses change */
  accessId: string;
  bgIpAddresses: string[];
}

export interface CessationData {
  operatorNode: string;
  timNode: string;
  /** number of access ports to cease */
  portCount: number;
  /** TIM may cease from this date */
  requestedDate: IsoDate;
  /**
   * The completed activations ceased ([I] spec §8.7: the manual's fields do not identify them).
   * With `cacModulesOnly`, the one access whose additional CAC modules are ceased.
   */
  accessIds: string[];
  cacModulesOnly?: number;
}

export interface CacExpansionData {
  accessId: string;
  /** further modules, all beyond TIM's dimensioning */
  cacModules: number;
}

export type RequestData =
  | ({ type: 'port-activation' } & ActivationData)
  | ({ type: 'joint-activation' } & ActivationData)
  | ({ type: 'reconfiguration' } & ReconfigurationData)
  | ({ type: 'cessation' } & CessationData)
  | ({ type: 'cac-expansion' } & CacExpansionData);

export interface FeeItem {
  item: string;
  /** how many units of a periodic fee or of a module the item counts (absent for a one-off) */
  quantity?: number;
  /** solar days in a pro-rata item */
  days?: number;
  amount: Amount;
  note?: string;
}

export interface FeeStatement {
  items: FeeItem[];
  total: Amount;
}

export interface Completion {
  completionDate: IsoDate;
  /** R1: the port TD; R2: port and link TDs */
  tds: { port?: string; link?: string };
}

export interface Annulment {
  requestDate: IsoDate;
  solarDays: number;
  reimbursement: FeeStatement;
}

export interface AccessRequest {
  id: string;
  role: Role;
  /** the other side's carrier code */
  counterpart: string;
  type: RequestType;
  state: RequestState;
  data: RequestData;
  /** the activation order date: the day the request was submitted (Europe/Rome) */
  orderDate: IsoDate | null;
  submittedAt: Instant | null;
  completion: Completion | null;
  annulment: Annulment | null;
  rejection: { reason: string; at: Instant } | null;
  /** R5: the fees of the ceased components in the month of cessation (§4) */
  cessationFees: FeeStatement | null;
  /** R3: the one-off set-up cost */
  reconfigurationFee: FeeStatement | null;
  /** set on a completed activation when a completed cessation ceased it */
  ceasedBy?: { requestId: string; /** the requested cessation date: fees run up to it (§4) */ date: IsoDate; /** TIM's completion of the cessation */ completedOn: IsoDate };
  /** additional CAC modules ceased by completed cessations of modules only */
  ceasedCacModules?: number;
  /** further CAC modules added by completed cac-expansion orders */
  addedCacModules?: number;
}

// ---------------------------------------------------------------- faults (§5)

export type FaultState = 'OPEN' | 'DIAGNOSED' | 'CLOSED';
export type FaultOutcome = 'a' | 'b' | 'c';

export interface FaultReport {
  id: string;
  role: Role;
  counterpart: string;
  state: FaultState;
  /** the access or PdI concerned */
  accessId: string | null;
  pdi: string;
  description: string;
  openedAt: Instant;
  diagnosis: string | null;
  outcome: FaultOutcome | null;
  interventoAVuoto: boolean;
  charge: Amount | null;
  closedAt: Instant | null;
  history: { at: Instant; state: FaultState; note: string }[];
}
