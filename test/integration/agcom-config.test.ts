/**
 * The AGCOM configuration is validated at start-up with the precise key and problem, as the rest
 * of the configuration: through `check-config` (parseConfig + configChecks) and by createGateway,
 * which refuses to start before it opens anything.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { configChecks } from '../../src/config/checks.js';
import { createGateway } from '../../src/gateway.js';
import { resolveAgcomSettings } from '../../src/app/agcom/settings.js';
import { silentLog } from '../support/gateway-pair.js';

type Json = Record<string, unknown>;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const base = (over: Json = {}, peer: Json = {}): Json => ({
  self: { carrierCode: 'ITA.OLA', profiles: ['agcom'], holidayRegion: 'IT' },
  apiKeys: [{ name: 'crm', keySha256: sha('k'), scopes: ['switches:write'] }],
  peers: [{ carrierCode: 'ITA.OLB', protocol: 'agcom-file', url: 'https://olb.example/agcom/v1/upload', auth: { type: 'none' }, ...peer }],
  agcom: { cowOwner: { '2ZZ': 'OLB' } },
  ...over,
});

function problems(raw: Json): { key: string; problem: string }[] {
  try {
    parseConfig(raw, 'test.json', {}, configChecks);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}

describe('agcom configuration', () => {
  it('a valid configuration resolves: operator codes from the carrier codes, partner naming and rules layered', () => {
    const config = parseConfig(base({ deadlines: { agcom: { minDacLeadWorkingDays: 5 } } }, { agcom: { naming: { order: 'receiver-first' }, rules: { cancelCutoffWorkingDaysBeforeDac: 1 } } }), 'test', {}, configChecks);
    const s = resolveAgcomSettings(config);
    expect(s.operatorCode).toBe('OLA');
    expect(s.rules.minDacLeadWorkingDays).toBe(5);
    const olb = s.byOperator('OLB')!;
    expect(olb).toMatchObject({ carrierCode: 'ITA.OLB', naming: { order: 'receiver-first', progressiveWidth: 5 } });
    expect(olb.rules).toMatchObject({ minDacLeadWorkingDays: 5, cancelCutoffWorkingDaysBeforeDac: 1 });
    expect(s.byCarrier('ITA.OLB')).toBe(olb);
    // the Recipient looks pools up as configured; a Donating without its own pool configured takes every secret as its own
    expect(s.cowOwner('recipient')('2ZZ')).toBe('OLB');
    expect(s.cowOwner('recipient')('9ZZ')).toBeUndefined();
    expect(s.cowOwner('donating')('9ZZ')).toBe('OLA');
  });

  it('COS table overrides: a new code is known, a default one can be redescribed', () => {
    const cos = [
      { code: 'TXA', network: 'Tiscali Fibra', service: 'GPON attivo', family: 'ftth' },
      { code: '012', network: 'TIM', service: 'VULA FTTH (renamed)', family: 'nga' },
    ];
    const s = resolveAgcomSettings(parseConfig(base({ agcom: { cowOwner: {}, cos } }), 'test', {}, configChecks));
    expect(s.cosTable.get('TXA')).toMatchObject({ network: 'Tiscali Fibra', family: 'ftth', tag: 'I' });
    expect(s.cosTable.get('012')?.service).toBe('VULA FTTH (renamed)');
    expect(s.cosTable.has('015')).toBe(true);
    expect(problems(base({ agcom: { cos: [cos[0], cos[0]] } }))).toContainEqual({ key: 'agcom.cos[1].code', problem: 'TXA is already defined by agcom.cos[0]' });
  });

  it.each<[string, Json, { key: string; problem: RegExp }]>([
    ['an AGCOM peer without the profile', base({ self: { carrierCode: 'ITA.OLA', profiles: ['wbci'], holidayRegion: 'IT' }, agcom: undefined }), { key: 'peers[0].protocol', problem: /agcom-file needs "agcom" in self.profiles/ }],
    ['no 3-character operator code', base({ self: { carrierCode: 'ITA.OLA1', profiles: ['agcom'], holidayRegion: 'IT' } }), { key: 'agcom.operatorCode', problem: /is required: self.carrierCode ITA.OLA1 has no 3-character suffix/ }],
    ['a COW of an operator that is no partner', base({ agcom: { cowOwner: { '2ZZ': 'WND' } } }), { key: 'agcom.cowOwner.2ZZ', problem: /operator WND is neither this gateway \(OLA\) nor a configured AGCOM partner \(OLB\)/ }],
    ['a malformed COW', base({ agcom: { cowOwner: { '2z': 'OLB' } } }), { key: 'agcom.cowOwner.2z', problem: /a COW \/ codice segreto is 3 characters A–Z 0–9/ }],
    ['a malformed owner', base({ agcom: { cowOwner: { '2ZZ': 'olb' } } }), { key: 'agcom.cowOwner.2ZZ', problem: /has an invalid format/ }],
    ['an unknown deadline key', base({ deadlines: { agcom: { answerDays: 2 } } }), { key: 'deadlines.agcom.answerDays', problem: /unknown key/ }],
    ['a partner rule that contradicts the global ones', base({ deadlines: { agcom: { minCorLength: 8 } } }, { agcom: { rules: { maxCorLength: 7 } } }), { key: 'peers[0].agcom.rules', problem: /maxCorLength: 7 is below minCorLength 8/ }],
    ['two communication types with one wire value', base({}, { agcom: { wireValues: { communicationType: { attivazione: { RICHIESTA: '1' } } } } }), { key: 'peers[0].agcom.wireValues.communicationType.attivazione.RICHIESTA', problem: /1 is already used by communicationType.migrazione.RICHIESTA/ }],
    ['an unknown naming order', base({}, { agcom: { naming: { order: 'alphabetical' } } }), { key: 'peers[0].agcom.naming.order', problem: /must be one of "sender-first"/ }],
    ['agcom settings on a WBCI peer', base({ self: { carrierCode: 'ITA.OLA', profiles: ['agcom', 'wbci'], holidayRegion: 'IT' } }, { protocol: 'wbci-soap', agcom: { strictLayout: true } }), { key: 'peers[0].agcom', problem: /only for AGCOM partners/ }],
    ['a partner with our own operator code', base({}, { agcom: { operatorCode: 'OLA' } }), { key: 'peers[0].agcom.operatorCode', problem: /OLA is this gateway's own operator code/ }],
    ['an FTTH code table that maps two codes to one state', base({ agcom: { cowOwner: {}, ftth: { codes: { n7StatoOrdine: { '0': 'ok', '1': 'ok' } } } } }), { key: 'agcom.ftth.codes.n7StatoOrdine[1]', problem: /^ok is already code 0$/ }],
    ['an FTTH code table that leaves a wire code unmapped', base({ agcom: { cowOwner: {}, ftth: { codes: { n7StatoOrdine: { '0': 'ok' } } } } }), { key: 'agcom.ftth.codes.n7StatoOrdine', problem: /^code 1 is not mapped$/ }],
    ['an FTTH state that does not exist', base({ agcom: { cowOwner: {}, ftth: { codes: { n4StatoOrdine: { '0': 'done' } } } } }), { key: 'agcom.ftth.codes.n4StatoOrdine[0]', problem: /must be one of/ }],
    ['a network operator with our own code', base({ agcom: { cowOwner: {}, wholesale: { url: 'https://whs.example', protocol: 'agcom-ftth', operatorCode: 'OLA' } } }), { key: 'agcom.wholesale.operatorCode', problem: /^OLA is this gateway's own operator code, not the network operator's$/ }],
    ['a network operator with a partner\'s code', base({ agcom: { cowOwner: {}, wholesale: { url: 'https://whs.example', protocol: 'agcom-ftth', operatorCode: 'OLB' } } }), { key: 'agcom.wholesale.operatorCode', problem: /^OLB is the code of an AGCOM partner/ }],
    ['a malformed network operator code', base({ agcom: { cowOwner: {}, wholesale: { url: 'https://whs.example', protocol: 'agcom-ftth', operatorCode: 'whs1' } } }), { key: 'agcom.wholesale.operatorCode', problem: /invalid format/ }],
    ['an N3 reason code longer than CODICE_MOTIVAZIONE', base({ agcom: { cowOwner: {}, ftth: { rimodulazione: { reasonCode: 'CLIE' } } } }), { key: 'agcom.ftth.rimodulazione.reasonCode', problem: /3/ }],
    ['an N3 appointment that is no xsd:time', base({ agcom: { cowOwner: {}, ftth: { rimodulazione: { appointmentTime: '9:00' } } } }), { key: 'agcom.ftth.rimodulazione.appointmentTime', problem: /invalid format/ }],
    ['an agcom.wholesale in another protocol', base({ agcom: { cowOwner: {}, wholesale: { url: 'https://whs.example', protocol: 'rest' } } }), { key: 'agcom.wholesale.protocol', problem: /must be one of/ }],
    ['an unknown COS family', base({ agcom: { cos: [{ code: 'XYZ', network: 'X', service: 'Y', family: 'satellite' }] } }), { key: 'agcom.cos[0].family', problem: /must be one of/ }],
  ])('%s', (_name, raw, expected) => {
    const p = problems(raw);
    expect(p).toContainEqual({ key: expected.key, problem: expect.stringMatching(expected.problem) });
  });

  it('createGateway refuses an invalid AGCOM configuration before it opens anything', async () => {
    const config = parseConfig(base({ agcom: { cowOwner: { '2ZZ': 'WND' } } }), 'test', {});
    const started = createGateway({ config, inMemory: true, log: silentLog(), background: false });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(/agcom.cowOwner.2ZZ: operator WND is neither this gateway/);
  });
});
