import { describe, expect, it } from 'vitest';
import { requestDataIssues, type FieldContext } from '../../../src/protocols/interconnect/fields.js';
import type { RequestData } from '../../../src/protocols/interconnect/types.js';
import { activation, request } from './fixtures.js';

const ctx = (over: Partial<FieldContext> = {}): FieldContext => ({ today: '2026-12-10', bgInUse: new Map(), accesses: new Map(), ...over });
const codes = (d: RequestData, c = ctx()) => requestDataIssues(d, c).map((i) => `${i.path}:${i.code}`);

describe('interconnect request data (spec §2)', () => {
  it('accepts a complete R1 and R2', () => {
    expect(codes(activation('port-activation'))).toEqual([]);
    expect(codes(activation('joint-activation'))).toEqual([]);
  });

  it('BG addresses: well-formed, not listed twice, exclusive on the PdI', () => {
    expect(codes(activation('joint-activation', { bgIpAddresses: ['192.0.2.300', '10.0.0.1', '10.0.0.1', '2001:DB8::1', '2001:db8:0::1'] } as never))).toEqual([
      '/bgIpAddresses/0:SG_IC_BAD_IP',
      '/bgIpAddresses/2:SG_IC_BG_IP_DUPLICATE',
      '/bgIpAddresses/4:SG_IC_BG_IP_DUPLICATE',
    ]);
    expect(codes(activation('joint-activation'), ctx({ bgInUse: new Map([['192.0.2.1', 'ITA.OLA.V000000007']]) }))).toEqual(['/bgIpAddresses/0:SG_IC_BG_IP_IN_USE']);
  });

  it('R1 needs the RdC and no link; R2 needs the link speed and no RdC; extra modules never exceed the modules', () => {
    expect(codes(activation('port-activation', { rdc: undefined, linkSpeed: '1G' } as never))).toEqual(['/rdc:SG_IC_REQUIRED', '/linkSpeed:SG_IC_NOT_ALLOWED']);
    expect(codes(activation('joint-activation', { linkSpeed: undefined, rdc: { td: 'R', positions: ['A'] } } as never))).toEqual(['/linkSpeed:SG_IC_REQUIRED', '/rdc:SG_IC_NOT_ALLOWED']);
    expect(codes(activation('port-activation', { rdc: { td: 'R', positions: ['A', 'A'] } } as never))).toEqual(['/rdc/positions:SG_IC_RDC_POSITION']);
    expect(codes(activation('joint-activation', { cacModules: 2, cacModulesBeyondDimensioning: 3, codecs: ['EVS', 'EVS'] } as never))).toEqual([
      '/cacModulesBeyondDimensioning:SG_IC_CAC_COUNT',
      '/codecs:SG_IC_CODEC',
    ]);
  });

  it('R5 names active accesses, as many as ports to cease, and a date not in the past', () => {
    const active = request(activation('joint-activation'), 'COMPLETED', 'operator', { id: 'A', completion: { completionDate: '2026-12-01', tds: { port: 'P', link: 'L' } } });
    const pending = request(activation('joint-activation'), 'IN_PROGRESS', 'operator', { id: 'B' });
    const c = ctx({ accesses: new Map([['A', active], ['B', pending]]) });
    const r5 = (over: object) => ({ type: 'cessation', operatorNode: 'N', timNode: 'T', portCount: 1, requestedDate: '2026-12-20', accessIds: ['A'], ...over }) as RequestData;
    expect(codes(r5({}), c)).toEqual([]);
    expect(codes(r5({ requestedDate: '2026-12-09' }), c)).toEqual(['/requestedDate:SG_IC_DATE_PAST']);
    expect(codes(r5({ portCount: 2 }), c)).toEqual(['/portCount:SG_IC_PORT_COUNT']);
    expect(codes(r5({ accessIds: ['B'] }), c)).toEqual(['/accessIds/0:SG_IC_ACCESS_NOT_ACTIVE']);
    expect(codes(r5({ accessIds: ['Z'] }), c)).toEqual(['/accessIds/0:SG_IC_UNKNOWN_ACCESS']);
    expect(codes(r5({ cacModulesOnly: 2 }), c)).toEqual(['/cacModulesOnly:SG_IC_CAC_COUNT']);
    expect(codes(r5({ cacModulesOnly: 1 }), c)).toEqual([]);
    const ceased = { ...active, ceasedBy: { requestId: 'X', date: '2026-12-05', completedOn: '2026-12-05' } };
    expect(codes(r5({}), ctx({ accesses: new Map([['A', ceased]]) }))).toEqual(['/accessIds/0:SG_IC_ACCESS_CEASED']);
  });
});
