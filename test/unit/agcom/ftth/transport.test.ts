import { describe, expect, it } from 'vitest';
import { classifyN12Answer } from '../../../../src/delivery/agcom-ftth-transport.js';
import { encodeN12 } from '../../../../src/protocols/agcom/ftth/codec.js';

const fault = (code: string) =>
  `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:${code}</faultcode><faultstring>no</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;

describe('FTTH delivery: what an answer means', () => {
  it('N12 ACK delivers; N12 NACK is permanent with the operator\'s reason', () => {
    expect(classifyN12Answer(200, encodeN12('Don_Check_sessione', { ID_NOTIFICA: 'x', ESITO: '0' }), 'Don_Check_sessione')).toEqual({ ok: true });
    expect(classifyN12Answer(200, encodeN12('Don_Check_sessione', { ID_NOTIFICA: 'x', ESITO: '1', CODICE_MOTIVAZIONE: '042', MOTIVAZIONE: 'ordine chiuso' }), 'Don_Check_sessione')).toEqual({
      ok: false,
      permanent: true,
      reason: 'N12 NACK 042: ordine chiuso',
    });
  });

  it('the N12 of another operation is not an answer', () => {
    expect(classifyN12Answer(200, encodeN12('WHS_Event', { ID_NOTIFICA: 'x', ESITO: '0' }), 'Don_Check_sessione')).toMatchObject({ ok: false, permanent: false });
  });

  it.each([
    ['a SOAP Fault Client', 500, fault('Client'), true],
    ['a SOAP Fault Server', 500, fault('Server'), false],
    ['a 503 page', 503, '<html>busy</html>', false],
    ['a 200 proxy page', 200, '<html>login</html>', false],
    ['a 404', 404, 'not found', true],
  ] as const)('%s: permanent %s', (_n, status, text, permanent) => {
    expect(classifyN12Answer(status, text, 'Don_Check_sessione')).toMatchObject({ ok: false, permanent });
  });
});
