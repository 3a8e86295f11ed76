/**
 * WS-Security test helpers: test-only certificates made with `openssl`, and `xmlsec1` (an independent XML-DSig
 * implementation) to sign WBCI messages from a template and to verify what the gateway sends.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { certificateIdentity } from '../../src/protocols/wbci/soap-security.js';
import { ALGORITHMS, BASE64_BINARY, EXC_C14N, WSSE11_NS, WSU_NS, X509V3, type SignatureAlgorithmName, type SigningIdentity } from '../../src/protocols/wbci/ws-security-sign.js';
import type { PinnedCertificate } from '../../src/protocols/wbci/ws-security-verify.js';
import { NS } from '../../src/protocols/wbci/wire-names.js';

export interface TestCert {
  keyFile: string;
  certFile: string;
  pem: string;
  identity: SigningIdentity;
  pinned: PinnedCertificate;
}

/** Reads a key and certificate pair as the gateway would. */
export function loadTestCert(keyFile: string, certFile: string): TestCert {
  const pem = readFileSync(certFile, 'utf8');
  const cert = new X509Certificate(pem);
  const { issuer, serial } = certificateIdentity(cert);
  return {
    keyFile,
    certFile,
    pem,
    identity: { privateKey: createPrivateKey(readFileSync(keyFile)), certificateBase64: cert.raw.toString('base64'), issuer, serial },
    pinned: { der: cert.raw, pem },
  };
}

/** A self-signed RSA certificate made for the test (`subject` in openssl's `/C=DE/O=…/CN=…` form). */
export function makeTestCert(dir: string, name: string, subject: string, serial?: string): TestCert {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-utf8', '-days', '36500',
    '-keyout', keyFile, '-out', certFile, '-subj', subject,
    ...(serial ? ['-set_serial', serial] : []),
  ], { stdio: 'pipe' });
  return loadTestCert(keyFile, certFile);
}

export const tempDir = (prefix = 'sg-wss-'): { path: string; remove: () => void } => {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
};

/**
 * A test certificate made before the tests of the enclosing file or describe block and removed after
 * them; the returned function gives it to a test (it does not exist while tests are collected).
 */
export function useTestCert(subject = '/C=DE/O=EKPA Test Carrier (fictitious)/CN=wbci.ekpa.test'): () => TestCert {
  let dir: ReturnType<typeof tempDir> | undefined;
  let cert: TestCert | undefined;
  beforeAll(() => {
    dir = tempDir();
    cert = makeTestCert(dir.path, 'cert', subject);
  });
  afterAll(() => dir?.remove());
  return () => {
    if (!cert) throw new Error('useTestCert: the certificate is made in beforeAll; read it inside a test');
    return cert;
  };
}

// xmlsec1 must be told which attributes are IDs: wsu:Id on the SOAP Body (1.1 and 1.2) and on SignatureConfirmation
const ID_ATTRS = [
  '--id-attr:Id', `${NS.soap11}:Body`,
  '--id-attr:Id', `${NS.soap12}:Body`,
  '--id-attr:Id', `${WSSE11_NS}:SignatureConfirmation`,
];

