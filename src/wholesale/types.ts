/**
 * Phase 3 (the wholesale order) in procedure-neutral terms: what the gateway orders from the
 * wholesale provider after a successful phase 2, and what it remembers about that order.
 *
 * WBCI (Germany) fills these from a Vorabstimmung (`order.ts`); the Italian procedure will fill
 * the same shapes from a Fase 2 outcome (codice sessione in `preCoordination.sessionCode`).
 * The JSON shapes are the REST wire (schemas/wholesale/*.json) one to one; the SOAP codec maps
 * them to XML (schemas/wholesale/wholesale.xsd).
 */

/** Calendar date `YYYY-MM-DD`. */
export type IsoDate = string;
/** Instant, ISO 8601 with offset. */
export type IsoDateTime = string;

/**
 * What the provider is asked to do (wbci.md §12, WITA business cases):
 * - `PROVIDERWECHSEL` (PV): the line (a Telekom TAL) moves to the buyer as it is;
 * - `VERBUNDLEISTUNG` (VBL): a bundled switch, quoting the donating side's (pseudo) contract number;
 * - `BEREITSTELLUNG`: a new line; the donating side terminates the old one;
 * - `NUMBER_EXPORT`: numbers only, no line (WBCI VA-RRNP; WITA REX-MK).
 */
export const ORDER_TYPES = ['PROVIDERWECHSEL', 'VERBUNDLEISTUNG', 'BEREITSTELLUNG', 'NUMBER_EXPORT'] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

export type Procedure = 'wbci' | 'agcom';

export type Customer =
  | { kind: 'person'; salutation?: string; firstName?: string; lastName: string }
  | { kind: 'company'; salutation?: string; companyName: string; companyNameSecondPart?: string };

export interface OrderSite {
  street: string;
  houseNumber: string;
  houseNumberSuffix?: string;
  postalCode: string;
  city: string;
}

/** One identifier of the existing line, as the donating side confirmed it (RUEM-VA `ressource`). */
export interface OrderLineResource {
  contractNumber?: string;
  lineId?: string;
  identifier?: string;
  tnbId?: string;
}

export interface OrderLine {
  /** e.g. `001 TAL ISDN` */
  technology?: string;
  /** the buyer takes the existing line over (AKM-TR `ressourcenuebernahme`) */
  takeOver?: boolean;
  /** keep the old access a little beyond the switch date (AKM-TR `sichererHafen`) */
  safeHarbour?: boolean;
  resources: OrderLineResource[];
}

export interface OrderNumber {
  /** area code without the trunk prefix 0 */
  areaCode: string;
  number: string;
  /** the donating side's porting id (WBCI PKIabg) */
  pkiAbg?: string;
}

export interface OrderNumberRange {
  from: string;
  to: string;
  pkiAbg?: string;
}

export type OrderNumbers =
  | { kind: 'single'; portingWindow?: string; pkiAuf?: string; list: OrderNumber[] }
  | { kind: 'block'; portingWindow?: string; pkiAuf?: string; areaCode: string; baseNumber: string; operatorPosition: string; ranges: OrderNumberRange[] };

/** The phase-2 outcome the order rests on; the provider verifies it with the donating side. */
export interface PreCoordination {
  procedure: Procedure;
  /** WBCI: the VA-ID; Italy: the recipient's order code */
  id: string;
  /** WBCI: VA-KUE-MRN | VA-KUE-ORN | VA-RRNP */
  businessCase: string;
  /** Italy: the codice sessione (opaque); the provider verifies with it */
  sessionCode?: string;
  /** Italy: the COW (migrazione) or TIM's codice segreto (attivazione) */
  cow?: string;
  /** Italy: the COR/COS pair(s) of the access */
  resources?: { cor: string; cos?: string }[];
  /** Italy: the directory numbers on the access, as given in the request (leading 0 kept) */
  directoryNumbers?: string[];
}

/** `POST /productOrder` (REST) / `placeOrder` (SOAP): one order per successful phase 2. */
export interface WholesaleOrderRequest {
  /** the buyer's reference: the case id (VA-ID); unique, so a resent order can be recognised */
  externalId: string;
  orderType: OrderType;
  requestedCompletionDate: IsoDate;
  /** carrier code of the buyer (this gateway) */
  buyer: string;
  /** carrier code of the donating operator */
  donatingProvider: string;
  preCoordination: PreCoordination;
  customer: Customer;
  site?: OrderSite;
  line?: OrderLine;
  numbers?: OrderNumbers;
}

/** Reference to an order in a follow-up request: our externalId always, the provider's id once known. */
export interface OrderRef {
  externalId: string;
  id?: string;
}

/** `POST /cancelProductOrder` / `cancelOrder`: its own request with its own outcome (TMF641/622). */
export interface CancelOrderRequest {
  /** the request's own reference (WBCI: the S-ID of the agreed Storno) */
  externalId: string;
  productOrder: OrderRef;
  cancellationReason: string;
}

/** `POST /modifyProductOrderItemRequestedDeliveryDate` / `rescheduleOrder` (MEF LSO Sonata). */
export interface RescheduleOrderRequest {
  /** the request's own reference (WBCI: the T-ID of the agreed TVS-VA) */
  externalId: string;
  productOrder: OrderRef;
  requestedCompletionDate: IsoDate;
  reason: string;
}

/** Message types of the wholesale channel in the `messages` table. */
export const WHOLESALE_MESSAGE_TYPES = {
  order: 'WHOLESALE-ORDER',
  cancel: 'WHOLESALE-CANCEL',
  reschedule: 'WHOLESALE-RESCHEDULE',
  notification: 'WHOLESALE-NOTIFICATION',
  verification: 'WHOLESALE-VERIFICATION',
} as const;

/** `messages.peer` and `outbox.destination` of the wholesale channel. */
export const WHOLESALE_DESTINATION = 'wholesale';
