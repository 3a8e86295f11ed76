/**
 * Signs an outbound WBCI SOAP envelope with WS-Security (wbci.md §11.4), shaped like the partners' messages: a
 * `wsse:Security` header (mustUnderstand) holding an X.509v3 BinarySecurityToken, an XML-DSig Signature over the
 * SOAP Body (and over the WSS 1.1 SignatureConfirmation of a Quittung) with exclusive c14n, and a
 * SecurityTokenReference to the token. xml-crypto does the canonicalisation, digests and RSA signature.
 */
import type { KeyObject } from 'node:crypto';
import { ExclusiveCanonicalization, ExclusiveCanonicalizationWithComments, SignedXml } from 'xml-crypto';
import { NS } from './wire-names.js';

export type SignatureAlgorithmName = 'rsa-sha256' | 'rsa-sha1';

export const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
export const WSSE11_NS = 'http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd';
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const X509V3 = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3';
export const BASE64_BINARY = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

/** XML-DSig URIs of each configurable algorithm pair (signature, digest). */
export const ALGORITHMS: Record<SignatureAlgorithmName, { signature: string; digest: string }> = {
  'rsa-sha256': { signature: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', digest: 'http://www.w3.org/2001/04/xmlenc#sha256' },
  'rsa-sha1': { signature: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', digest: 'http://www.w3.org/2000/09/xmldsig#sha1' },
};

/** Our signing certificate and key, read and checked once at start-up. */
export interface SigningIdentity {
  privateKey: KeyObject;
  /** base64 of the DER certificate (the BinarySecurityToken) */
  certificateBase64: string;
  /** issuer DN and serial as written into Control/signaturId */
  issuer: string;
  serial: string;
}

export interface SignOptions {
  algorithm?: SignatureAlgorithmName;
  /**
   * WSS 1.1 SignatureConfirmation for a response: the SignatureValue of the request it answers, or `null` when the
   * request was not signed (the element then has no Value). Absent: no confirmation (requests, Meldungen).
   */
  confirm?: string | null;
}

/**
 * Exclusive c14n orders namespace declarations by prefix in code-point order; xml-crypto uses localeCompare, which
 * puts `ds` before `SOAP-ENV` and so breaks every SignedInfo canonicalised with `PrefixList="SOAP-ENV"` — what
 * WSS4J-based partners send (see the v2 samples).
 */
const codePoint = (a: { prefix: string }, b: { prefix: string }): number => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0);
class ExcC14n extends ExclusiveCanonicalization {
  override nsCompare(a: { prefix: string }, b: { prefix: string }): number {
    return codePoint(a, b);
  }
}
class ExcC14nWithComments extends ExclusiveCanonicalizationWithComments {
  override nsCompare(a: { prefix: string }, b: { prefix: string }): number {
    return codePoint(a, b);
  }
}
export function withCodePointC14n(sig: SignedXml): SignedXml {
  sig.CanonicalizationAlgorithms = {
    ...sig.CanonicalizationAlgorithms,
    [EXC_C14N]: ExcC14n,
    [`${EXC_C14N}WithComments`]: ExcC14nWithComments,
  };
  return sig;
}

// absolute paths: a `//` search walks the whole document for every reference (XPath dominates the cost of signing)
const step = (local: string, ns: string) => `*[local-name(.)='${local}' and namespace-uri(.)='${ns}']`;
const inSecurity = (soapNs: string, local: string, ns: string) => `/${step('Envelope', soapNs)}/${step('Header', soapNs)}/${step('Security', NS.wsse)}/${step(local, ns)}`;

/**
 * The wsu:Id / Id values of a signed envelope. They need only be unique within the document (a
 * reference names the element it signs there), so they are the same in every message: a stored
 * wire form's dictionary then covers them, where random ones cost ~42 bytes a message as stored
 * (src/store/wire-codec.ts). An id says nothing an attacker could use: it is in the message.
 */
const SIGNATURE_IDS = { token: 'X509-1', body: 'id-1', confirmation: 'SC-1', str: 'STR-1', signature: 'SIG-1' } as const;

/**
 * Adds the WS-Security header to an envelope produced by the codec (prefix `SOAP-ENV`) and signs it. An envelope
 * that has a Header already (switchgate's delivery header) gets the Security block as the Header's first child.
 * The Control block inside must already name this identity in signaturId: it is part of the signed Body.
 */
export function signEnvelope(envelope: string, id: SigningIdentity, opts: SignOptions = {}): string {
  const algorithm = ALGORITHMS[opts.algorithm ?? 'rsa-sha256'];
  const soapNs = /^<SOAP-ENV:Envelope xmlns:SOAP-ENV="([^"]+)">/.exec(envelope)?.[1];
  if (!soapNs || !envelope.includes('<SOAP-ENV:Body>')) throw new Error('signEnvelope expects an unsigned envelope from the SOAP codec');
  const ids = SIGNATURE_IDS;
  const confirmation =
    opts.confirm === undefined
      ? ''
      : `<wsse11:SignatureConfirmation xmlns:wsse11="${WSSE11_NS}"${opts.confirm === null ? '' : ` Value="${opts.confirm}"`} wsu:Id="${ids.confirmation}"/>`;
  const security =
    `<wsse:Security SOAP-ENV:mustUnderstand="1" xmlns:wsse="${NS.wsse}" xmlns:wsu="${WSU_NS}">` +
    `<wsse:BinarySecurityToken EncodingType="${BASE64_BINARY}" ValueType="${X509V3}" wsu:Id="${ids.token}">${id.certificateBase64}</wsse:BinarySecurityToken>` +
    confirmation +
    `</wsse:Security>`;
  const signedBody = `<SOAP-ENV:Body wsu:Id="${ids.body}" xmlns:wsu="${WSU_NS}">`;
  const prepared = envelope.includes('<SOAP-ENV:Header>')
    ? envelope.replace('<SOAP-ENV:Header>', `<SOAP-ENV:Header>${security}`).replace('<SOAP-ENV:Body>', signedBody)
    : envelope.replace('<SOAP-ENV:Body>', `<SOAP-ENV:Header>${security}</SOAP-ENV:Header>${signedBody}`);

  const sig = withCodePointC14n(new SignedXml({
    privateKey: id.privateKey,
    signatureAlgorithm: algorithm.signature,
    canonicalizationAlgorithm: EXC_C14N,
    idMode: 'wssecurity',
    getKeyInfoContent: () =>
      `<wsse:SecurityTokenReference wsu:Id="${ids.str}"><wsse:Reference URI="#${ids.token}" ValueType="${X509V3}"/></wsse:SecurityTokenReference>`,
  }));
  sig.addReference({ xpath: `/${step('Envelope', soapNs)}/${step('Body', soapNs)}`, transforms: [EXC_C14N], digestAlgorithm: algorithm.digest });
  if (confirmation) sig.addReference({ xpath: inSecurity(soapNs, 'SignatureConfirmation', WSSE11_NS), transforms: [EXC_C14N], digestAlgorithm: algorithm.digest });
  sig.computeSignature(prepared, {
    prefix: 'ds',
    attrs: { Id: ids.signature },
    location: { reference: inSecurity(soapNs, 'BinarySecurityToken', NS.wsse), action: 'after' },
    existingPrefixes: { wsse: NS.wsse, wsu: WSU_NS },
  });
  return sig.getSignedXml();
}
