/**
 * A WBCI message's parsed body read back from its wire form. The gateway stores a message's body
 * as its wire form says it (migration 0021): for a message received, the body *is* the decoding of
 * the bytes received; for a message sent, the transport checks after encoding (and signing) that
 * decoding the bytes sent gives the body back (`wireHoldsBody`) before the body is dropped. The
 * stored wire form is kept byte for byte anyway (`?raw=true`), so a second copy of its content in
 * parsed form is ~40 % of a message row for nothing.
 *
 * A message sent carries switchgate's `replaces` (the successor reference) in the delivery header
 * (`delivery-header.ts`) rather than the WBCI body; its stored body has it as a key, so the body of a
 * message sent is the message plus that key. A message received is stored as it was decoded: the
 * delivery header is not part of its body.
 */
import { isDeepStrictEqual } from 'node:util';
import { decodeSoap } from './soap-codec.js';
import type { DeliveryInfo } from './delivery-header.js';
import { defaultText } from './wire-names.js';
import type { WbciMessage } from './types.js';

export type WbciWireFormat = 'soap' | 'json';

/**
 * A message to send as the wire will carry it: a position without text gets its code's standard
 * text (`Meldungstext` is mandatory on the wire, optional in the domain). Stored so, the body of a
 * message sent is what its peer received, and its wire form holds it.
 */
export function withStandardTexts<T extends WbciMessage>(msg: T): T {
  const positions = 'positions' in msg ? (msg.positions as { code: string; text?: string }[] | undefined) : undefined;
  if (!positions || positions.every((p) => p.text !== undefined)) return msg;
  return { ...msg, positions: positions.map((p) => (p.text === undefined ? { ...p, text: defaultText(p) } : p)) };
}

/**
 * Every major release: the version a message carries was checked when it crossed the wire; reading
 * it back must not refuse it because the peer's configuration changed since.
 */
const ANY_MAJOR = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** The stored body of a WBCI message from its wire form, or undefined when the text is not a WBCI message. */
export function bodyOfWire(raw: string, format: WbciWireFormat, direction: 'in' | 'out'): Record<string, unknown> | undefined {
  const decoded = format === 'soap' ? fromSoap(raw) : fromJson(raw);
  if (!decoded) return undefined;
  const { message, delivery } = decoded;
  return direction === 'out' && delivery.replaces !== undefined ? { ...message, replaces: delivery.replaces } : { ...message };
}

/** Whether `bodyOfWire` gives `body` back (compared as the JSON both are stored and answered as). */
export function wireHoldsBody(raw: string, format: WbciWireFormat, direction: 'in' | 'out', body: unknown): boolean {
  const derived = bodyOfWire(raw, format, direction);
  return derived !== undefined && isDeepStrictEqual(asJson(derived), asJson(body));
}

const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? null)) as unknown;

function fromSoap(raw: string): { message: WbciMessage; delivery: DeliveryInfo } | undefined {
  const d = decodeSoap(raw, { supportedMajors: ANY_MAJOR });
  return d.ok ? { message: d.message, delivery: d.delivery } : undefined;
}

/** The JSON wire is `{ control, message, delivery? }` (json-codec.ts); its message is the body as it is. */
function fromJson(raw: string): { message: WbciMessage; delivery: DeliveryInfo } | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const { message, delivery } = (doc ?? {}) as { message?: unknown; delivery?: { replaces?: unknown } };
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return undefined;
  const replaces = typeof delivery?.replaces === 'string' ? delivery.replaces : undefined;
  return { message: message as WbciMessage, delivery: replaces === undefined ? {} : { replaces } };
}
