/**
 * Reads (does not verify) the WS-Security header of an inbound SOAP message: whether there is one, the X.509
 * BinarySecurityToken, the issuer/serial of that certificate and the signature algorithm. Verification belongs to
 * the signing step; these facts are recorded with the message and let it compare Control/signaturId with the token.
 */
import { X509Certificate } from 'node:crypto';
import type { Issue } from '../../domain/issues.js';
import { NS } from './wire-names.js';
import type { XNode } from './xml-tree.js';

export interface SecurityInfo {
  /** a wsse:Security header is present */
  present: boolean;
  /** issuer DN of the token's certificate, most specific RDN first (`CN=…, O=…, C=DE`, as Java prints it) */
  certificateIssuer?: string;
  /** serial number of the token's certificate, lower-case hex without leading zeros (as in Control/signaturId) */
  certificateSerial?: string;
  /** base64 of the DER certificate, whitespace removed */
  binarySecurityToken?: string;
  /** ds:SignatureMethod/@Algorithm, e.g. http://www.w3.org/2000/09/xmldsig#rsa-sha1 */
  signatureAlgorithm?: string;
}

export interface CertFacts {
  issuer: string;
  serial: string;
}

// Partners sign with the same certificate for months; parsing DER costs ~0.2 ms, a lookup next to nothing.
const CACHE_SIZE = 64;
const certCache = new Map<string, CertFacts | null>();

/** Issuer and serial of a certificate as Control/signaturId carries them (most specific RDN first, lower-case hex). */
export function certificateIdentity(cert: X509Certificate): CertFacts {
  return {
    issuer: cert.issuer.split('\n').reverse().join(', '),
    serial: cert.serialNumber.toLowerCase().replace(/^0+(?=.)/, ''),
  };
}

function certFacts(token: string): CertFacts | null {
  const hit = certCache.get(token);
  if (hit !== undefined) return hit;
  let facts: CertFacts | null;
  try {
    facts = certificateIdentity(new X509Certificate(Buffer.from(token, 'base64')));
  } catch {
    facts = null;
  }
  if (certCache.size >= CACHE_SIZE) certCache.delete(certCache.keys().next().value as string);
  certCache.set(token, facts);
  return facts;
}

const child = (n: XNode | undefined, ns: string, local: string): XNode | undefined =>
  n?.children.find((c) => c.local === local && c.ns === ns);

export function readSecurity(header: XNode | undefined, headerPath: string, warnings: Issue[]): SecurityInfo {
  const security = child(header, NS.wsse, 'Security');
  if (!security) return { present: false };
  const info: SecurityInfo = { present: true };
  const token = child(security, NS.wsse, 'BinarySecurityToken');
  if (token) {
    const b64 = token.text.replace(/\s+/g, '');
    info.binarySecurityToken = b64;
    const facts = certFacts(b64);
    if (facts) {
      info.certificateIssuer = facts.issuer;
      info.certificateSerial = facts.serial;
    } else {
      warnings.push({
        path: `${headerPath}/Security/BinarySecurityToken`,
        rule: 'certificate',
        code: 'SG_WIRE_CERTIFICATE',
        message: 'BinarySecurityToken is not a readable X.509 certificate',
        severity: 'warning',
      });
    }
  }
  const method = child(child(child(security, NS.ds, 'Signature'), NS.ds, 'SignedInfo'), NS.ds, 'SignatureMethod');
  const algorithm = method?.attrs?.Algorithm;
  if (algorithm !== undefined) info.signatureAlgorithm = algorithm;
  return info;
}
