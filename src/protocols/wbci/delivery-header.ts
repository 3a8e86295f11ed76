/**
 * switchgate's own envelope extension: the delivery id of a message (and, on a successor VA, the VA-ID it
 * replaces). WBCI v2 has no message id and no successor reference of its own, and adding elements to the body
 * would break XSD compatibility with real partners. So both travel outside the WBCI body: in SOAP as an optional
 * header element in a switchgate namespace (partners that do not know it ignore it: it carries no
 * mustUnderstand), in JSON as an optional `delivery` member of the envelope.
 *
 * The delivery id is the sender's outbox message id: the same for every transport retry of one message, new for
 * every new message. The receiver de-duplicates on (peer, delivery id) when it is there.
 */
import type { Issue } from '../../domain/issues.js';
import { escapeXml } from './wire-engine.js';
import type { XNode } from './xml-tree.js';

export const SWITCHGATE_NS = 'urn:switchgate:wbci:delivery:1';

export interface DeliveryInfo {
  /** the sender's id of this message; stable across transport retries */
  id?: string;
  /** successor VA after STR-AEN: the VA-ID of the cancelled VA it replaces */
  replaces?: string;
}

const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const VA_ID = /^[0-9A-Z]{3}\.[0-9A-Z]{1,6}\.V[0-9A-Z]{9}$/;

/** The SOAP header element, or '' when there is nothing to say. */
export function encodeDeliveryHeader(d: DeliveryInfo | undefined): string {
  if (!d || (d.id === undefined && d.replaces === undefined)) return '';
  const id = d.id === undefined ? '' : `<sg:id>${escapeXml(d.id)}</sg:id>`;
  const replaces = d.replaces === undefined ? '' : `<sg:replaces>${escapeXml(d.replaces)}</sg:replaces>`;
  return `<sg:Delivery xmlns:sg="${SWITCHGATE_NS}">${id}${replaces}</sg:Delivery>`;
}

/**
 * Checks what a peer claims. A malformed value is ignored with a warning, never a refusal: the extension is
 * optional and a partner must not lose a message over it.
 */
export function checkDelivery(raw: { id?: unknown; replaces?: unknown }, path: string, warnings: Issue[]): DeliveryInfo {
  const out: DeliveryInfo = {};
  const bad = (field: string, rule: string, message: string) =>
    warnings.push({ path: `${path}/${field}`, rule, code: 'SG_WIRE_LENIENT', message: `${message}; ignored`, severity: 'warning' });
  if (raw.id !== undefined) {
    if (typeof raw.id === 'string' && DELIVERY_ID.test(raw.id.trim())) out.id = raw.id.trim();
    else bad('id', 'pattern', 'delivery id must be 1-64 characters of A-Z a-z 0-9 . _ : -');
  }
  if (raw.replaces !== undefined) {
    if (typeof raw.replaces === 'string' && VA_ID.test(raw.replaces.trim())) out.replaces = raw.replaces.trim();
    else bad('replaces', 'pattern', 'replaces must be a Vorabstimmungs-ID');
  }
  return out;
}

/** Reads the header element of an inbound SOAP message (absent: an empty object). */
export function readDeliveryHeader(header: XNode | undefined, headerPath: string, warnings: Issue[]): DeliveryInfo {
  const el = header?.children.find((c) => c.ns === SWITCHGATE_NS && c.local === 'Delivery');
  if (!el) return {};
  const text = (local: string): string | undefined => el.children.find((c) => c.ns === SWITCHGATE_NS && c.local === local)?.text;
  return checkDelivery({ id: text('id'), replaces: text('replaces') }, `${headerPath}/Delivery`, warnings);
}
