/** The demos' REST client: one call to a gateway's API with its key; a problem answer throws. */
import { request } from 'undici';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export async function call<T = Json>(node: { url: string; key: string }, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await request(node.url + path, {
    method,
    headers: { authorization: `Bearer ${node.key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.body.json();
  if (res.statusCode >= 400) throw new Error(`${method} ${path} → ${res.statusCode}: ${JSON.stringify(data)}`);
  return data as T;
}