/** `xmlsec1 --verify` with the signer's certificate: `ok` when every reference and the signature verify. */
export function xmlsecVerify(xml: string, certFile: string): { ok: boolean; output: string } {
  const dir = tempDir('sg-xmlsec-');
  try {
    const file = join(dir.path, 'in.xml');
    writeFileSync(file, xml);
    const r = spawnSync('xmlsec1', ['--verify', ...ID_ATTRS, '--pubkey-cert-pem', certFile, file], { encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    dir.remove();
  }
}

/**
 * `xmlsec1 --verify` of many messages signed by one certificate in one run (xmlsec1 stops at the first that fails):
 * `ok` when every one verifies.
 */
export function xmlsecVerifyAll(xmls: readonly string[], certFile: string): { ok: boolean; verified: number; output: string } {
  const dir = tempDir('sg-xmlsec-');
  try {
    const files = xmls.map((xml, i) => {
      const file = join(dir.path, `m${i}.xml`);
      writeFileSync(file, xml);
      return file;
    });
    const r = spawnSync('xmlsec1', ['--verify', ...ID_ATTRS, '--pubkey-cert-pem', certFile, ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const output = `${r.stdout}${r.stderr}`;
    const verified = output.split('\n').filter((l) => l === 'OK').length;
    return { ok: r.status === 0 && verified === xmls.length, verified, output: output.slice(-4000) };
  } finally {
    dir.remove();
  }
}

/** `xmlsec1 --sign` of a template made by `signatureTemplate`. */
export function xmlsecSign(template: string, cert: Pick<TestCert, 'keyFile' | 'certFile'>): string {
  const dir = tempDir('sg-xmlsec-');
  try {
    const file = join(dir.path, 'tmpl.xml');
    const out = join(dir.path, 'out.xml');
    writeFileSync(file, template);
    const r = spawnSync('xmlsec1', ['--sign', ...ID_ATTRS, '--privkey-pem', `${cert.keyFile},${cert.certFile}`, '--output', out, file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`xmlsec1 --sign failed: ${r.stdout}${r.stderr}`);
    return readFileSync(out, 'utf8');
  } finally {
    dir.remove();
  }
}

export interface TemplateOptions {
  algorithm?: SignatureAlgorithmName;
  /** a SignatureConfirmation (Quittung): its Value, or null for none */
  confirm?: string | null;
  /** suffix of the wsu:Id values */
  ids?: string;
  /** indent like the partners' messages */
  pretty?: boolean;
}

/**
 * An xmlsec1 signing template for an unsigned codec envelope, in the partners' shape: wsse:Security with the
 * BinarySecurityToken, a ds:Signature over the Body (and the SignatureConfirmation) with exclusive c14n
 * (InclusiveNamespaces like the samples), a SecurityTokenReference to the token; the Body carries wsu:Id.
 */
export function signatureTemplate(envelope: string, cert: Pick<TestCert, 'identity'>, o: TemplateOptions = {}): string {
  const alg = ALGORITHMS[o.algorithm ?? 'rsa-sha256'];
  const n = o.ids ?? '1';
  const ec = `xmlns:ec="${EXC_C14N}"`;
  const reference = (uri: string, prefixes: string) =>
    `<ds:Reference URI="#${uri}"><ds:Transforms><ds:Transform Algorithm="${EXC_C14N}"><ec:InclusiveNamespaces PrefixList="${prefixes}" ${ec}/></ds:Transform></ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${alg.digest}"/><ds:DigestValue></ds:DigestValue></ds:Reference>`;
  const confirmation =
    o.confirm === undefined ? '' : `<wsse11:SignatureConfirmation${o.confirm === null ? '' : ` Value="${o.confirm}"`} wsu:Id="SC-${n}" xmlns:wsse11="${WSSE11_NS}"/>`;
  const header =
    `<SOAP-ENV:Header><wsse:Security SOAP-ENV:mustUnderstand="1" xmlns:wsse="${NS.wsse}" xmlns:wsu="${WSU_NS}">` +
    `<wsse:BinarySecurityToken EncodingType="${BASE64_BINARY}" ValueType="${X509V3}" wsu:Id="X509-${n}">${cert.identity.certificateBase64}</wsse:BinarySecurityToken>` +
    `<ds:Signature Id="SIG-${n}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>` +
    `<ds:CanonicalizationMethod Algorithm="${EXC_C14N}"><ec:InclusiveNamespaces PrefixList="SOAP-ENV" ${ec}/></ds:CanonicalizationMethod>` +
    `<ds:SignatureMethod Algorithm="${alg.signature}"/>` +
    reference(`id-${n}`, '') +
    (confirmation ? reference(`SC-${n}`, 'wsse SOAP-ENV') : '') +
    `</ds:SignedInfo><ds:SignatureValue></ds:SignatureValue>` +
    `<ds:KeyInfo Id="KI-${n}"><wsse:SecurityTokenReference wsu:Id="STR-${n}"><wsse:Reference URI="#X509-${n}" ValueType="${X509V3}"/></wsse:SecurityTokenReference></ds:KeyInfo>` +
    `</ds:Signature>${confirmation}</wsse:Security></SOAP-ENV:Header>`;
  const xml = envelope.replace('<SOAP-ENV:Body>', `${header}<SOAP-ENV:Body wsu:Id="id-${n}" xmlns:wsu="${WSU_NS}">`);
  return o.pretty ? indentXml(xml) : xml;
}

/**
 * Indents element-only XML (the codec's output) four spaces a level, like the partners' messages. Text is never
 * touched: a leaf stays on its line with its content exactly as it was.
 */
export function indentXml(xml: string): string {
  const tokens = xml.match(/<[^>]+>|[^<]+/g) ?? [];
  let depth = 0;
  let out = '';
  let leafOpen = false;
  for (const t of tokens) {
    if (t.startsWith('</')) {
      depth--;
      out += leafOpen ? t : `\n${'    '.repeat(depth)}${t}`;
      leafOpen = false;
    } else if (t.startsWith('<?')) {
      out += t;
    } else if (t.startsWith('<')) {
      out += `${out ? '\n' : ''}${'    '.repeat(depth)}${t}`;
      leafOpen = !t.endsWith('/>');
      if (leafOpen) depth++;
    } else {
      out += t;
    }
  }
  return `${out}\n`;
}
