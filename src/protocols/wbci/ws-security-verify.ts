/**
 * Verifies the WS-Security signature of an inbound WBCI SOAP message (wbci.md §11.4) against the certificates
 * pinned for the sending peer. Runs after the hostile-XML guard (no DTD, bounded depth) on the same text the
 * decoder read, and answers with the WS-Security fault code a refusal deserves.
 *
 * Signature wrapping: the Body the decoder processes is the first Body child of the Envelope; it is accepted only
 * if its own wsu:Id is unique in the document and named by a Reference that xml-crypto validated. A signed Body
 * moved elsewhere and replaced by another therefore fails.
 */
import { X509Certificate } from 'node:crypto';
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { certificateIdentity } from './soap-security.js';
import { NS } from './wire-names.js';
import { guardXml } from './xml-guard.js';
import { ALGORITHMS, EXC_C14N, WSSE11_NS, WSU_NS, withCodePointC14n } from './ws-security-sign.js';

export type WsseFaultCode = 'wsse:InvalidSecurity' | 'wsse:InvalidSecurityToken' | 'wsse:FailedAuthentication' | 'wsse:FailedCheck';

/** Machine reason of a refusal; also the `reason` label of switchgate_inbound_refused_total. */
export type SignatureRefusal =
  | 'unsigned'
  | 'malformed_security'
  | 'unsupported_algorithm'
  | 'invalid_token'
  | 'untrusted_certificate'
  | 'bad_signature'
  | 'body_not_signed'
  | 'signaturid_mismatch';

const FAULT_OF: Record<SignatureRefusal, WsseFaultCode> = {
  unsigned: 'wsse:InvalidSecurity',
  malformed_security: 'wsse:InvalidSecurity',
  unsupported_algorithm: 'wsse:InvalidSecurity',
  invalid_token: 'wsse:InvalidSecurityToken',
  signaturid_mismatch: 'wsse:InvalidSecurityToken',
  untrusted_certificate: 'wsse:FailedAuthentication',
  bad_signature: 'wsse:FailedCheck',
  body_not_signed: 'wsse:FailedCheck',
};

/** A certificate a peer may sign with, read once at start-up. */
export interface PinnedCertificate {
  der: Buffer;
  pem: string;
}

export interface VerifyPolicy {
  /** the peer's signing certificates (two during a rollover); empty: nothing can verify */
  pinned: readonly PinnedCertificate[];
  /** RSA-SHA1 / SHA-1 are accepted only from peers configured for them */
  allowSha1: boolean;
}

/** What is recorded with a signed message and shown by GET …/messages. */
export interface SignatureInfo {
  verified: boolean;
  subject: string | null;
  issuer: string | null;
  serial: string | null;
  algorithm: string | null;
}

export type SignatureCheck =
  /** no wsse:Security / ds:Signature at all */
  | { status: 'unsigned'; refusal: SignatureRefusal; fault: WsseFaultCode; message: string }
  /** `confirmations`: the Values of the signed wsse11:SignatureConfirmation elements (a Quittung's), null for none */
  | { status: 'verified'; info: SignatureInfo; signatureValue: string; confirmations: (string | null)[] }
  | { status: 'failed'; refusal: SignatureRefusal; fault: WsseFaultCode; message: string; info: SignatureInfo; signatureValue?: string };

