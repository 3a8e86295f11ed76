/**
 * Who is calling the east-west endpoints. A peer with an `inboundTokenSha256` must present that
 * bearer token; a peer configured without one is accepted on the sender it names (a development
 * setup — start-up logs a warning for each such peer).
 */
import type { FastifyRequest } from 'fastify';
import type { PeerConfig } from '../config/types.js';
import { bearerToken, sha256Hex } from './auth.js';

export type PeerAuthResult =
  | { ok: true; peer: string }
  | { ok: false; status: 401 | 403; reason: string };

export class PeerDirectory {
  readonly #byHash: Map<string, PeerConfig>;
  readonly #byCode: Map<string, PeerConfig>;

  constructor(peers: PeerConfig[]) {
    this.#byCode = new Map(peers.map((p) => [p.carrierCode, p]));
    this.#byHash = new Map(peers.filter((p) => p.inboundTokenSha256).map((p) => [p.inboundTokenSha256!, p]));
  }

  get(code: string): PeerConfig | undefined {
    return this.#byCode.get(code);
  }

  openPeers(): string[] {
    return [...this.#byCode.values()].filter((p) => !p.inboundTokenSha256).map((p) => p.carrierCode);
  }

  /** Authenticates the request and checks it speaks for `claimedSender` (the message's Absender). */
  authenticate(request: FastifyRequest, claimedSender: string | undefined, protocols: readonly string[]): PeerAuthResult {
    const token = bearerToken(request.headers.authorization);
    if (token) {
      const peer = this.#byHash.get(sha256Hex(token));
      if (!peer) return { ok: false, status: 401, reason: 'unknown bearer token' };
      if (claimedSender !== undefined && claimedSender !== peer.carrierCode) {
        return { ok: false, status: 403, reason: `token of ${peer.carrierCode} used for a message from ${claimedSender}` };
      }
      if (!protocols.includes(peer.protocol)) return { ok: false, status: 403, reason: `${peer.carrierCode} is not configured for this endpoint (${peer.protocol})` };
      return { ok: true, peer: peer.carrierCode };
    }
    if (claimedSender === undefined) return { ok: false, status: 401, reason: 'no credentials and no sender' };
    const peer = this.#byCode.get(claimedSender);
    if (!peer) return { ok: false, status: 403, reason: `${claimedSender} is not a configured peer` };
    if (peer.inboundTokenSha256) return { ok: false, status: 401, reason: `${claimedSender} must authenticate with its bearer token` };
    if (!protocols.includes(peer.protocol)) return { ok: false, status: 403, reason: `${peer.carrierCode} is not configured for this endpoint (${peer.protocol})` };
    return { ok: true, peer: peer.carrierCode };
  }
}
