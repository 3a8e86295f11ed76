/**
 * COS (codice servizio): the wholesale service on the migrated resource (italy.md §8).
 *
 * The table is configuration data, not code: new fibre operators add letter codes (2 characters for
 * the terminating-segment operator + 1 for the service) without any spec change, and the exact
 * meaning of TIM's legacy 001–008 is not public. Callers pass their own table where they have one;
 * `DEFAULT_COS_TABLE` is what the public sources list.
 */

export type CosFamily =
  /** TIM legacy copper (ULL, shared access, WLR, bitstream): per-value meaning not public */
  | 'copper'
  /** TIM NGA: SLU, VULA, bitstream NGA, MKT 4 fibre */
  | 'nga'
  /** FTTH network operators: GPON active/passive */
  | 'ftth'
  /** "NP pura": the number moves, no physical line migration */
  | 'np-pure';

export interface CosEntry {
  /** 3 characters, uppercase */
  code: string;
  /** the network operator providing the service */
  network: string;
  service: string;
  family: CosFamily;
  /** italy.md source tag: N (copy), O, I */
  tag: 'N (copy)' | 'O' | 'I';
}

export type CosTable = ReadonlyMap<string, CosEntry>;

export const COS_PATTERN = /^[A-Z0-9]{3}$/;

const legacy = (n: number): CosEntry => ({
  code: String(n).padStart(3, '0'),
  network: 'TIM',
  service: 'legacy copper (ULL / shared access / WLR / bitstream); exact mapping not public',
  family: 'copper',
  tag: 'O',
});

const entry = (code: string, network: string, service: string, family: CosFamily, tag: CosEntry['tag'] = 'N (copy)'): CosEntry => ({
  code,
  network,
  service,
  family,
  tag,
});

export const DEFAULT_COS_ENTRIES: readonly CosEntry[] = Object.freeze([
  ...[1, 2, 3, 4, 5, 6, 7, 8].map(legacy),
  entry('009', 'TIM', 'Sub Loop ULL (SLU)', 'nga'),
  entry('010', 'TIM', 'VULA FTTCab condiviso', 'nga'),
  entry('011', 'TIM', 'VULA FTTCab naked', 'nga'),
  entry('012', 'TIM', 'VULA FTTH', 'nga'),
  entry('013', 'TIM', 'BTS FTTCab condiviso', 'nga'),
  entry('014', 'TIM', 'BTS FTTCab naked', 'nga'),
  entry('015', 'TIM', 'BTS FTTH', 'nga'),
  entry('016', 'TIM', 'Fibra E2E da MKT 4', 'nga'),
  entry('017', 'TIM', 'Segmento verticale in fibra da MKT 4', 'nga'),
  entry('OFA', 'Open Fiber', 'GPON attivo', 'ftth'),
  entry('OFB', 'Open Fiber', 'GPON passivo', 'ftth'),
  entry('FWA', 'Fastweb', 'GPON attivo', 'ftth'),
  entry('FWB', 'Fastweb', 'GPON passivo', 'ftth'),
  entry('NIC', 'Unidata', 'GPON attivo', 'ftth'),
  entry('NID', 'Unidata', 'GPON passivo', 'ftth'),
  entry('LFE', 'Len Fiber', 'GPON attivo', 'ftth'),
  entry('LFF', 'Len Fiber', 'GPON passivo', 'ftth'),
  entry('222', 'various', 'NP pura (no physical line migration)', 'np-pure', 'O'),
  entry('999', 'various', 'NP pura (no physical line migration)', 'np-pure', 'O'),
]);

/**
 * A table from entries; a later entry with the same code replaces an earlier one, so a partner's
 * configuration can be layered over the defaults. Throws on a malformed code, naming it.
 */
export function createCosTable(entries: Iterable<CosEntry>): CosTable {
  const map = new Map<string, CosEntry>();
  for (const e of entries) {
    const code = e.code.toUpperCase();
    if (!COS_PATTERN.test(code)) throw new Error(`invalid COS ${JSON.stringify(e.code)}: expected 3 characters A–Z 0–9`);
    map.set(code, { ...e, code });
  }
  return map;
}

export const DEFAULT_COS_TABLE: CosTable = createCosTable(DEFAULT_COS_ENTRIES);

export function lookupCos(code: string, table: CosTable = DEFAULT_COS_TABLE): CosEntry | undefined {
  return table.get(code.toUpperCase());
}

export const isKnownCos = (code: string, table: CosTable = DEFAULT_COS_TABLE): boolean => table.has(code.toUpperCase());
