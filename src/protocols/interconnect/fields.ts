/**
 * The mandatory data of each request type (spec §2) and the rules that need more than a JSON
 * Schema: BG addresses well-formed and exclusive per PdI, CAC module counts, the RdC of an R1, the
 * link speed of an R2, the nodes / port count / date of an R5 and the accesses it ceases. Both
 * sides run the same rules: the operator before anything is sent, TIM on receipt.
 */
import { isIP } from 'node:net';
import type { Issue } from '../../domain/issues.js';
import { toEpochDay } from '../../domain/calendar.js';
import type { AccessRequest, ActivationData, CacExpansionData, CessationData, ReconfigurationData, RequestData } from './types.js';

export interface FieldContext {
  /** today in Europe/Rome */
  today: string;
  /** BG address → id of the live request or access holding it, for the request's PdI */
  bgInUse: ReadonlyMap<string, string>;
  /** the requests this one references (accessId / accessIds), as this side knows them */
  accesses: ReadonlyMap<string, AccessRequest>;
}

const err = (path: string, rule: string, code: string, message: string): Issue => ({ path, rule, code, message, severity: 'error' });

/** The canonical text of an IP address, so `10.0.0.1` and `::ffff:10.0.0.1` style duplicates compare alike. */
export function canonicalIp(ip: string): string {
  if (isIP(ip) === 6) {
    try {
      return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
    } catch {
      return ip.toLowerCase();
    }
  }
  return ip;
}

function bgIssues(pdi: string, ips: readonly string[], ctx: FieldContext, path = '/bgIpAddresses', self?: string): Issue[] {
  const out: Issue[] = [];
  const seen = new Map<string, number>();
  ips.forEach((ip, i) => {
    if (isIP(ip) === 0) {
      out.push(err(`${path}/${i}`, 'ipAddress', 'SG_IC_BAD_IP', `${JSON.stringify(ip)} is not an IPv4 or IPv6 address`));
      return;
    }
    const c = canonicalIp(ip);
    const prev = seen.get(c);
    if (prev !== undefined) out.push(err(`${path}/${i}`, 'uniqueItems', 'SG_IC_BG_IP_DUPLICATE', `${ip} is listed twice (also at ${path}/${prev})`));
    seen.set(c, i);
    const holder = ctx.bgInUse.get(c);
    if (holder !== undefined && holder !== self) {
      out.push(err(`${path}/${i}`, 'uniquePerPdi', 'SG_IC_BG_IP_IN_USE', `${ip} is already used on PdI ${pdi} by ${holder}: a BG address is exclusive and unique per PdI`));
    }
  });
  return out;
}

function activationIssues(d: ActivationData, type: 'port-activation' | 'joint-activation', ctx: FieldContext): Issue[] {
  const out: Issue[] = [];
  if (d.cacModulesBeyondDimensioning > d.cacModules) {
    out.push(err('/cacModulesBeyondDimensioning', 'maximum', 'SG_IC_CAC_COUNT', `${d.cacModulesBeyondDimensioning} modules beyond TIM's dimensioning exceed the ${d.cacModules} modules ordered`));
  }
  if (new Set(d.codecs).size !== d.codecs.length) out.push(err('/codecs', 'uniqueItems', 'SG_IC_CODEC', 'a codec is listed twice'));
  if (type === 'port-activation') {
    if (!d.rdc) out.push(err('/rdc', 'required', 'SG_IC_REQUIRED', 'a port on an internal exchange link (R1) needs the RdC TD and positions'));
    else if (new Set(d.rdc.positions).size !== d.rdc.positions.length) out.push(err('/rdc/positions', 'uniqueItems', 'SG_IC_RDC_POSITION', 'an RdC position is listed twice'));
    if (d.linkSpeed !== undefined) out.push(err('/linkSpeed', 'notAllowed', 'SG_IC_NOT_ALLOWED', 'an R1 port runs on an existing RdC: it orders no link (use joint-activation)'));
  } else {
    if (d.linkSpeed === undefined) out.push(err('/linkSpeed', 'required', 'SG_IC_REQUIRED', 'a joint port + link activation (R2) needs the link speed'));
    if (d.rdc !== undefined) out.push(err('/rdc', 'notAllowed', 'SG_IC_NOT_ALLOWED', 'an R2 orders its own link: no RdC'));
  }
  out.push(...bgIssues(d.pdi, d.bgIpAddresses, ctx));
  return out;
}

