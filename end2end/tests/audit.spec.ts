// The Audit log screen (/audit, audit:read): an impersonation made through
// the REST API and opened in the browser, then found by the Auditor with the
// impersonator's name picker and "All impersonation events"; its events'
// panel, its timeline with the time between steps, the same view after a
// reload (the filters live in the URL), the per-day chart, the export links
// and their progress bar (the file saved matches the filter), and "Verify
// integrity" in parts with its progress bar (a forged position cannot
// continue it). Someone without audit:read gets the no-access page.
import fs from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { DEMO_ADMIN, DEMO_AUDITOR } from '../support/env';
import { expect, open, screenshot, submitSignIn, test, waitForHydration } from '../support/fixtures';
import { ManagementApi, uniqueName } from '../support/management';
import { forgedPosition, parseCsv, slowExportBodies, smallVerifyParts } from '../support/audit-progress';

test.describe.configure({ mode: 'serial', timeout: 120_000 });

interface Person {
  id: string;
  email: string;
}

let base: string;
let mgmt: ManagementApi;
let admin: Person;
let customer: Person;
let impersonationId: string;
/** Unique to this run: the reason of the impersonation, to find its events. */
const REASON = uniqueName('E2E audit log');
const TICKET = 'SUP-4242';

/** No serious or critical axe violation on what the page shows now. */
async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const found = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`);
  expect(found, found.join('\n')).toEqual([]);
}

async function person(email: string): Promise<Person> {
  const found = await mgmt.call<{ users: Array<{ id: string; email: string }> }>(
    'GET',
    `users?q=${encodeURIComponent(email)}`,
    200,
  );
  const u = found.users.find((u) => u.email === email);
  if (!u) throw new Error(`no user ${email}`);
  return { id: u.id, email: u.email };
}

/** A demo customer on the default connection (holding only that role). */
async function someCustomer(): Promise<Person> {
  const roles = await mgmt.call<{ roles: Array<{ id: string; name: string }> }>('GET', 'roles?q=Customer', 200);
  const role = roles.roles.find((r) => r.name === 'Customer')!.id;
  const page = await mgmt.call<{ users: Array<Record<string, unknown>> }>('GET', 'users?blocked=false&limit=100', 200);
  const u = page.users.find(
    (u) =>
      Array.isArray(u.roles) &&
      u.roles.length === 1 &&
      u.roles[0] === role &&
      u.connection_name === 'Username-Password-Authentication' &&
      !String(u.email).startsWith('customer@'),
  );
  if (!u) throw new Error('no demo customer found');
  return { id: u.id as string, email: u.email as string };
}

/** Signs in as the Auditor, who lands on Impersonations, and opens the Audit log from the navigation. */
async function auditorOpensAuditLog(page: Page) {
  await page.context().clearCookies();
  await submitSignIn(page, DEMO_AUDITOR.email, DEMO_AUDITOR.password);
  await expect(page).toHaveURL(/\/impersonations$/);
  await waitForHydration(page);
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Audit log' }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
}

/** The desktop table's rows of events. */
function rows(page: Page): Locator {
  return page.getByRole('table', { name: 'Audit events, newest first' }).getByTestId('audit-row');
}

/** The rows of this spec's impersonation, as they must read, newest first. */
async function expectOurRows(page: Page) {
  const list = rows(page);
  await expect(list).toHaveCount(3);
  const actions = ['Tokens issued', 'Link opened', 'Link created'];
  for (const [i, action] of actions.entries()) {
    const row = list.nth(i);
    await expect(row).toContainText(action);
    await expect(row).toContainText(DEMO_ADMIN.email);
    await expect(row).toContainText(customer.email);
    await expect(row).toContainText('Sample App');
    await expect(row).toContainText('Success');
    // A relative time, the exact one on hover.
    await expect(row.locator('time')).toHaveText(/just now|\d+ s ago|\d+ min ago/);
    await expect(row.locator('time')).toHaveAttribute('title', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  }
  // Names, never bare ids.
  await expect(list.first()).not.toContainText(admin.id);
  await expect(page.getByTestId('audit-total')).toContainText('3 events');
}

test.beforeAll(async ({ baseURL }) => {
  base = baseURL!;
  mgmt = await ManagementApi.connect(base);
  admin = await person(DEMO_ADMIN.email);
  customer = await someCustomer();
});

// The suite shares one server: the session this spec opened ends with it
// (other specs count the live impersonations of a customer).
test.afterAll(async () => {
  if (mgmt && impersonationId) await mgmt.call('POST', `impersonations/${impersonationId}/revoke`, 200);
});

test('an impersonation made and opened lands in the log, step by step', async ({ page }) => {
  const minted = await mgmt.call<{ url: string; impersonation_id: string }>('POST', `users/${customer.id}/impersonation`, 201, {
    impersonator_id: admin.id,
    client_id: 'sample-app',
    reason: REASON,
    ticket: TICKET,
    state: '/audit-e2e',
  });
  impersonationId = minted.impersonation_id;
  // Some time between the steps, for the timeline to count.
  await page.waitForTimeout(1_100);
  await page.goto(minted.url);
  await expect(page.getByTestId('impersonation-banner')).toContainText(`impersonated by ${DEMO_ADMIN.email}`);
});

test('the Auditor finds it with the pickers, and the URL keeps the view', async ({ page }, testInfo) => {
  await auditorOpensAuditLog(page);
  await waitForHydration(page);
  await expect(rows(page).first()).toBeVisible();
  await screenshot(page, testInfo, 'audit-list');

  // The impersonator, by name: suggestions from what the log recorded.
  const actor = page.getByRole('combobox', { name: 'Actor' });
  await actor.fill('admin@masq');
  const suggestion = page.getByRole('listbox', { name: 'Actor suggestions' }).getByRole('option', { name: new RegExp(DEMO_ADMIN.email) });
  await expect(suggestion).toBeVisible();
  await screenshot(page, testInfo, 'audit-picker');
  await suggestion.click();
  await expect(page).toHaveURL(new RegExp(`[?&]actor=${admin.id}(&|$)`));
  const chosen = page.getByTestId('f-actor-chosen');
  await expect(chosen).toContainText(DEMO_ADMIN.email);

  await page.getByLabel('Action', { exact: true }).selectOption({ label: 'All impersonation events' });
  await expect(page).toHaveURL(/[?&]action=impersonation\.(&|$)/);
  // This run's impersonation alone, by its reason.
  await page.getByLabel('Reason or ticket').fill(REASON);
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(page).toHaveURL(/[?&]q=/);
  await expectOurRows(page);
  await expectAccessible(page);
  await screenshot(page, testInfo, 'audit-filtered');

  // Export links carry the same filters (the download itself is the server's).
  const url = new URL(page.url());
  const csv = page.getByRole('link', { name: 'Export CSV' });
  await expect(csv).toHaveAttribute('href', `/audit/export?format=csv&${url.search.slice(1)}`);
  await expect(page.getByRole('link', { name: 'Export JSON Lines' })).toHaveAttribute('href', `/audit/export?format=jsonl&${url.search.slice(1)}`);

  // A shared URL reproduces the view after a reload.
  await page.reload();
  await waitForHydration(page);
  await expectOurRows(page);
  await expect(page.getByTestId('f-actor-chosen')).toContainText(DEMO_ADMIN.email);
  await expect(page.getByLabel('Action', { exact: true })).toHaveValue('impersonation.');
  await expect(page.getByLabel('Reason or ticket')).toHaveValue(REASON);

  // The chart: impersonation events per day, an SVG that says what it shows.
  const chart = page.getByTestId('audit-chart');
  const svg = chart.locator('svg[role="img"]');
  await expect(svg).toHaveAttribute('aria-label', /^Impersonation events per day from \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d: 3 in all, 3 success, 0 denied, 0 failure\./);
  await expect(svg.locator('rect').first()).toBeVisible();
  await chart.getByText('Show as table').click();
  await expect(chart.getByRole('table')).toContainText('3');
  await screenshot(page, testInfo, 'audit-chart');

  // Clearing the actor widens the view again, the other filters kept.
  await chosen.getByRole('button', { name: 'Clear the actor filter' }).click();
  await expect(page).not.toHaveURL(/[?&]actor=/);
  await expect(page).toHaveURL(/[?&]action=impersonation\./);
  await expect(rows(page)).toHaveCount(3);
});

test('the event panel shows every field, and the timeline every step with the time between', async ({ page }, testInfo) => {
  await auditorOpensAuditLog(page);
  await open(page, `/audit?actor=${admin.id}&action=impersonation.&q=${encodeURIComponent(REASON)}`);
  await expectOurRows(page);
  await rows(page).filter({ hasText: 'Link created' }).getByRole('link', { name: /^Details/ }).click();
  const panel = page.getByRole('dialog', { name: 'Event details' });
  await expect(panel).toBeVisible();
  await expect(page).toHaveURL(/[?&]event=/);
  const detail = panel.getByTestId('event-detail');
  await expect(detail).toContainText('Link created');
  await expect(detail).toContainText('impersonation.link_created');
  await expect(detail).toContainText(DEMO_ADMIN.email);
  await expect(detail).toContainText(customer.email);
  await expect(detail).toContainText('Sample App');
  await expect(detail).toContainText(TICKET);
  await expect(detail).toContainText('User agent');
  await expect(detail).toContainText('IP address');
  await expect(detail).toContainText('2: every field');
  await expect(detail).toContainText(/[0-9a-f]{64}/);
  await expect(panel.getByTestId('event-data')).toContainText(`"reason": "${REASON}"`);
  await expect(panel.getByTestId('event-data')).toContainText(`"impersonation_id": "${impersonationId}"`);
  await expectAccessible(page);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, testInfo, 'audit-drawer');
  await panel.getByTestId('event-data').scrollIntoViewIfNeeded();
  await screenshot(page, testInfo, 'audit-drawer-details');

  await panel.getByRole('link', { name: 'View impersonation timeline' }).click();
  const timelinePanel = page.getByRole('dialog', { name: 'Impersonation timeline' });
  await expect(timelinePanel).toBeVisible();
  const timeline = timelinePanel.getByTestId('timeline');
  await expect(timeline).toContainText(`${DEMO_ADMIN.email} signed in as ${customer.email} into Sample App`);
  await expect(timeline).toContainText(REASON);
  const steps = timeline.getByTestId('timeline-step');
  await expect(steps).toHaveCount(3);
  await expect(steps.nth(0)).toContainText('Link created');
  await expect(steps.nth(0).getByTestId('timeline-after')).toHaveText('start');
  await expect(steps.nth(1)).toContainText('Link opened');
  // The link was opened more than a second after it was made.
  await expect(steps.nth(1).getByTestId('timeline-after')).toHaveText(/^after ([1-9]\d* s|\d+ min( \d+ s)?)$/);
  await expect(steps.nth(2)).toContainText('Tokens issued');
  await expect(steps.nth(2).getByTestId('timeline-after')).toHaveText(/^after \d+ (s|min)/);
  await expectAccessible(page);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, testInfo, 'audit-timeline');

  // The panel's place is in the URL too.
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByRole('dialog', { name: 'Impersonation timeline' }).getByTestId('timeline-step')).toHaveCount(3);
  // Back to the event, then closed with Escape.
  await page.getByRole('link', { name: '← Back to the event' }).click();
  await expect(page.getByRole('dialog', { name: 'Event details' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page).not.toHaveURL(/[?&]event=/);
});

test('Verify integrity walks the chain with a progress bar and says it is intact', async ({ page }, testInfo) => {
  await auditorOpensAuditLog(page);
  await waitForHydration(page);
  const parts = await smallVerifyParts(page, 1_500);
  await page.getByRole('button', { name: 'Verify integrity' }).click();
  await expect(page.getByRole('button', { name: 'Verifying…' })).toBeDisabled();
  const progress = page.getByTestId('verify-progress');
  const bar = progress.getByRole('progressbar', { name: 'Verifying the chain of every event and its checkpoints…' });
  // Part-way: some events checked, not all.
  await expect(bar).toHaveAttribute('aria-valuenow', /^[1-9]\d*$/);
  const done = Number(await bar.getAttribute('aria-valuenow'));
  const total = Number(await bar.getAttribute('aria-valuemax'));
  expect(done).toBeLessThan(total);
  await expect(progress).toContainText(/^.*\d[\d,]* of \d[\d,]* events verified/);
  await expect(progress.getByRole('button', { name: 'Cancel' })).toBeVisible();
  await screenshot(page, testInfo, 'audit-verify-progress');
  await expect(progress).toBeVisible();
  await expectAccessible(page);

  const result = page.getByTestId('verify-result');
  await expect(result).toContainText(/(\d+) events verified, chain intact up to seq (\d+)\./, { timeout: 60_000 });
  await expect(result).toContainText('Integrity verified');
  await expect(progress).toHaveCount(0);
  const [, events, seq] = (await result.textContent())!.match(/(\d+) events verified, chain intact up to seq (\d+)\./)!;
  expect(Number(events)).toBeGreaterThanOrEqual(total);
  expect(Number(seq)).toBeGreaterThanOrEqual(Number(events));
  expect(parts.parts(), 'parts asked for').toBeGreaterThanOrEqual(3);
  // The check itself is recorded, once.
  await expect(rows(page).first()).toContainText('Audit log verified');
  await expect(page.getByRole('button', { name: 'Verify integrity' })).toBeEnabled();
  await screenshot(page, testInfo, 'audit-verified');
});

test('a forged position cannot continue the check, and Cancel stops it', async ({ page }, testInfo) => {
  await auditorOpensAuditLog(page);
  await waitForHydration(page);
  // The second part's position edited to skip ahead: the signature no longer fits.
  await smallVerifyParts(page, 0, (form, part) => {
    const position = form.get('position');
    if (part === 2 && position) form.set('position', forgedPosition(position, (c) => (c.after_seq = Number(c.after_seq) + 1_000)));
  });
  await page.getByRole('button', { name: 'Verify integrity' }).click();
  const result = page.getByTestId('verify-result');
  await expect(result).toHaveText('This check cannot be continued (it expired or is not yours). Start it again.');
  await expect(result).toHaveAttribute('role', 'alert');
  await screenshot(page, testInfo, 'audit-verify-forged');

  // Cancel part-way: nothing concluded.
  await page.unrouteAll({ behavior: 'wait' });
  await smallVerifyParts(page, 1_500);
  await page.getByRole('button', { name: 'Verify integrity' }).click();
  await expect(page.getByTestId('verify-progress').getByRole('progressbar')).toHaveAttribute('aria-valuenow', /^[1-9]\d*$/);
  await page.getByTestId('verify-progress').getByRole('button', { name: 'Cancel' }).click();
  await expect(result).toHaveText(/^Check cancelled after [\d,]+ events\. Nothing was concluded or recorded\.$/);
  await page.waitForTimeout(2_000);
  await expect(result).toContainText('Check cancelled', { timeout: 1_000 });
});

test('Export CSV shows its progress and saves the rows of the filter', async ({ page }, testInfo) => {
  await slowExportBodies(page);
  await auditorOpensAuditLog(page);
  await open(page, `/audit?actor=${admin.id}&action=impersonation.&q=${encodeURIComponent(REASON)}`);
  await expectOurRows(page);
  await waitForHydration(page);

  // This run's impersonation: three rows, as the list shows them.
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^masquerade-audit-\d{4}-\d\d-\d\dT[\d-]+Z\.csv$/);
  const records = parseCsv(fs.readFileSync((await file.path())!, 'utf8'));
  const [header, ...data] = records;
  expect(header.slice(0, 5)).toEqual(['seq', 'id', 'time', 'action', 'outcome']);
  expect(data).toHaveLength(3);
  const col = (name: string) => header.indexOf(name);
  for (const row of data) {
    expect(row).toHaveLength(header.length);
    expect(row[col('action')]).toMatch(/^impersonation\./);
    expect(row[col('actor_id')]).toBe(admin.id);
    expect(row[col('actor_name')]).toBe(DEMO_ADMIN.email);
    expect(row[col('reason')]).toBe(REASON);
    expect(row[col('impersonation_id')]).toBe(impersonationId);
  }
  expect(data.map((r) => r[col('action')])).toEqual([
    'impersonation.link_created',
    'impersonation.link_redeemed',
    'impersonation.tokens_issued',
  ]);
  await expect(page.getByTestId('export-result')).toHaveText(/^Exported 3 rows to masquerade-audit-.+\.csv\.$/);

  // The whole log, arriving slowly: the bar counts rows against X-Total-Rows.
  await open(page, '/audit');
  await waitForHydration(page);
  await page.evaluate(() => (window.__e2eSlowExport = 250));
  const whole = page.waitForEvent('download', { timeout: 90_000 });
  await page.getByRole('link', { name: 'Export JSON Lines' }).click();
  const progress = page.getByTestId('export-progress');
  const bar = progress.getByRole('progressbar', { name: 'Exporting JSON Lines…' });
  await expect(bar).toHaveAttribute('aria-valuenow', /^[1-9]\d*$/);
  const total = Number(await bar.getAttribute('aria-valuemax'));
  expect(Number(await bar.getAttribute('aria-valuenow'))).toBeLessThan(total);
  await expect(progress).toContainText(/^.*[\d,]+ of [\d,]+ rows · (about [\dminhs ]+ left|estimating the time left)/);
  await expect(progress).toContainText(/about [\dminhs ]+ left/);
  await screenshot(page, testInfo, 'audit-export-progress');
  await expect(progress).toBeVisible();
  await expectAccessible(page);
  const lines = fs.readFileSync((await (await whole).path())!, 'utf8').trimEnd().split('\n');
  expect(lines).toHaveLength(total);
  for (const line of lines) expect(JSON.parse(line)).toHaveProperty('seq');
  await expect(page.getByTestId('export-result')).toHaveText(`Exported ${total.toLocaleString('en-US')} rows to ${(await whole).suggestedFilename()}.`);
  await screenshot(page, testInfo, 'audit-export-done');

  // Cancel part-way: no file.
  let saved = false;
  page.on('download', () => (saved = true));
  await page.getByRole('link', { name: 'Export CSV' }).click();
  await expect(progress.getByRole('progressbar')).toHaveAttribute('aria-valuenow', /^[1-9]\d*$/);
  await progress.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('export-result')).toHaveText('Export cancelled. Nothing was saved.');
  await page.waitForTimeout(1_000);
  expect(saved, 'a cancelled export saves nothing').toBe(false);
  await page.evaluate(() => (window.__e2eSlowExport = 0));

  // Refusals and a lost connection are said in words.
  await page.route('**/audit/export?*', (route) => route.fulfill({ status: 403, contentType: 'text/plain', body: 'This needs the audit:read permission.' }));
  await page.getByRole('link', { name: 'Export CSV' }).click();
  await expect(page.getByTestId('export-result')).toHaveText('You need the audit:read permission to export the audit log.');
  await page.unrouteAll({ behavior: 'wait' });
  await page.route('**/audit/export?*', (route) => route.abort('connectionreset'));
  await page.getByRole('link', { name: 'Export CSV' }).click();
  await expect(page.getByTestId('export-result')).toHaveText('The server could not be reached. Check the connection and try again.');
  await expect(page.getByTestId('export-result')).toHaveAttribute('role', 'alert');
  await screenshot(page, testInfo, 'audit-export-error');
});

test('keyset pages: Older and Newest, with the total', async ({ page }, testInfo) => {
  // A user of this spec's own, changed 52 times: 53 events name them.
  const email = `${uniqueName('paged').replace(/\s+/g, '-').toLowerCase()}@masquerade.test`;
  const user = await mgmt.call<{ id: string }>('POST', 'users', 201, { email, name: 'Paged 0', password: 'paged-user-password-1' });
  try {
    for (let i = 1; i <= 52; i++) {
      await mgmt.call('PATCH', `users/${user.id}`, 200, { name: `Paged ${i}` });
    }
    await auditorOpensAuditLog(page);
    await open(page, `/audit?target=${user.id}`);
    await expect(page.getByTestId('f-target-chosen')).toContainText(email);
    await expect(page.getByTestId('audit-total')).toHaveText('53 events · showing the newest 50');
    await expect(rows(page)).toHaveCount(50);
    await expect(rows(page).first()).toContainText('User updated');
    await expect(page.getByRole('button', { name: '← Newest' })).toBeDisabled();
    await page.getByRole('link', { name: 'Older →' }).click();
    await expect(page).toHaveURL(/[?&]before=\d+/);
    await expect(page.getByTestId('audit-total')).toHaveText('53 events · showing 3 older');
    await expect(rows(page)).toHaveCount(3);
    await expect(rows(page).last()).toContainText('User created');
    await expect(page.getByRole('button', { name: 'Older →' })).toBeDisabled();
    await screenshot(page, testInfo, 'audit-older-page');
    await page.getByRole('link', { name: '← Newest' }).click();
    await expect(page).not.toHaveURL(/[?&]before=/);
    await expect(rows(page)).toHaveCount(50);
  } finally {
    await mgmt.call('DELETE', `users/${user.id}`, 204);
  }
});

test('on a narrow screen the events are cards and the panel fills the screen', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await auditorOpensAuditLog(page);
  await open(page, `/audit?action=impersonation.&q=${encodeURIComponent(REASON)}`);
  const cards = page.getByRole('list', { name: 'Audit events, newest first' }).getByRole('listitem');
  await expect(cards).toHaveCount(3);
  await expect(cards.first()).toContainText('Tokens issued');
  // Nothing wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, 'pixels of sideways scrolling').toBeLessThanOrEqual(0);
  // The filters fold away, saying how many are set.
  const actor = page.getByRole('combobox', { name: 'Actor' });
  await expect(actor).toBeHidden();
  await screenshot(page, testInfo, 'audit-narrow');
  await page.getByRole('button', { name: 'Filters · 2 set' }).click();
  await expect(actor).toBeVisible();
  await expect(page.getByLabel('Reason or ticket')).toHaveValue(REASON);
  await screenshot(page, testInfo, 'audit-narrow-filters');
  await cards.filter({ hasText: 'Link opened' }).getByRole('link', { name: /^Details/ }).click();
  await expect(page.getByRole('dialog', { name: 'Event details' })).toContainText('impersonation.link_redeemed');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, testInfo, 'audit-narrow-drawer');
});

test('bad filters in the address are explained, and an empty result says so', async ({ page }, testInfo) => {
  await auditorOpensAuditLog(page);
  await open(page, '/audit?from=12/01/2026&outcome=maybe');
  const alert = page.getByRole('alert').filter({ hasText: 'Some filters in the address cannot be used' });
  await expect(alert).toContainText('From: A day is written YYYY-MM-DD.');
  await expect(alert.getByRole('link', { name: 'Clear all filters' })).toBeVisible();
  await screenshot(page, testInfo, 'audit-bad-filters');

  // Filters that match nothing say so, the chart too.
  await open(page, '/audit?range=7d&q=no-such-reason-anywhere');
  await expect(page.getByText('No events match these filters.')).toBeVisible();
  await expect(page.getByTestId('audit-total')).toHaveText('0 events');
  await expect(page.getByTestId('audit-chart')).toContainText('No impersonation events in this range.');
  await expect(page.getByRole('button', { name: '7 days' })).toHaveAttribute('aria-pressed', 'true');
  await screenshot(page, testInfo, 'audit-empty');
});

test("a user's Impersonation history opens the same timeline", async ({ page }, testInfo) => {
  // The Support agent holds users:read, impersonation:read and audit:read.
  await page.context().clearCookies();
  await submitSignIn(page, 'support@masquerade.test', 'masquerade-demo');
  await expect(page).toHaveURL(/\/users$/);
  await open(page, `/users/${customer.id}`);
  await page.getByRole('tab', { name: 'Impersonation history' }).click();
  const row = page.getByRole('row').filter({ hasText: REASON });
  await row.getByRole('button', { name: /^Timeline/ }).click();
  const panel = page.getByRole('dialog', { name: 'Impersonation timeline' });
  await expect(panel.getByTestId('timeline-step')).toHaveCount(3);
  await expect(panel.getByTestId('timeline-step').nth(2)).toContainText('Tokens issued');
  await screenshot(page, testInfo, 'audit-user-timeline');
  await panel.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
});

test('without audit:read the page says so, and the navigation has no Audit log', async ({ page }, testInfo) => {
  const { apis } = await mgmt.call<{ apis: Array<{ id: string; builtin: boolean }> }>('GET', 'apis', 200);
  const management = apis.find((a) => a.builtin)!;
  const role = await mgmt.call<{ id: string }>('POST', 'roles', 201, {
    name: uniqueName('Users reader'),
    description: 'E2E: users:read only',
  });
  await mgmt.call('POST', `roles/${role.id}/permissions`, 200, {
    permissions: [{ api_id: management.id, permission: 'users:read' }],
  });
  const email = `${uniqueName('reader').replace(/\s+/g, '-').toLowerCase()}@masquerade.test`;
  const password = 'users-reader-password-1';
  const user = await mgmt.call<{ id: string }>('POST', 'users', 201, { email, name: 'Users Reader', password });
  try {
    await mgmt.call('POST', `users/${user.id}/roles`, 200, { roles: [role.id] });
    await page.context().clearCookies();
    await submitSignIn(page, email, password);
    await expect(page).toHaveURL(/\/users$/);
    await waitForHydration(page);
    await expect(page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Audit log' })).toHaveCount(0);
    await open(page, '/audit');
    await expect(page.getByRole('heading', { name: "You don't have access to this page" })).toBeVisible();
    await expect(page.getByRole('alert')).toContainText('audit:read');
    await screenshot(page, testInfo, 'audit-no-access');
    // The server refuses too, whatever the page shows.
    const res = await page.request.post('/api/audit_choices', { headers: { origin: base }, form: {} });
    expect(res.status()).toBe(403);
    expect(await res.text()).toContain('audit:read');
  } finally {
    await mgmt.call('DELETE', `users/${user.id}`, 204);
    await mgmt.call('DELETE', `roles/${role.id}`, 204);
  }
});
