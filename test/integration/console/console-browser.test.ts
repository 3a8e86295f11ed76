/**
 * The console in a real browser (Debian Chromium via playwright-core) against real gateways on
 * 127.0.0.1: log in, find a case by id, read its timeline and wire form, answer it through the
 * form, and replay a dead letter whose reason is a stub peer's hostile error body.
 * With SWITCHGATE_SCREENSHOTS=<dir> it also saves the four pages there (docs/console-*.png).
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeEachBackend } from '../../support/backends.js';
import { eventually as eventuallyWithin, freePort } from '../../support/http-pair.js';
import { startStubPeer, startWireNode, type StubPeer, type WireNode } from '../../support/wire-stubs.js';
import { API_KEY } from '../../support/gateway-pair.js';
import { chromiumAvailable, launchChromium } from '../../support/browser.js';
import { request } from 'undici';
import { kwtAhead } from '../../support/dates.js';

// whole gateways on a shared two-core machine: generous, never a timing assertion
vi.setConfig({ testTimeout: 120_000 });
const eventually = <T>(check: () => Promise<T>) => eventuallyWithin(check, 60_000, 50);

const HOSTILE = '<script>document.title="pwned"</script><b id="injected">bold</b>';
const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const FAULT = `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>${xmlEscape(HOSTILE)}</faultstring></soap:Fault></soap:Body></soap:Envelope>`;

// the gateways run on the system clock: a requested date comfortably ahead of today
const REQUESTED = kwtAhead();

const vaTo = (donating: string, requestedDate = REQUESTED) => ({
  procedure: 'wbci',
  type: 'VA-KUE-MRN',
  donating,
  requestedDate,
  customer: { kind: 'person', salutation: 'Frau', firstName: 'Erika', lastName: 'Mustermann' },
  location: { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' },
  numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] },
});

async function api(node: WireNode, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await request(node.url + path, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.statusCode, data: (await res.body.json()) as any };
}

const screenshots = process.env.SWITCHGATE_SCREENSHOTS;
const shoot = async (page: Page, name: string) => {
  if (screenshots) await page.screenshot({ path: `${screenshots}/console-${name}.png`, fullPage: true });
};

describe.skipIf(!chromiumAvailable())('console in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describeEachBackend('console in Chromium', ({ open }) => {
    it('logs in, finds a case, reads its timeline, answers it, and replays a dead letter', async () => {
      // a step that waits for good ends in the test's timeout, which names no step: the step is
      // printed then (how the forged login's hanging page close below was found)
      let phase = 'starting the gateways';
      const started = Date.now();
      const at = (next: string) => {
        phase = `${next} (${((Date.now() - started) / 1000).toFixed(1)} s in)`;
      };
      onTestFailed(() => console.error(`console-browser: failed or timed out in: ${phase}`));
      const stub: StubPeer = await startStubPeer(() => ({ kind: 'reply', status: 500, body: FAULT }));
      const portA = await freePort();
      const b = await startWireNode('DEU.EKPB', [{ carrierCode: 'DEU.EKPA', url: `http://127.0.0.1:${portA}/wbci/v1` }, { carrierCode: 'DEU.EKPC', url: stub.url }], { store: await open() });
      const a = await startWireNode('DEU.EKPA', [{ carrierCode: 'DEU.EKPB', url: `${b.url}/wbci/v1` }], { store: await open(), port: portA });
      const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
      try {
        // a case at B (donating), started by A over SOAP
        at('a VA from A to B');
        const created = await api(a, 'POST', '/v1/switches', vaTo('DEU.EKPB'));
        expect(created.status).toBe(201);
        const id = created.data.id as string;
        await eventually(async () => expect((await api(b, 'GET', `/v1/switches/${id}`)).status).toBe(200));
        // a dead letter at B: its VA to EKPC is answered with a SOAP fault whose text is markup
        at('waiting for the dead letter at B');
        const toC = await api(b, 'POST', '/v1/switches', vaTo('DEU.EKPC'));
        expect(toC.status).toBe(201);
        await eventually(async () => expect((await api(b, 'GET', '/v1/dead-letters?replayed=false')).data.items).toHaveLength(1));

        // a forged login posted from another page (no login cookie travels cross-site, no valid token): 403, no session
        at('the forged login');
        const forger = await context.newPage();
        at('the forged login: setContent');
        await forger.setContent(`<form method="post" action="${b.url}/console/login"><input name="apiKey" value="${API_KEY}"><input name="_csrf" value="guessed"><button>go</button></form>`);
        at('the forged login: posting');
        const [forged] = await Promise.all([forger.waitForResponse((r) => r.url() === `${b.url}/console/login`), forger.getByRole('button', { name: 'go' }).click()]);
        expect(forged.status()).toBe(403);
        expect((await context.cookies()).some((c) => c.name === 'sg_console')).toBe(false);
        // the 403 page must have loaded before the page closes: closed while Chromium still
        // committed that navigation, the page's close never returned (1 run in ~10, under load more)
        await forger.waitForLoadState('load');
        at('the forged login: closing its page');
        await forger.close();

        const page = await context.newPage();
        await page.goto(`${b.url}/console`);
        await page.getByLabel('API key').fill(API_KEY);
        await shoot(page, 'login');
        await page.getByRole('button', { name: 'Log in' }).click();
        await expect.poll(() => page.url()).toBe(`${b.url}/console`);
        await shoot(page, 'cases');

        // find the case by id
        at('finding the case');
        await page.getByPlaceholder('VA-ID or order code').fill(id);
        await page.getByRole('button', { name: 'Show' }).click();
        await expect.poll(() => page.url()).toContain(`/console/cases/${encodeURIComponent(id)}`);
        const firstRow = page.locator('table.timeline tbody tr').first();
        expect(await firstRow.innerText()).toMatch(/VA-KUE-MRN/);
        expect(await firstRow.innerText()).toMatch(/← in/);
        // the wire form on demand
        await firstRow.getByRole('link', { name: 'show' }).click();
        expect(await page.locator('tr.wire pre').innerText()).toContain(id);

        // answer through the form
        at('answering through the form');
        const form = page.locator('#action-answer');
        await form.getByLabel('Contract numbers').fill('1234567890');
        await form.getByLabel(/Portierungskennung/).fill('D123');
        await form.getByRole('button', { name: 'Send answer' }).click();
        expect(await page.getByRole('status').innerText()).toContain('answer was queued');
        const rows = await page.locator('table.timeline tbody tr').allInnerTexts();
        expect(rows.some((r) => /RUEM-VA/.test(r) && /out →/.test(r))).toBe(true);
        expect(await page.locator('h1 .state').innerText()).toBe('AGREED');
        await eventually(async () => expect((await api(a, 'GET', `/v1/switches/${id}`)).data.state).toBe('AGREED'));
        await page.reload();
        await shoot(page, 'case');

        // the peers page shows EKPC failing
        at('the peers page');
        await page.getByRole('link', { name: 'Peers' }).click();
        const ekpc = page.locator('tr', { hasText: 'DEU.EKPC' });
        expect(await ekpc.locator('td').nth(7).innerText()).toBe('1');
        await shoot(page, 'peers');

        // the dead letter: its reason is the stub's markup, shown as text
        at('the dead-letters page');
        await page.getByRole('link', { name: 'Dead letters' }).click();
        const reason = page.locator('td.reason').first();
        expect(await reason.innerText()).toContain(HOSTILE);
        expect(await page.locator('#injected').count()).toBe(0);
        expect(await page.title()).not.toBe('pwned');
        await shoot(page, 'dead-letters');

        // the peer is fixed; replay; the row leaves the list and the VA is delivered
        at('replaying the dead letter');
        stub.behave(() => ({ kind: 'ok' }));
        const deadRows = page.locator('tbody tr[id^="dl-"]');
        expect(await deadRows.count()).toBe(1);
        await deadRows.first().getByRole('button', { name: 'Replay' }).click();
        expect(await page.getByRole('status').innerText()).toContain('1 replayed');
        expect(await page.locator('tbody tr[id^="dl-"]').count()).toBe(0);
        await eventually(async () => {
          const msgs = await api(b, 'GET', `/v1/switches/${toC.data.id}/messages`);
          expect(msgs.data.items[0].status).toBe('delivered');
        });

        // logout; the old session cookie, put back into the browser, no longer opens the console
        at('logging out');
        const session = (await context.cookies()).find((c) => c.name === 'sg_console')!;
        expect(session).toBeDefined();
        await page.getByRole('button', { name: 'Log out' }).click();
        await expect.poll(() => page.url()).toBe(`${b.url}/console/login`);
        await context.addCookies([session]);
        const replayed = await page.goto(`${b.url}/console`);
        expect(replayed?.status()).toBe(401);
        expect(await page.getByLabel('API key').count()).toBe(1);
      } finally {
        at('closing the browser context');
        await context.close();
        at('closing gateway A');
        await a.gw.close();
        at('closing gateway B');
        await b.gw.close();
        at('closing the stub peer');
        await stub.close();
        at('done');
      }
    });
  });
});