/** An activation this side knows, completed and not ceased (what R3, R5 and c′ act on). */
function activeAccess(id: string, path: string, ctx: FieldContext): { access?: AccessRequest; issue?: Issue } {
  const a = ctx.accesses.get(id);
  if (!a || (a.type !== 'port-activation' && a.type !== 'joint-activation')) {
    return { issue: err(path, 'knownAccess', 'SG_IC_UNKNOWN_ACCESS', `${id} is not an access activation known here`) };
  }
  if (a.state !== 'COMPLETED') return { issue: err(path, 'activeAccess', 'SG_IC_ACCESS_NOT_ACTIVE', `access ${id} is ${a.state}, not active (COMPLETED)`) };
  if (a.ceasedBy) return { issue: err(path, 'activeAccess', 'SG_IC_ACCESS_CEASED', `access ${id} was ceased by ${a.ceasedBy.requestId}`) };
  return { access: a };
}

export function beyondDimensioningModules(a: AccessRequest): number {
  const d = a.data as ActivationData;
  return d.cacModulesBeyondDimensioning + (a.addedCacModules ?? 0) - (a.ceasedCacModules ?? 0);
}

function reconfigurationIssues(d: ReconfigurationData, ctx: FieldContext): Issue[] {
  const { access, issue } = activeAccess(d.accessId, '/accessId', ctx);
  if (issue) return [issue];
  const out: Issue[] = [];
  if ((access!.data as ActivationData).pdi !== d.pdi) out.push(err('/pdi', 'sameAsAccess', 'SG_IC_PDI_MISMATCH', `access ${d.accessId} is on PdI ${(access!.data as ActivationData).pdi}, not ${d.pdi}`));
  out.push(...bgIssues(d.pdi, d.bgIpAddresses, ctx, '/bgIpAddresses', d.accessId));
  return out;
}

function cessationIssues(d: CessationData, ctx: FieldContext): Issue[] {
  const out: Issue[] = [];
  if (toEpochDay(d.requestedDate) < toEpochDay(ctx.today)) {
    out.push(err('/requestedDate', 'notBefore', 'SG_IC_DATE_PAST', `the requested cessation date ${d.requestedDate} is before today (${ctx.today})`));
  }
  if (new Set(d.accessIds).size !== d.accessIds.length) out.push(err('/accessIds', 'uniqueItems', 'SG_IC_ACCESS_DUPLICATE', 'an access is listed twice'));
  if (d.cacModulesOnly !== undefined) {
    if (d.accessIds.length !== 1) out.push(err('/accessIds', 'exactlyOne', 'SG_IC_CAC_CESSATION', 'a cessation of CAC modules names exactly the one access they are on'));
  } else if (d.accessIds.length !== d.portCount) {
    out.push(err('/portCount', 'matchesAccesses', 'SG_IC_PORT_COUNT', `${d.portCount} ports to cease but ${d.accessIds.length} accesses named`));
  }
  d.accessIds.forEach((id, i) => {
    const { access, issue } = activeAccess(id, `/accessIds/${i}`, ctx);
    if (issue) out.push(issue);
    else if (d.cacModulesOnly !== undefined && d.cacModulesOnly > beyondDimensioningModules(access!)) {
      out.push(err('/cacModulesOnly', 'maximum', 'SG_IC_CAC_COUNT', `access ${id} has ${beyondDimensioningModules(access!)} CAC modules beyond TIM's dimensioning, fewer than ${d.cacModulesOnly}`));
    }
  });
  return out;
}

function expansionIssues(d: CacExpansionData, ctx: FieldContext): Issue[] {
  const { issue } = activeAccess(d.accessId, '/accessId', ctx);
  return issue ? [issue] : [];
}

/** Every rule of spec §2 the request's data breaks (paths in request-body terms). */
export function requestDataIssues(d: RequestData, ctx: FieldContext): Issue[] {
  switch (d.type) {
    case 'port-activation':
    case 'joint-activation':
      return activationIssues(d, d.type, ctx);
    case 'reconfiguration':
      return reconfigurationIssues(d, ctx);
    case 'cessation':
      return cessationIssues(d, ctx);
    case 'cac-expansion':
      return expansionIssues(d, ctx);
  }
}

/** The PdI whose BG addresses a request claims, if any. */
export function claimedBg(d: RequestData): { pdi: string; ips: string[] } | undefined {
  if (d.type === 'port-activation' || d.type === 'joint-activation' || d.type === 'reconfiguration') return { pdi: d.pdi, ips: d.bgIpAddresses.map(canonicalIp) };
  return undefined;
}

/** The accesses a request references. */
export function referencedAccesses(d: RequestData): string[] {
  if (d.type === 'cessation') return d.accessIds;
  if (d.type === 'reconfiguration' || d.type === 'cac-expansion') return [d.accessId];
  return [];
}
