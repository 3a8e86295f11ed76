/**
 * The FTTH contracts rendered from the shape table: one XSD (schemas/agcom-ftth/ftth.xsd) and one
 * WSDL per service of §10.3 (wsdl/agcom-ftth/<ServiceName>.wsdl, the schema inlined so that any
 * SOAP stack can build a client from the WSDL alone). The committed files are this rendering
 * (test/unit/agcom/ftth/contracts.test.ts keeps them equal; `npm run contracts:ftth` rewrites them).
 */
import { FTTH_NS } from './codec.js';
import { FIELDS, MESSAGE_IDS, SERVICES, serviceOperations, OPERATION_MESSAGE, type FieldSpec, type FieldType, type MessageId, type ServiceName } from './messages.js';

export const ADDRESS_PLACEHOLDER = '{{ADDRESS}}';

const TITLES: Record<MessageId, string> = {
  N1: 'Richiesta di migrazione (A → B)',
  N2: 'Desospensione (AZIONE=0) or annullamento (AZIONE=1) by the Recipient (A → B)',
  N3: 'Rimodulazione DAC by the Recipient (A → B)',
  N4: 'Aggiornamento stato ordine (B → A)',
  N5: 'Rimodulazione DAC by the network operator (B → A)',
  N6: 'Inizio Policy di Contatto (B → A)',
  N7: 'Espletamento OK/KO (B → A)',
  N8: 'Richiesta verifica codice sessione (D → E)',
  N9: 'Esito verifica codice sessione (E → D)',
  N10: 'Notifica al Donating: first DAC, outcome, cancellation (D → E)',
  N11: 'Recipient → Donor: 01 pre-notice, 02 execution, 03 KO',
  N12: 'Presa in carico: synchronous ACK (ESITO 0) / NACK (ESITO 1), the response of every operation',
  N13: 'KO from the Donor on numbers to port (Donor → A)',
};

function simpleType(t: FieldType, pad: string): string {
  switch (t.kind) {
    case 'text':
      return `${pad}<xs:simpleType><xs:restriction base="xs:string"><xs:maxLength value="${t.max}"/></xs:restriction></xs:simpleType>\n`;
    case 'enum':
      return `${pad}<xs:simpleType><xs:restriction base="xs:string">${t.values.map((v) => `<xs:enumeration value="${v}"/>`).join('')}</xs:restriction></xs:simpleType>\n`;
    default:
      return '';
  }
}

const BUILTIN: Partial<Record<FieldType['kind'], string>> = { dateTime: 'xs:dateTime', date: 'xs:date', time: 'xs:time' };

function element(spec: FieldSpec, pad: string): string {
  const min = spec.presence === 'm' ? '' : ' minOccurs="0"';
  const doc =
    spec.presence === 'c' && spec.when ? `${pad}  <xs:annotation><xs:documentation>conditional: present exactly when ${spec.when.field} = ${spec.when.value}</xs:documentation></xs:annotation>\n` : '';
  const t = spec.type;
  const builtin = BUILTIN[t.kind];
  if (builtin) return `${pad}<xs:element name="${spec.name}" type="${builtin}"${min}/>\n`;
  let inner: string;
  if (t.kind === 'group') inner = `${pad}  <xs:complexType><xs:sequence>\n${t.fields.map((f) => element(f, `${pad}    `)).join('')}${pad}  </xs:sequence></xs:complexType>\n`;
  else if (t.kind === 'list')
    inner = `${pad}  <xs:complexType><xs:sequence>\n${pad}    <xs:element name="${t.item}" maxOccurs="${t.maxItems}">\n${simpleType({ kind: 'text', max: t.max }, `${pad}      `)}${pad}    </xs:element>\n${pad}  </xs:sequence></xs:complexType>\n`;
  else if (t.kind === 'opaque')
    inner = `${pad}  <xs:annotation><xs:documentation>defined by the network operator; empty in the public WSDL</xs:documentation></xs:annotation>\n${pad}  <xs:complexType><xs:sequence><xs:any minOccurs="0" maxOccurs="unbounded" processContents="skip"/></xs:sequence></xs:complexType>\n`;
  else inner = simpleType(t, `${pad}  `);
  return `${pad}<xs:element name="${spec.name}"${min}>\n${doc}${inner}${pad}</xs:element>\n`;
}

function schemaBody(pad: string): string {
  let out = '';
  for (const id of MESSAGE_IDS) {
    out += `${pad}<xs:complexType name="${id}Type">\n${pad}  <xs:annotation><xs:documentation>${id}: ${TITLES[id]}</xs:documentation></xs:annotation>\n${pad}  <xs:sequence>\n`;
    out += FIELDS[id].map((f) => element(f, `${pad}    `)).join('');
    out += `${pad}  </xs:sequence>\n${pad}</xs:complexType>\n`;
  }
  for (const [op, id] of Object.entries(OPERATION_MESSAGE)) {
    out += `${pad}<xs:element name="${op}" type="f:${id}Type"/>\n${pad}<xs:element name="${op}Response" type="f:N12Type"/>\n`;
  }
  return out;
}

const schemaOpen = (pad: string): string =>
  `${pad}<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:f="${FTTH_NS}" targetNamespace="${FTTH_NS}" elementFormDefault="qualified">\n`;

export function renderFtthXsd(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- FTTH multi-operator messages N1–N13 (italy.md §10.3). Rendered by src/protocols/agcom/ftth/contracts.ts: do not edit by hand. -->
${schemaOpen('')}${schemaBody('  ')}</xs:schema>
`;
}

export function renderFtthWsdl(service: ServiceName): string {
  const ops = serviceOperations(service);
  const host = SERVICES[service].host;
  let out = `<?xml version="1.0" encoding="UTF-8"?>
<!-- ${service} (hosted by ${host}), italy.md §10.3: SOAP 1.1 document/literal, every operation answered by N12.
     Rendered by src/protocols/agcom/ftth/contracts.ts: do not edit by hand. -->
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:f="${FTTH_NS}" name="${service}" targetNamespace="${FTTH_NS}">
  <wsdl:types>
${schemaOpen('    ')}${schemaBody('      ')}    </xs:schema>
  </wsdl:types>
`;
  for (const op of ops) {
    out += `  <wsdl:message name="${op}Request"><wsdl:part name="parameters" element="f:${op}"/></wsdl:message>\n`;
    out += `  <wsdl:message name="${op}Response"><wsdl:part name="parameters" element="f:${op}Response"/></wsdl:message>\n`;
  }
  out += `  <wsdl:portType name="${service}PortType">\n`;
  for (const op of ops) {
    out += `    <wsdl:operation name="${op}"><wsdl:documentation>${OPERATION_MESSAGE[op]}: ${TITLES[OPERATION_MESSAGE[op]]}</wsdl:documentation><wsdl:input message="f:${op}Request"/><wsdl:output message="f:${op}Response"/></wsdl:operation>\n`;
  }
  out += `  </wsdl:portType>\n  <wsdl:binding name="${service}Binding" type="f:${service}PortType">\n    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>\n`;
  for (const op of ops) {
    out += `    <wsdl:operation name="${op}"><soap:operation soapAction="${FTTH_NS}/${op}" style="document"/><wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>\n`;
  }
  out += `  </wsdl:binding>\n  <wsdl:service name="${service}">\n    <wsdl:port name="${service}Port" binding="f:${service}Binding"><soap:address location="${ADDRESS_PLACEHOLDER}"/></wsdl:port>\n  </wsdl:service>\n</wsdl:definitions>\n`;
  return out;
}
