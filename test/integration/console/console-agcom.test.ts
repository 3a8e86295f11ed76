/** The console on AGCOM cases: the procedure's partial, and its managerial answer through the form. */
import { afterEach, expect, it, vi } from 'vitest';
import { describeEachBackend } from '../../support/backends.js';
import { http } from '../../support/http-pair.js';
import { agcomMigration, caseOf, startAgcomPair, untilA, type AgcomPair } from '../../support/agcom-pair.js';
import { API_KEY } from '../../support/gateway-pair.js';
import { consoleGet, consoleLogin, consolePost } from '../../support/console-client.js';

// whole gateways on a shared two-core machine: generous, never a timing assertion
vi.setConfig({ testTimeout: 120_000 });

const migration = agcomMigration();

describeEachBackend('console on AGCOM cases', ({ open }) => {
  let pair: AgcomPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('shows the AGCOM section and answers the managerial validation through the form, with the API\'s field errors', async () => {
    pair = await startAgcomPair(open, open, { protocol: 'agcom-json' });
    const created = await http(pair.a, 'POST', '/v1/switches', migration);
    expect(created.status, created.text).toBe(201);
    const id = created.data.id as string;
    await untilA(pair, async () => expect((await caseOf(pair!.a, id)).state).toBe('AWAITING_MANAGERIAL'));
    const b = pair.b.gw;
    expect((await caseOf(pair.b, id)).state).toBe('AWAITING_MANAGERIAL');

    const s = await consoleLogin(b, API_KEY);
    const page = await consoleGet(b, `/console/cases/${encodeURIComponent(id)}`, s.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('AGCOM migration');
    expect(page.body).toContain('id="action-answer"');
    expect(page.body).toContain('Managerial validation');
    expect(page.body).not.toContain('id="action-cancel"'); // the Donating does not cancel

    // KO without its category: the REST schema's error, next to the category field
    const viaRest = await http(pair.b, 'POST', `/v1/switches/${encodeURIComponent(id)}/answer`, { result: 'reject' });
    expect(viaRest.status).toBe(400);
    const ko = await consolePost(b, `/console/cases/${encodeURIComponent(id)}/actions/answer`, { result: 'reject', _csrf: s.csrf }, s.cookie);
    expect(ko.statusCode).toBe(400);
    const categoryField = ko.body.slice(ko.body.indexOf('name="category"'), ko.body.indexOf('name="reason"'));
    expect(categoryField).toContain('class="field-error"');
    const restIssue = (viaRest.data.errors as { path: string; message: string }[]).find((e) => e.path === '/category');
    expect(restIssue).toBeDefined();
    expect(categoryField).toContain(restIssue!.message.replace(/"/g, '&quot;').replace(/'/g, '&#39;'));
    expect((await caseOf(pair.b, id)).state).toBe('AWAITING_MANAGERIAL');

    const ok = await consolePost(b, `/console/cases/${encodeURIComponent(id)}/actions/answer`, { result: 'accept', sessionCode: 'SESS-42', _csrf: s.csrf }, s.cookie);
    expect(ok.statusCode, ok.body).toBe(303);
    expect((await caseOf(pair.b, id)).state).toBe('VALIDATED');
    await untilA(pair, async () => expect((await caseOf(pair!.a, id)).state).toBe('VALIDATED'));

    // the Recipient may now reschedule or cancel; its page offers exactly that
    const sa = await consoleLogin(pair.a.gw, API_KEY);
    const recipientPage = await consoleGet(pair.a.gw, `/console/cases/${encodeURIComponent(id)}`, sa.cookie);
    expect(recipientPage.body).toContain('id="action-reschedule"');
    expect(recipientPage.body).toContain('id="action-cancel"');
    expect(recipientPage.body).not.toContain('id="action-answer"');
    expect(recipientPage.body).toContain('SESS-42');
  });
});
