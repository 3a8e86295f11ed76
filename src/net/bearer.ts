/**
 * The bearer-token scheme shared by everything that authenticates HTTP callers — the API, the
 * peer and wholesale routes, and the simulators that stand in for partners (which must not reach
 * up into the gateway's HTTP layer for it).
 */
import { hash } from 'node:crypto';

export const sha256Hex = (s: string): string => hash('sha256', s, 'hex');

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
