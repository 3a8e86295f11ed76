/** Rewrites schemas/agcom-ftth/ftth.xsd and wsdl/agcom-ftth/*.wsdl from the FTTH shape table. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { renderFtthWsdl, renderFtthXsd } from '../src/protocols/agcom/ftth/contracts.js';
import { SERVICE_NAMES } from '../src/protocols/agcom/ftth/messages.js';

const root = new URL('../', import.meta.url);
mkdirSync(new URL('schemas/agcom-ftth/', root), { recursive: true });
mkdirSync(new URL('wsdl/agcom-ftth/', root), { recursive: true });
writeFileSync(new URL('schemas/agcom-ftth/ftth.xsd', root), renderFtthXsd());
for (const s of SERVICE_NAMES) writeFileSync(new URL(`wsdl/agcom-ftth/${s}.wsdl`, root), renderFtthWsdl(s));
