/**
 * `npm run demo` (WBCI, with its part where the partner is `switchgate simulate peer`) and
 * `npm run demo -- agcom` run to their end and print the outcomes they are there to show.
 */
import { expect, it, vi } from 'vitest';
import { runDemo } from '../../src/demo.js';

async function printed(run: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  try {
    await run();
  } finally {
    log.mockRestore();
  }
  return lines.join('\n');
}

it('the WBCI demo completes the switch, then meets a scripted partner that accepts, rejects and stays silent until overdue', { timeout: 300_000 }, async () => {
  const out = await printed(() => runDemo({ procedure: 'wbci', keep: false }));
  expect(out).toMatch(/DEU\.EKPA: wholesale order completed/);
  expect(out).toMatch(/number 089 1111111, script "accept" → case (\S+)\n.*VA-KUE-MRN.*\n.*◀──RUEM-VA── DEU\.EKPC.*\n\s+DEU\.EKPA: AGREED/);
  expect(out).toMatch(/number 089 2222222, script "reject:8117" → case (\S+)\n.*VA-KUE-MRN.*\n.*◀──ABBM── DEU\.EKPC\s+codes 8117\n\s+DEU\.EKPA: REJECTED/);
  expect(out).toMatch(/number 089 3333333, script "silent" → case (\S+)\n.*VA-KUE-MRN.*\n\s+DEU\.EKPA: AWAITING_ANSWER/);
  expect(out).toMatch(/DEU\.EKPA: AWAITING_ANSWER, overdue=true \(answer\); event deadline\.overdue answer; GET \/v1\/switches\?overdue=true lists it/);
});

it('the AGCOM demo sends three requests to a simulated Donating (OK with a CodiceSessione, KO RISORSA, silence until overdue), then carries the OK through the FTTH phase 3', { timeout: 300_000 }, async () => {
  const out = await printed(() => runDemo({ procedure: 'agcom', keep: false }));
  expect(out).toMatch(/◀──VALIDAZIONE_GESTIONALE── ITA\.OLB\s+OK, CodiceSessione \S+\n\s+ITA\.OLA: VALIDATED/);
  expect(out).toMatch(/◀──VALIDAZIONE_GESTIONALE── ITA\.OLB\s+KO RISORSA \(E03\)\n\s+ITA\.OLA: REJECTED/);
  expect(out).toMatch(/script "silent"[^\n]*\n.*RICHIESTA.*\n.*VALIDAZIONE_FORMALE.*\n\s+ITA\.OLA: AWAITING_MANAGERIAL/);
  expect(out).toMatch(/ITA\.OLA: AWAITING_MANAGERIAL, overdue=true \(managerialAnswer\); event deadline\.overdue managerialAnswer; GET \/v1\/switches\?overdue=true lists it/);
  // phase 3: the N1 carries the codice sessione the Donating issued, the Donating confirms it (N9 OK), N7 completes the case
  const session = /OK, CodiceSessione (\S+)\n\s+ITA\.OLA: VALIDATED/.exec(out)![1]!;
  expect(out).toContain(`ITA.OLA ──N1 Rec_MigrationSetup──▶ WHS`);
  expect(out).toMatch(new RegExp(`N1 Rec_MigrationSetup──▶ WHS\\s+DAC \\S+, CODICE_SESSIONE ${session}`));
  expect(out).toMatch(/WHS ──N8 WHS_Check_sessione──▶ ITA\.OLB[^\n]*\n\s+ITA\.OLB ──N9 Don_Check_sessione──▶ WHS\s+ESITO OK/);
  expect(out).toMatch(/WHS ──N7 WHS_CompletionOrderMig──▶ ITA\.OLA\s+STATO_ORDINE 0/);
  expect(out).toMatch(/ITA\.OLA: case COMPLETED; order completed \(N1 → N4 acquisito → N4 accettato → N6 → N7\)/);
});
