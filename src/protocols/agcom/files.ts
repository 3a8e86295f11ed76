/**
 * The Fase 2 record files (italy.md §9.1–§9.2): xml1 (requests, Recipient → Donating), xml2
 * (ValidazioneFormale) and xml3 (ValidazioneGestionale), both Donating → Recipient; their file
 * names, the upload parameters `Operatore` / `TipoFile` / `FileName` and the synchronous `Reply`
 * with codes 00–06.
 *
 * What is documented (N (copy), G5) and what is designed here (I):
 * - xml1 and xml3 follow the public XSD copies: root `xml1`/`xml3`, records `Request`/
 *   `ValidationResponse` (≤100) with the required attribute `CodiceOrdineRecipient` and a
 *   `Parametri` element holding the fields in XSD order. Every documented element is written,
 *   empty when it has no value, because the XSDs declare none of them optional.
 * - xml2 has no XSD: root `xml2`, record `ValidazioneFormale` and its namespace are designed by
 *   analogy with xml3; its fields are the documented ones.
 * - The record layout has no DAC, no check character and no PIN, and no element says which
 *   communication a record is (request, cancellation, reschedule): `TipoComunicazione` is read as
 *   that discriminator and the elements `DAC`, `CarattereControllo1/2`, `PIN` are designed (tag
 *   I). They are written after the documented ones, and not at all with `strictLayout`.
 * - The value sets of `TipoComunicazione`, `StatoRichiesta`, `CausaleRifiuto`, `CodiceMotivoRifiuto`
 *   are not public (§13.2): `DEFAULT_WIRE_VALUES` is a design, configurable per partner.
 *
 * `CodiceOrdineRecipient` has no pattern on the wire (only a length): a KO must carry back even a
 * malformed id; the formal validation (fields.ts) judges its format.
 *
 * The pieces: files/layouts.ts, wire-values.ts, records.ts, encode.ts, decode.ts, names.ts, upload.ts.
 *
 * `FILE_LAYOUTS` is the single mapping table between our field keys and the element names: rename
 * an element there and both directions follow.
 *
 * Values stay strings and are trimmed (the public examples pad some with spaces). Input passes
 * `guardXml` first: DOCTYPE/ENTITY are refused, depth is bounded, only UTF-8 is accepted.
 */
export { type FileKind, type FileType, type FieldSpec, type RecordLayout, FILE_LAYOUTS, DEFAULT_MAX_RECORDS, DEFAULT_MAX_FILE_BYTES } from './files/layouts.js';
export { type DateFormat, type WireValues, DEFAULT_WIRE_VALUES, validateWireValues, classifyRejection } from './files/wire-values.js';
export { type FileIssue, type Mode, type FlatRecord, type WireOptions, type FileParties } from './files/records.js';
export { type EncodeOptions, type EncodeResult, encodeXml1, encodeXml2, encodeXml3 } from './files/encode.js';
export { type DecodeOptions, type DecodedRecord, type DecodeResult, detectFileKind, decodeXml1, decodeXml2, decodeXml3, validateFile } from './files/decode.js';
export { type OperatorOrder, type FileNaming, DEFAULT_FILE_NAMING, type FileName, buildFileName, type ParsedFileName, parseFileName } from './files/names.js';
export { REPLY_CODES, type ReplyCode, REPLY_MEANINGS, REPLY_ERROR_CLASS, type UploadParams, uploadParams, type UploadContext, type DecodedUpload, type UploadResult, checkUpload, type Reply, encodeReply, type DecodedReply, decodeReply } from './files/upload.js';
