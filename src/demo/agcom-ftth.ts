/**
 * Part 2 of `npm run demo -- agcom`: the Italian phase 3 in the network operator's own message
 * model (FTTH N1–N13, italy.md §10.3–§10.5). The Recipient ITA.OLA orders the migration its partner
 * accepted from the network operator, played by `switchgate simulate wholesale --protocol agcom-ftth`;
 * the operator checks the codice sessione with the Donating ITA.OLB (the peer simulator's gateway,
 * which issued it) and carries the order to completion. Every message is SOAP on 127.0.0.1.
 */
import { call, until, type DemoNode } from './scripted-partner.js';

/** What each FTTH message is, for the printed timeline. */
const NAMES: Record<string, string> = {
  'FTTH-N1': 'N1 Rec_MigrationSetup',
  'FTTH-N2': 'N2 Rec_StatusUpdateMig',
  'FTTH-N3': 'N3 Rec_RescheduleMig',
  'FTTH-N4': 'N4 WHS_StatusUpdateMig',
  'FTTH-N5': 'N5 WHS_RescheduleMig',
  'FTTH-N6': 'N6 WHS_Event',
  'FTTH-N7': 'N7 WHS_CompletionOrderMig',
  'FTTH-N8': 'N8 WHS_Check_sessione',
  'FTTH-N9': 'N9 Don_Check_sessione',
  'FTTH-N10': 'N10 WHS_Msg_Donating',
};

interface Message {
  type: string;
  direction: 'in' | 'out';
  status: string;
  body: { msg?: Record<string, unknown> } & Record<string, unknown>;
}

const ftthMessages = async (node: DemoNode, id: string): Promise<Message[]> =>
  ((await call(node, 'GET', `/v1/switches/${encodeURIComponent(id)}/messages`)).items as Message[]).filter((m) => m.type in NAMES);

/** the fields worth a glance, per message */
function detail(m: Message): string {
  const f = (m.body.msg ?? m.body) as Record<string, unknown>;
  const parts = [
    f.STATO_ORDINE !== undefined && `STATO_ORDINE ${String(f.STATO_ORDINE)}`,
    f.ESITO !== undefined && `ESITO ${String(f.ESITO)}`,
    f.EVENTO !== undefined && `EVENTO ${String(f.EVENTO)}`,
    f.DATA_PREVISTA_ATTIVAZIONE !== undefined && `DAC ${String(f.DATA_PREVISTA_ATTIVAZIONE)}`,
    f.DATA_ESPLETAMENTO_ORDINE !== undefined && `done ${String(f.DATA_ESPLETAMENTO_ORDINE)}`,
    f.CODICE_SESSIONE !== undefined && `CODICE_SESSIONE ${String(f.CODICE_SESSIONE)}`,
    (f.DATI_MIGRAZIONE as { CODICE_SESSIONE?: string } | undefined)?.CODICE_SESSIONE && `CODICE_SESSIONE ${(f.DATI_MIGRAZIONE as { CODICE_SESSIONE: string }).CODICE_SESSIONE}`,
  ];
  return parts.filter(Boolean).join(', ');
}

export async function runFtthPhase3Part(p: { recipient: DemoNode; donating: DemoNode; caseId: string }): Promise<void> {
  const { recipient, donating, caseId } = p;
  const whs = 'WHS (simulate wholesale --protocol agcom-ftth)';
  console.log(`2. Phase 3 in the FTTH model: ${recipient.code} orders the accepted migration ${caseId} from the network operator,`);
  console.log(`   ${whs}, which checks the codice sessione with the Donating ${donating.code}:`);
  const placed = await call(recipient, 'POST', `/v1/switches/${encodeURIComponent(caseId)}/wholesale-order`);
  console.log(`  POST /v1/switches/${caseId}/wholesale-order → 202, order ${String(placed.wholesaleOrder.state)}`);
  const order = await until(
    `the FTTH order of ${caseId} to complete`,
    async () => {
      const c = await call(recipient, 'GET', `/v1/switches/${encodeURIComponent(caseId)}`);
      return c.wholesaleOrder?.state === 'completed' && c.state === 'COMPLETED' ? c.wholesaleOrder : undefined;
    },
    60_000,
  );
  // the Donating's side settles a moment later (its N10 outcome)
  await until(`${donating.code}'s N10 outcome`, async () => ((await ftthMessages(donating, caseId)).filter((m) => m.type === 'FTTH-N10').length >= 2 ? true : undefined), 30_000);
  const arrow = (from: string, type: string, to: string) => `${from} ──${NAMES[type]}──▶ ${to}`.padEnd(58);
  for (const m of await ftthMessages(recipient, caseId)) {
    console.log(`    ${m.direction === 'out' ? arrow(recipient.code, m.type, 'WHS') : arrow('WHS', m.type, recipient.code)} ${detail(m)}`);
  }
  console.log(`    ${recipient.code}: case COMPLETED; order ${String(order.state)} (${(order.history as { event: string }[]).map((h) => h.event).join(' → ')}), DAC ${String(order.dac)}`);
  console.log(`  and at the Donating ${donating.code}:`);
  for (const m of await ftthMessages(donating, caseId)) {
    console.log(`    ${m.direction === 'in' ? arrow('WHS', m.type, donating.code) : arrow(donating.code, m.type, 'WHS')} ${detail(m)}`);
  }
  console.log('');
}
