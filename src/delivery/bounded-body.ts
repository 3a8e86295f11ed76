/**
 * Replies from peers, the wholesale provider and number-portability endpoints are read with a
 * limit, like inbound bodies: a partner (or whatever answers on its address) cannot make the
 * gateway buffer an unbounded reply. Past the limit the body is abandoned (the socket destroyed)
 * and the delivery counts as not acknowledged.
 */
import type { Dispatcher } from 'undici';

/** 1 MiB: a Quittung or a provider's answer is a few KiB. */
export const MAX_REPLY_BYTES = 1024 * 1024;

export class ReplyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`reply larger than ${limit} bytes, not read`);
    this.name = 'ReplyTooLargeError';
  }
}

/** The body as UTF-8 text, or ReplyTooLargeError once more than `limit` bytes arrived (or were announced). */
export async function readBoundedText(body: Dispatcher.ResponseData['body'], headers: Dispatcher.ResponseData['headers'], limit = MAX_REPLY_BYTES): Promise<string> {
  const announced = Number(headers['content-length']);
  if (Number.isFinite(announced) && announced > limit) {
    body.destroy();
    throw new ReplyTooLargeError(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      body.destroy();
      throw new ReplyTooLargeError(limit);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
