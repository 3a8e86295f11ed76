/**
 * What `GET /v1/switches/{id}` adds for an AGCOM case (`agcom`), next to the procedure-neutral
 * fields. `phase3` is the hook point of the wholesale phase: it is set once the managerial
 * validation said OK, with everything a phase-3 order quotes (italy.md §10: COW, COR, COS, the
 * codice sessione, the numbers and the DAC).
 */
import type { StoredAgcomCase } from './service.js';

export function agcomCaseDetails(data: unknown) {
  const s = data as StoredAgcomCase;
  const req = s.request;
  return {
    orderId: s.orderId,
    procedure: s.procedure,
    recipient: s.recipient,
    donating: s.donating,
    dac: s.dac,
    sessionCode: s.sessionCode,
    formalAt: s.formalAt,
    managerialAt: s.managerialAt,
    rejection: s.rejection,
    changes: s.changes,
    lineKeys: s.lineKeys,
    numbers: req.numbers,
    resources: req.resources.map((r) => ({ cor: r.cor, cos: r.cos ?? null })),
    contact: s.contact ?? null,
    phase3:
      s.state === 'VALIDATED' || s.state === 'COMPLETED'
        ? { sessionCode: s.sessionCode, cow: req.secret, resources: req.resources.map((r) => ({ cor: r.cor, cos: r.cos ?? null })), numbers: req.numbers, dac: s.dac }
        : null,
  };
}
