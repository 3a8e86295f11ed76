/**
 * Bodies stored as their wire form (migration 0021): a message whose wire form holds its parsed
 * body keeps the wire form only, and `messages.body_from` names the reading that gives the body
 * back. Received messages are stored so when their body is the decoding of the bytes received;
 * sent ones once the transport has checked the bytes sent against the body (`wireHoldsBody`). A
 * code is stored rather than a name: two bytes on a row of ~400.
 *
 * Only WBCI so far: its bodies are the decoded messages as they are. AGCOM, FTTH and
 * interconnection bodies carry what the gateway adds to the message (a wholesale code, the N12
 * envelope, a fault's state) and keep `body_z`.
 */
import { bodyOfWire, type WbciWireFormat } from '../protocols/wbci/stored-body.js';
import type { JsonValue } from './schema.js';

export type BodySource = 'wbci-soap' | 'wbci-json';

const CODES: Readonly<Record<BodySource, number>> = { 'wbci-soap': 1, 'wbci-json': 2 };
const FORMATS: ReadonlyMap<number, WbciWireFormat> = new Map([
  [1, 'soap'],
  [2, 'json'],
]);

export const bodySourceCode = (source: BodySource): number => CODES[source];

/** The body a stored wire form holds; throws when the row cannot give it (a damaged row, an unknown code). */
export function bodyFromWire(code: number, raw: string, direction: 'in' | 'out', messageId: string): JsonValue {
  const format = FORMATS.get(code);
  if (format === undefined) throw new Error(`message ${messageId}: unknown body_from ${code}`);
  const body = bodyOfWire(raw, format, direction);
  if (body === undefined) throw new Error(`message ${messageId}: its stored ${format} wire form does not decode`);
  return body as JsonValue;
}
