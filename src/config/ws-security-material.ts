/**
 * Reads the WS-Security PEM files of the configuration once: our signing key and certificate
 * (`self.wsSecurity`) and each peer's pinned signing certificates (`peers[].wsSecurity.certFile`).
 * A missing or unreadable file, a bad PEM, a key that does not belong to its certificate or a
 * `required` peer without a certificate stops start-up, naming the key.
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { ConfigError, type ConfigProblem } from './load.js';
import type { GatewayConfig } from './types.js';
import { certificateIdentity } from '../protocols/wbci/soap-security.js';
import type { SignatureAlgorithmName, SigningIdentity } from '../protocols/wbci/ws-security-sign.js';
import type { PinnedCertificate } from '../protocols/wbci/ws-security-verify.js';

export interface PeerSignaturePolicy {
  pinned: PinnedCertificate[];
  required: boolean;
  /** what we sign with towards this peer; RSA-SHA1 is accepted from it only when set to rsa-sha1 */
  algorithm: SignatureAlgorithmName;
}

export interface WsSecurityMaterial {
  /** our signing identity; absent: nothing is signed */
  identity?: SigningIdentity;
  peers: ReadonlyMap<string, PeerSignaturePolicy>;
}

const cache = new WeakMap<GatewayConfig, { material: WsSecurityMaterial; problems: ConfigProblem[] }>();

function readText(key: string, path: string, problems: ConfigProblem[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    problems.push({ key, problem: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return undefined;
  }
}

function readCertificate(key: string, path: string, problems: ConfigProblem[]): { cert: X509Certificate; pem: string } | undefined {
  const pem = readText(key, path, problems);
  if (pem === undefined) return undefined;
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    problems.push({ key, problem: `${path} is not a PEM certificate (no BEGIN CERTIFICATE block)` });
    return undefined;
  }
  try {
    return { cert: new X509Certificate(pem), pem };
  } catch (err) {
    problems.push({ key, problem: `${path} is not a readable X.509 certificate: ${(err as Error).message}` });
    return undefined;
  }
}

function readIdentity(config: GatewayConfig, problems: ConfigProblem[]): SigningIdentity | undefined {
  const ws = config.self.wsSecurity;
  if (!ws) return undefined;
  const certificate = readCertificate('self.wsSecurity.certFile', ws.certFile, problems);
  const keyPem = readText('self.wsSecurity.keyFile', ws.keyFile, problems);
  if (keyPem === undefined || !certificate) return undefined;
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch (err) {
    problems.push({ key: 'self.wsSecurity.keyFile', problem: `${ws.keyFile} is not a readable unencrypted PEM private key: ${(err as Error).message}` });
    return undefined;
  }
  if (privateKey.asymmetricKeyType !== 'rsa') {
    problems.push({ key: 'self.wsSecurity.keyFile', problem: `must be an RSA key (WBCI signs with RSA-SHA256 or RSA-SHA1), found ${privateKey.asymmetricKeyType}` });
    return undefined;
  }
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  if (!spki(createPublicKey(privateKey)).equals(spki(certificate.cert.publicKey))) {
    problems.push({ key: 'self.wsSecurity.keyFile', problem: `${ws.keyFile} does not belong to the certificate ${ws.certFile}` });
    return undefined;
  }
  const { issuer, serial } = certificateIdentity(certificate.cert);
  return { privateKey, certificateBase64: certificate.cert.raw.toString('base64'), issuer, serial };
}

function read(config: GatewayConfig): { material: WsSecurityMaterial; problems: ConfigProblem[] } {
  const hit = cache.get(config);
  if (hit) return hit;
  const problems: ConfigProblem[] = [];
  const identity = readIdentity(config, problems);
  const peers = new Map<string, PeerSignaturePolicy>();
  config.peers.forEach((p, i) => {
    const ws = p.wsSecurity;
    if (!ws) return;
    if (p.protocol !== 'wbci-soap') problems.push({ key: `peers[${i}].wsSecurity`, problem: `WS-Security applies to wbci-soap peers only (this peer uses ${p.protocol})` });
    const files = ws.certFile === undefined ? [] : Array.isArray(ws.certFile) ? ws.certFile : [ws.certFile];
    const key = (j: number) => (Array.isArray(ws.certFile) ? `peers[${i}].wsSecurity.certFile[${j}]` : `peers[${i}].wsSecurity.certFile`);
    const pinned = files.flatMap((f, j) => {
      const c = readCertificate(key(j), f, problems);
      return c ? [{ der: c.cert.raw, pem: c.pem }] : [];
    });
    if (ws.required && files.length === 0) {
      problems.push({ key: `peers[${i}].wsSecurity.certFile`, problem: 'is required when wsSecurity.required is true (the certificate the peer signs with)' });
    }
    peers.set(p.carrierCode, { pinned, required: ws.required ?? false, algorithm: ws.algorithm ?? 'rsa-sha256' });
  });
  const result = { material: { ...(identity ? { identity } : {}), peers }, problems };
  cache.set(config, result);
  return result;
}

/** For `configChecks`: the problems, so `check-config` lists them with the others. */
export const wsSecurityProblems = (config: GatewayConfig): ConfigProblem[] => read(config).problems;

/** The material, read once per configuration object; throws ConfigError naming the key. */
export function loadWsSecurity(config: GatewayConfig, source = 'configuration'): WsSecurityMaterial {
  const { material, problems } = read(config);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return material;
}

/** The policy for a peer; a peer without wsSecurity has nothing pinned and does not require signatures. */
export function peerPolicy(material: WsSecurityMaterial, carrierCode: string): PeerSignaturePolicy {
  return material.peers.get(carrierCode) ?? { pinned: [], required: false, algorithm: 'rsa-sha256' };
}
