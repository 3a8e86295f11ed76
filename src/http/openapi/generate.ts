/**
 * `switchgate openapi`: the document a gateway with every profile and optional endpoint serves at
 * /docs/json (full-config.ts), from a throwaway in-memory database. What is committed as
 * docs/openapi.json; the contract test fails when the two differ.
 */
import pino from 'pino';
import { createGateway } from '../../gateway.js';
import { contractConfig, CONTRACT_ENV } from './full-config.js';

export async function generateContract(): Promise<unknown> {
  const gw = await createGateway({ config: contractConfig(), inMemory: true, background: false, log: pino({ level: 'silent' }), env: CONTRACT_ENV });
  try {
    const res = await gw.app.inject({ method: 'GET', url: '/docs/json' });
    if (res.statusCode !== 200) throw new Error(`/docs/json answered ${res.statusCode}`);
    return JSON.parse(res.body) as unknown;
  } finally {
    await gw.close();
  }
}

/** The committed form: two-space JSON and a final newline. */
export const contractText = (doc: unknown): string => JSON.stringify(doc, null, 2) + '\n';
