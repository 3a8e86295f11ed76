/**
 * The JSON messages two interconnection gateways exchange at `POST /interconnect/v1`
 * (schemas/interconnect/wire.json). One message is one step of one object; `messageId` is the
 * sender's outbox message id, stable across retries, so a receiver applies each message once.
 */
import type { FaultOutcome, FeeStatement, IsoDate, RequestData } from '../../protocols/interconnect/types.js';
import type { ProjectEventKind, Project } from '../../protocols/interconnect/project.js';

export type WireObject = 'request' | 'fault' | 'project';

export interface WireEnvelope<B = unknown> {
  protocol: 'interconnect-json';
  version: 1;
  messageId: string;
  sender: string;
  object: WireObject;
  id: string;
  kind: WireKind;
  body: B;
}

export type WireKind = 'submit' | 'progress' | 'complete' | 'reject' | 'annul' | 'open' | 'diagnose' | 'close' | 'event';

export interface SubmitBody {
  data: RequestData;
  orderDate: IsoDate;
  submittedAt: string;
  cessationFees?: FeeStatement | null;
}
export interface CompleteBody {
  completionDate: IsoDate;
  tds: { port?: string; link?: string };
}
export interface RejectBody {
  reason: string;
}
export interface AnnulBody {
  requestDate: IsoDate;
  solarDays: number;
  reimbursement: FeeStatement;
}
export interface FaultOpenBody {
  pdi: string;
  accessId: string | null;
  description: string;
  openedAt: string;
}
export interface FaultDiagnoseBody {
  diagnosis: string;
}
export interface FaultCloseBody {
  outcome: FaultOutcome;
  diagnosis: string;
  charge: string;
}
export interface ProjectOpenBody {
  kind: Project['kind'];
  traffic: Project['traffic'];
  plan: string | null;
  requestedAt: string;
}
export interface ProjectEventBody {
  event: ProjectEventKind;
  at: string;
  note?: string;
}

/** The stored message type of a wire step, e.g. `IC-REQUEST-SUBMIT`. */
export const messageType = (object: WireObject, kind: WireKind): string => `IC-${object.toUpperCase()}-${kind.toUpperCase()}`;

export function envelope<B>(messageId: string, sender: string, object: WireObject, id: string, kind: WireKind, body: B): WireEnvelope<B> {
  return { protocol: 'interconnect-json', version: 1, messageId, sender, object, id, kind, body };
}