const ALGORITHM_NAME = new Map<string, string>(Object.entries(ALGORITHMS).map(([name, a]) => [a.signature, name]));
const SHA1_URIS = new Set([ALGORITHMS['rsa-sha1'].signature, ALGORITHMS['rsa-sha1'].digest]);
const ALLOWED_URIS = new Set([...Object.values(ALGORITHMS).flatMap((a) => [a.signature, a.digest]), 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512', 'http://www.w3.org/2001/04/xmlenc#sha512']);
const C14N_URIS = new Set([EXC_C14N, 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments']);

const elements = (n: Node): Element[] => {
  const out: Element[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) out.push(c as Element);
  return out;
};
const child = (n: Node | undefined, ns: string, local: string): Element | undefined =>
  n ? elements(n).find((e) => e.namespaceURI === ns && e.localName === local) : undefined;
const children = (n: Node | undefined, ns: string, local: string): Element[] =>
  n ? elements(n).filter((e) => e.namespaceURI === ns && e.localName === local) : [];
const wsuId = (e: Element): string | null => e.getAttributeNS(WSU_NS, 'Id') || e.getAttribute('Id') || null;

interface TokenFacts {
  der: Buffer;
  identity: { issuer: string; serial: string };
  subject: string;
}
// a peer signs with the same certificate for months: parse it once, not for every message
const tokenCache = new Map<string, TokenFacts | null>();
function tokenFacts(token64: string): TokenFacts | null {
  const hit = tokenCache.get(token64);
  if (hit !== undefined) return hit;
  let facts: TokenFacts | null;
  try {
    const der = Buffer.from(token64, 'base64');
    const cert = new X509Certificate(der);
    facts = { der, identity: certificateIdentity(cert), subject: cert.subject.split('\n').reverse().join(', ') };
  } catch {
    facts = null;
  }
  if (tokenCache.size >= 64) tokenCache.delete(tokenCache.keys().next().value as string);
  tokenCache.set(token64, facts);
  return facts;
}

const ID_NAMES = new Set(['Id', 'ID', 'id']);
function elementsWithId(doc: Document, id: string): number {
  let n = 0;
  const all = doc.getElementsByTagName('*');
  for (let i = 0; i < all.length; i++) {
    const attrs = all[i].attributes;
    for (let j = 0; j < attrs.length; j++) if (ID_NAMES.has(attrs[j].localName ?? attrs[j].name) && attrs[j].value === id) n++;
  }
  return n;
}

function failed(refusal: SignatureRefusal, message: string, info: SignatureInfo, signatureValue?: string): SignatureCheck {
  return { status: 'failed', refusal, fault: FAULT_OF[refusal], message, info, ...(signatureValue ? { signatureValue } : {}) };
}

/** DN as a comparable set of `TYPE=value` (order and spacing differ between implementations). */
function dnKey(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) => {
      const eq = rdn.indexOf('=');
      const type = rdn.slice(0, eq).trim().toUpperCase().replace(/^(E|EMAIL)$/, 'EMAILADDRESS');
      return `${type}=${rdn.slice(eq + 1).trim()}`;
    })
    .sort()
    .join(',');
}
const serialKey = (s: string): string => s.toLowerCase().replace(/[\s:]/g, '').replace(/^0+(?=.)/, '');

/**
 * Checks the signature of `xml` (already through the XML guard). `signaturId` is Control/signaturId of the decoded
 * payload: it must name the certificate of the token that signed.
 */
export function verifyEnvelope(xml: string, policy: VerifyPolicy, signaturId?: { issuer?: string; serial?: string }): SignatureCheck {
  const empty: SignatureInfo = { verified: false, subject: null, issuer: null, serial: null, algorithm: null };
  // callers run the guard already; repeated here so that no DTD or entity ever reaches the DOM parser
  const guarded = guardXml(xml);
  if (!guarded.ok) return failed('malformed_security', `message refused before parsing: ${guarded.issue.message}`, empty);
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, msg) => {
        if (level !== 'warning') throw new Error(msg);
      },
    }).parseFromString(xml, 'text/xml');
  } catch (e) {
    return failed('malformed_security', `message cannot be parsed: ${(e as Error).message}`, empty);
  }
  const root = doc.documentElement;
  const soapNs = root?.namespaceURI;
  if (!root || root.localName !== 'Envelope' || (soapNs !== NS.soap11 && soapNs !== NS.soap12)) return failed('malformed_security', 'not a SOAP envelope', empty);
  const top = elements(root);
  // the decoder's choice: the first Body, and a Header only before it
  const bodyIndex = top.findIndex((e) => e.namespaceURI === soapNs && e.localName === 'Body');
  const header = top.slice(0, bodyIndex < 0 ? top.length : bodyIndex).find((e) => e.namespaceURI === soapNs && e.localName === 'Header');
  const body = bodyIndex < 0 ? undefined : top[bodyIndex];
  const securities = children(header, NS.wsse, 'Security');
  if (securities.length === 0) return { status: 'unsigned', refusal: 'unsigned', fault: FAULT_OF.unsigned, message: 'the message carries no wsse:Security header' };
  if (securities.length > 1) return failed('malformed_security', 'more than one wsse:Security header', empty);
  const security = securities[0];
  const signatures = children(security, NS.ds, 'Signature');
  if (signatures.length === 0) return { status: 'unsigned', refusal: 'unsigned', fault: FAULT_OF.unsigned, message: 'wsse:Security holds no ds:Signature' };
  if (signatures.length > 1) return failed('malformed_security', 'more than one ds:Signature in wsse:Security', empty);
  const signature = signatures[0];
  const signatureValue = (child(signature, NS.ds, 'SignatureValue')?.textContent ?? '').replace(/\s+/g, '');

  // the token: a SecurityTokenReference to a BinarySecurityToken of this header (as the partners send it)
  const ref = child(child(child(signature, NS.ds, 'KeyInfo'), NS.wsse, 'SecurityTokenReference'), NS.wsse, 'Reference');
  const uri = ref?.getAttribute('URI') ?? '';
  const token = uri.startsWith('#') ? children(security, NS.wsse, 'BinarySecurityToken').find((t) => wsuId(t) === uri.slice(1)) : undefined;
  if (!token) return failed('invalid_token', 'ds:KeyInfo does not reference a wsse:BinarySecurityToken of this header', empty, signatureValue);
  const token64 = (token.textContent ?? '').replace(/\s+/g, '');
  const facts = tokenFacts(token64);
  if (!facts) return failed('invalid_token', 'the BinarySecurityToken is not a readable X.509 certificate', empty, signatureValue);
  const { der, identity, subject } = facts;
  const signedInfo = child(signature, NS.ds, 'SignedInfo');
  const methodUri = child(signedInfo, NS.ds, 'SignatureMethod')?.getAttribute('Algorithm') ?? '';
  const info: SignatureInfo = {
    verified: false,
    subject,
    issuer: identity.issuer,
    serial: identity.serial,
    algorithm: ALGORITHM_NAME.get(methodUri) ?? (methodUri || null),
  };

  const pinned = policy.pinned.find((p) => p.der.equals(der));
  if (!pinned) return failed('untrusted_certificate', `the message is signed by a certificate not pinned for this peer (issuer ${identity.issuer}, serial ${identity.serial})`, info, signatureValue);

  const references = children(signedInfo, NS.ds, 'Reference');
  const used = [methodUri, ...references.map((r) => child(r, NS.ds, 'DigestMethod')?.getAttribute('Algorithm') ?? '')];
  const bad = used.find((u) => !ALLOWED_URIS.has(u) || (SHA1_URIS.has(u) && !policy.allowSha1));
  if (bad !== undefined) return failed('unsupported_algorithm', `algorithm ${bad || '(none)'} is not accepted from this peer`, info, signatureValue);
  const c14n = child(signedInfo, NS.ds, 'CanonicalizationMethod')?.getAttribute('Algorithm') ?? '';
  if (!C14N_URIS.has(c14n)) return failed('unsupported_algorithm', `canonicalization ${c14n || '(none)'} is not accepted (exclusive c14n required)`, info, signatureValue);

  const bodyId = body ? wsuId(body) : null;
  if (!bodyId || !references.some((r) => r.getAttribute('URI') === `#${bodyId}`)) {
    return failed('body_not_signed', 'the SOAP Body is not covered by the signature', info, signatureValue);
  }
  // the Reference resolves by id: only an id no other element carries designates this very Body
  if (elementsWithId(doc, bodyId) !== 1) return failed('body_not_signed', `the id ${bodyId} of the SOAP Body occurs more than once`, info, signatureValue);

  const sig = withCodePointC14n(new SignedXml({ publicCert: pinned.pem, idMode: 'wssecurity' }));
  // WS-Security ids are wsu:Id; xml-crypto would otherwise search the document for ID and id as well, a full XPath
  // scan each (the uniqueness of the Body's id over all three is checked above)
  sig.idAttributes = ['Id'];
  try {
    sig.loadSignature(signature);
    if (!sig.checkSignature(xml)) return failed('bad_signature', 'a signed part of the message was changed (digest mismatch)', info, signatureValue);
  } catch (e) {
    return failed('bad_signature', `the signature does not verify: ${(e as Error).message.replace(/the signature value \S+ /, 'the signature value ')}`, info, signatureValue);
  }
  if (signaturId && (signaturId.issuer !== undefined || signaturId.serial !== undefined)) {
    const issuerOk = signaturId.issuer !== undefined && dnKey(signaturId.issuer) === dnKey(identity.issuer);
    const serialOk = signaturId.serial !== undefined && serialKey(signaturId.serial) === serialKey(identity.serial);
    if (!issuerOk || !serialOk) {
      return failed('signaturid_mismatch', `Control/signaturId (${signaturId.issuer ?? '?'} / ${signaturId.serial ?? '?'}) does not name the signing certificate (${identity.issuer} / ${identity.serial})`, info, signatureValue);
    }
  } else {
    return failed('signaturid_mismatch', 'Control/signaturId is missing in a signed message', info, signatureValue);
  }
  const signedIds = new Set(references.map((r) => r.getAttribute('URI') ?? ''));
  const confirmations = children(security, WSSE11_NS, 'SignatureConfirmation')
    .filter((c) => signedIds.has(`#${wsuId(c) ?? ''}`))
    .map((c) => c.getAttribute('Value') || null);
  return { status: 'verified', info: { ...info, verified: true }, signatureValue, confirmations };
}
