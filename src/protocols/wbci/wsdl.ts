/**
 * The WBCI WSDL and XSDs as served over HTTP (GET /wbci/v1?wsdl, GET /wbci/v1?xsd=<name>).
 *
 * wsdl/wbci.wsdl imports schemas/wbci/wbci-envelope.xsd by a repository-relative path, which only works from disk.
 * Over HTTP, relative schemaLocations resolve against a query-string URL and break easily, so the served WSDL is
 * self-contained: all six schemas inlined in wsdl:types (their mutual xs:imports keep the namespace and lose the
 * location; WSDL processors resolve them among the inlined schemas). The files are read once, on first use.
 */
import { readFileSync } from 'node:fs';
import { escapeXml } from './wire-engine.js';

/** Schema files in dependency order (each imports only files before it). */
export const XSD_NAMES = [
  'wbci-enum.xsd',
  'wbci-simple.xsd',
  'wbci-complex.xsd',
  'wbci-request.xsd',
  'wbci-message.xsd',
  'wbci-envelope.xsd',
] as const;
export type XsdName = (typeof XSD_NAMES)[number];

/** The address in wsdl/wbci.wsdl that renderWsdl replaces. */
export const PLACEHOLDER_ADDRESS = 'https://switchgate.invalid/wbci/v1';

const ROOT = new URL('../../../', import.meta.url);
const read = (rel: string): string => readFileSync(new URL(rel, ROOT), 'utf8');

let inlined: string | undefined;
const xsdCache = new Map<XsdName, string>();

const XML_DECL = /^\s*<\?xml[^?]*\?>\s*/;

function buildInlined(): string {
  const wsdl = read('wsdl/wbci.wsdl');
  const schemas = XSD_NAMES.map((name) =>
    read(`schemas/wbci/${name}`)
      .replace(XML_DECL, '')
      .replace(/(<xs:import\b[^>]*?)\s+schemaLocation="[^"]*"/g, '$1'),
  );
  const start = wsdl.indexOf('<wsdl:types>');
  const end = wsdl.indexOf('</wsdl:types>');
  if (start === -1 || end === -1) throw new Error('wsdl/wbci.wsdl has no wsdl:types section');
  return `${wsdl.slice(0, start)}<wsdl:types>\n${schemas.join('\n')}\n  ${wsdl.slice(end)}`;
}

/** The self-contained WSDL with `address` as the SOAP endpoint. */
export function renderWsdl(address: string): string {
  inlined ??= buildInlined();
  return inlined.replace(PLACEHOLDER_ADDRESS, escapeXml(address));
}

/**
 * One schema file for `?xsd=<name>`, its imports rewritten to `?xsd=<other>` so that they resolve against the URL
 * it was fetched from; undefined for any other name (no path is ever built from the request).
 */
export function renderXsd(name: string): string | undefined {
  if (!(XSD_NAMES as readonly string[]).includes(name)) return undefined;
  const key = name as XsdName;
  let xsd = xsdCache.get(key);
  if (xsd === undefined) {
    xsd = read(`schemas/wbci/${key}`).replace(/schemaLocation="(wbci-[a-z]+\.xsd)"/g, 'schemaLocation="?xsd=$1"');
    xsdCache.set(key, xsd);
  }
  return xsd;
}
