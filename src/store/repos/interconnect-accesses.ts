/**
 * The interconnection accesses as billing needs them (spec §7.1, §8.1): every completed port
 * activation (R1) and joint port + link activation (R2) of this gateway, with its components, its
 * completion date (billing starts then) and, once a cessation completed, the cessation date.
 * Read-only; one indexed query (cases_procedure_type_idx).
 */
import type { Db } from './cases.js';
import type { AccessRequest, ActivationData } from '../../protocols/interconnect/types.js';

export interface AccessComponent {
  kind: 'port' | 'link' | 'cac-modules';
  /** TIM's TD of the port or link (the port's TD for its CAC modules) */
  td: string | null;
  /** cac-modules: modules beyond TIM's dimensioning currently billed (ordered + added − ceased) */
  quantity: number;
}

export interface AccessRecord {
  id: string;
  type: 'port-activation' | 'joint-activation';
  /** the side this gateway plays and the other side */
  role: 'operator' | 'tim';
  counterpart: string;
  pdi: string;
  orderDate: string | null;
  /** YYYY-MM-DD: the positive test report was delivered; billing starts */
  completionDate: string;
  /** YYYY-MM-DD: the requested date of the completed cessation (fees up to it); null while active */
  cessationDate: string | null;
  ceasedBy: string | null;
  components: AccessComponent[];
  /** CAC modules in TIM's dimensioning (not charged separately) */
  cacModulesInDimensioning: number;
}

/** Completed activations, optionally only those still active on `activeOn` (YYYY-MM-DD) or later. */
export async function listAccesses(db: Db, opts: { counterpart?: string; activeOn?: string } = {}): Promise<AccessRecord[]> {
  let q = db
    .selectFrom('cases')
    .select(['data'])
    .where('procedure', '=', 'interconnect')
    .where('type', 'in', ['port-activation', 'joint-activation'])
    .where('state', '=', 'COMPLETED');
  if (opts.counterpart) q = q.where('peer', '=', opts.counterpart);
  const rows = await q.orderBy('id').execute();
  const out: AccessRecord[] = [];
  for (const r of rows) {
    const a = r.data as unknown as AccessRequest;
    const d = a.data as ActivationData;
    const cessationDate = a.ceasedBy?.date ?? null;
    if (opts.activeOn && cessationDate && cessationDate < opts.activeOn) continue;
    const port = a.completion?.tds.port ?? null;
    const beyond = d.cacModulesBeyondDimensioning + (a.addedCacModules ?? 0) - (a.ceasedCacModules ?? 0);
    const components: AccessComponent[] = [{ kind: 'port', td: port, quantity: 1 }];
    if (a.type === 'joint-activation') components.push({ kind: 'link', td: a.completion?.tds.link ?? null, quantity: 1 });
    if (beyond > 0) components.push({ kind: 'cac-modules', td: port, quantity: beyond });
    out.push({
      id: a.id,
      type: a.type as AccessRecord['type'],
      role: a.role,
      counterpart: a.counterpart,
      pdi: d.pdi,
      orderDate: a.orderDate,
      completionDate: a.completion!.completionDate,
      cessationDate,
      ceasedBy: a.ceasedBy?.requestId ?? null,
      components,
      cacModulesInDimensioning: d.cacModules - d.cacModulesBeyondDimensioning,
    });
  }
  return out;
}
