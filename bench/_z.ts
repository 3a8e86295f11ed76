import { deflateSync, inflateSync, constants } from 'node:zlib';
import { encodeSoap } from '../src/protocols/wbci/soap-codec.js';
import { vaBody, REQUESTED_DATE } from '../bench/harness.js';
import { dictionarySource } from '../src/store/wire-codec.js';
const msg = (i: number) => { const b = vaBody(i); return encodeSoap({ type: 'VA-KUE-MRN', vaId: `DEU.EKPA.V${String(i).padStart(9, '0')}`, recipient: 'DEU.EKPA', donating: 'DEU.EKPB', sender: 'DEU.EKPA', requestedDate: REQUESTED_DATE, customer: b.customer, location: b.location, numbers: b.numbers } as never, { timestamp: new Date().toISOString(), major: '02', minor: '00' }); };
const dict = Buffer.from(dictionarySource(msg(1)));
const xs = Array.from({ length: 2000 }, (_, i) => Buffer.from(msg(i + 10)));
console.log('msg bytes', xs[0].length, 'dict', dict.length);
for (const opts of [{ level: 6 }, { level: 6, windowBits: 13, memLevel: 6 }, { level: 6, windowBits: 12, memLevel: 5 }, { level: 3, windowBits: 13, memLevel: 6 }, { level: 6 }]) {
  let size = 0; const t = process.hrtime.bigint();
  for (let r = 0; r < 3; r++) for (const x of xs) size += deflateSync(x, { ...opts, dictionary: dict }).length;
  const us = Number(process.hrtime.bigint() - t) / 1000 / (3 * xs.length);
  for (const x of xs.slice(0, 50)) if (inflateSync(deflateSync(x, { ...opts, dictionary: dict }), { dictionary: dict }).compare(x) !== 0) throw new Error('mismatch');
  console.log(JSON.stringify(opts), 'avg z', Math.round(size / 3 / xs.length), 'us', us.toFixed(1));
}
import { createDeflate } from 'node:zlib';
{
  const eng = createDeflate({ dictionary: dict }) as any;
  let size = 0; const t = process.hrtime.bigint();
  for (let r = 0; r < 3; r++) for (const x of xs) { const z = eng._processChunk(x, constants.Z_FINISH); eng.reset(); size += z.length; }
  const us = Number(process.hrtime.bigint() - t) / 1000 / (3 * xs.length);
  for (const x of xs.slice(0, 50)) { const z = eng._processChunk(x, constants.Z_FINISH); eng.reset(); if (inflateSync(z, { dictionary: dict }).compare(x) !== 0) throw new Error('mismatch reuse'); }
  console.log('reused engine avg z', Math.round(size / 3 / xs.length), 'us', us.toFixed(1));
}
