/**
 * Who is calling the east-west endpoints, decided before the body is parsed.
 *
 * A peer is identified by its bearer token (`inboundTokenSha256`, one or two hashes during a
 * rollover) or by its client certificate (`inboundCertSha256`, SHA-256 of the DER certificate,
 * presented over mutual TLS). A peer configured with both must present both. Only a peer
 * configured with neither (a development setup; start-up refuses it on a public interface) is
 * taken at the word of the sender its message names, which needs the parsed message: such calls
 * are `deferred` and checked by `checkSender` after decoding.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { Counter, Registry } from 'prom-client';
import { hashList, type PeerConfig } from '../config/types.js';
import { bearerToken, sha256Hex } from './auth.js';
import { inboundRefusedCounter } from './metrics.js';

/** Machine reasons, the `reason` label of switchgate_inbound_refused_total. */
export type RefusalReason =
  | 'unknown_token'
  | 'token_required'
  | 'client_cert_required'
  | 'client_cert_mismatch'
  | 'no_credentials'
  | 'not_a_peer'
  | 'sender_mismatch'
  | 'not_counterparty'
  | 'wrong_endpoint'
  | 'version_mismatch';

export interface Refusal {
  ok: false;
  status: 401 | 403;
  reason: RefusalReason;
  /** one sentence for the caller and the log; never message content */
  detail: string;
  /** the carrier code the refusal is counted for ('unknown' when none is known) */
  peer: string;
}

export type PeerAuthResult = { ok: true; peer: string } | Refusal;

/** Before parsing: a known peer, a call to be checked against the sender it names, or a refusal. */
export type PeerIdentity = { ok: true; peer: string } | { ok: 'deferred' } | Refusal;

/** Hex SHA-256 of the DER client certificate of a mutual-TLS request, if one was presented. */
export function clientCertSha256(request: FastifyRequest): string | undefined {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.raw) return undefined;
  return createHash('sha256').update(cert.raw).digest('hex');
}

const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));

export const hasInboundAuth = (p: { inboundTokenSha256?: string | string[]; inboundCertSha256?: string[] }): boolean =>
  hashList(p.inboundTokenSha256).length > 0 || (p.inboundCertSha256?.length ?? 0) > 0;

export class PeerDirectory {
  readonly #byHash = new Map<string, PeerConfig>();
  readonly #byCert = new Map<string, PeerConfig>();
  readonly #byCode: Map<string, PeerConfig>;
  readonly #refused: Counter<'peer' | 'reason'> | undefined;

  constructor(peers: PeerConfig[], registry?: Registry) {
    this.#byCode = new Map(peers.map((p) => [p.carrierCode, p]));
    for (const p of peers) {
      for (const h of hashList(p.inboundTokenSha256)) this.#byHash.set(h, p);
      for (const h of p.inboundCertSha256 ?? []) this.#byCert.set(h, p);
    }
    this.#refused = registry ? inboundRefusedCounter(registry) : undefined;
  }

  get(code: string): PeerConfig | undefined {
    return this.#byCode.get(code);
  }

  /** Every WBCI major release a configured peer may send (02 for peers without `version`). */
  majors(): string[] {
    return [...new Set([...this.#byCode.values()].map((p) => p.version?.major ?? '02'))].sort();
  }

  openPeers(): string[] {
    return [...this.#byCode.values()].filter((p) => !hasInboundAuth(p)).map((p) => p.carrierCode);
  }

  /** Logs at warn (carrier code and reason, never the body) and counts a refusal. */
  refuse(request: FastifyRequest, r: Refusal, what: string): void {
    request.log.warn({ peer: r.peer, reason: r.reason, status: r.status, detail: r.detail }, `${what} refused`);
    this.#refused?.inc({ peer: r.peer, reason: r.reason });
  }

  /** Identifies the caller from its credentials alone (token, client certificate). */
  identify(request: FastifyRequest, protocols: readonly string[]): PeerIdentity {
    const token = bearerToken(request.headers.authorization);
    const cert = clientCertSha256(request);
    let peer: PeerConfig | undefined;
    if (token) {
      peer = this.#byHash.get(sha256Hex(token));
      if (!peer) return refusal(401, 'unknown_token', 'unknown bearer token', 'unknown');
    } else if (cert) {
      peer = this.#byCert.get(cert);
    }
    if (!peer) {
      // no credentials of any configured peer: only an open peer of this endpoint may call, named by its message
      const open = this.openPeers().some((code) => protocols.includes(this.#byCode.get(code)!.protocol));
      return open ? { ok: 'deferred' } : refusal(401, 'no_credentials', 'a bearer token or a client certificate of a configured peer is required', 'unknown');
    }
    return this.#complete(peer, token, cert, protocols);
  }

  /** After parsing: the identified caller must be the message's sender; a deferred one must be an open peer. */
  checkSender(identity: Exclude<PeerIdentity, Refusal>, claimedSender: string | undefined, protocols: readonly string[]): PeerAuthResult {
    if (identity.ok === true) {
      if (claimedSender !== undefined && claimedSender !== identity.peer) {
        return refusal(403, 'sender_mismatch', `credentials of ${identity.peer} used for a message from ${claimedSender}`, identity.peer);
      }
      return identity;
    }
    if (claimedSender === undefined) return refusal(401, 'no_credentials', 'no credentials and no sender', 'unknown');
    const peer = this.#byCode.get(claimedSender);
    if (!peer) return refusal(403, 'not_a_peer', `${claimedSender} is not a configured peer`, 'unknown');
    return this.#complete(peer, undefined, undefined, protocols);
  }

  /** Both steps at once, for endpoints that know the claimed sender without parsing a tree. */
  authenticate(request: FastifyRequest, claimedSender: string | undefined, protocols: readonly string[]): PeerAuthResult {
    const identity = this.identify(request, protocols);
    if (identity.ok === false) return identity;
    return this.checkSender(identity, claimedSender, protocols);
  }

  /** Every credential the peer is configured with must be there, and the endpoint must be its. */
  #complete(peer: PeerConfig, token: string | undefined, cert: string | undefined, protocols: readonly string[]): PeerAuthResult {
    const code = peer.carrierCode;
    if (hashList(peer.inboundTokenSha256).length > 0 && !(token && hashList(peer.inboundTokenSha256).some((h) => sameHex(h, sha256Hex(token))))) {
      return refusal(401, 'token_required', `${code} must authenticate with its bearer token`, code);
    }
    const pinned = peer.inboundCertSha256 ?? [];
    if (pinned.length > 0) {
      if (!cert) return refusal(401, 'client_cert_required', `${code} must present its client certificate (mutual TLS)`, code);
      if (!pinned.some((h) => sameHex(h, cert))) return refusal(403, 'client_cert_mismatch', `the client certificate is not the one configured for ${code}`, code);
    }
    if (!protocols.includes(peer.protocol)) return refusal(403, 'wrong_endpoint', `${code} is not configured for this endpoint (${peer.protocol})`, code);
    return { ok: true, peer: code };
  }
}

function refusal(status: 401 | 403, reason: RefusalReason, detail: string, peer: string): Refusal {
  return { ok: false, status, reason, detail, peer };
}
