/** Requests as the machine and the fee rules see them. */
import { newRequest } from '../../../src/protocols/interconnect/machine.js';
import type { AccessRequest, RequestData, Role } from '../../../src/protocols/interconnect/types.js';
import type { Tariffs } from '../../../src/protocols/interconnect/fees.js';
import { parseCents } from '../../../src/protocols/interconnect/money.js';

export const TARIFFS: Tariffs = {
  portActivationFee: parseCents('1200.00'),
  portMonthlyFee: parseCents('310.00'),
  cacModuleMonthlyFee: parseCents('45.50'),
  linkMonthlyFee: parseCents('620.00'),
  linkAnnulmentCharge: parseCents('850.00'),
  setupCost: parseCents('275.00'),
  interventoAVuoto: parseCents('390.51'),
};

const site = { name: 'S', address: 'Via Roma 1', city: 'Roma' };

export const activation = (type: 'port-activation' | 'joint-activation', over: Partial<RequestData> = {}): RequestData =>
  ({
    type,
    pdi: 'PDI-1',
    timSite: site,
    operatorSite: site,
    cacModules: 4,
    cacModulesBeyondDimensioning: 1,
    bgIpAddresses: ['192.0.2.1'],
    directionality: 'bidirectional',
    codecs: ['AMR-WB'],
    ...(type === 'port-activation' ? { rdc: { td: 'RDC-1', positions: ['A1'] } } : { linkSpeed: '10G' }),
    ...over,
  }) as RequestData;

export function request(data: RequestData, state: AccessRequest['state'], role: Role = 'operator', over: Partial<AccessRequest> = {}): AccessRequest {
  const r = newRequest({ id: 'ITA.OLA.V000000001', role, counterpart: role === 'operator' ? 'ITA.TIM' : 'ITA.OLA', data }, { state: state === 'DRAFT' ? 'DRAFT' : 'SUBMITTED', orderDate: '2026-12-01' });
  return { ...r, state, ...(state === 'DRAFT' ? { orderDate: null } : {}), ...over };
}
