// Settings → Log streams: audit retention, and a webhook stream delivering
// the audit log to a small HTTP receiver started here (signed batches,
// "up to date"), its error shown while the receiver answers 503 and gone
// once it recovers, the paused state with Resume, field errors, the
// refusal of file streams on a server without a log stream directory, a
// read-only view, and a narrow screen.
//
// The suite shares one server and database: the streams are removed and
// retention put back at the end (afterAll), whatever happened between.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Locator, Page } from '@playwright/test';
import { DEMO_ADMIN, DEMO_AUDITOR } from '../support/env';
import { expect, open, screenshot, signIn, submitSignIn, test, waitForHydration } from '../support/fixtures';
import { ManagementApi, uniqueName } from '../support/management';

test.describe.configure({ mode: 'serial', timeout: 120_000 });

const SECRET = 'e2e-webhook-secret-0123456789';
const STREAM = 'SIEM (e2e)';

interface Delivery {
  timestamp: string;
  signature: string;
  body: string;
  records: Array<Record<string, unknown>>;
}

/** A webhook receiver on 127.0.0.1: keeps what it is sent, answers `status`. */
class Receiver {
  status = 200;
  deliveries: Delivery[] = [];
  private server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      if (this.status === 200) {
        let records: Array<Record<string, unknown>> = [];
        try {
          records = JSON.parse(body).records ?? [];
        } catch {
          /* kept as it came */
        }
        this.deliveries.push({
          timestamp: String(req.headers['x-masquerade-timestamp'] ?? ''),
          signature: String(req.headers['x-masquerade-signature'] ?? ''),
          body,
          records,
        });
      }
      res.writeHead(this.status, { 'content-type': 'text/plain' });
      res.end(this.status === 200 ? 'ok' : 'unavailable');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  records(): Array<Record<string, unknown>> {
    return this.deliveries.flatMap((d) => d.records);
  }
}

let mgmt: ManagementApi;
let original: { retention_days: number };
let receiver: Receiver;
let hookUrl: string;

test.beforeAll(async ({ baseURL }) => {
  mgmt = await ManagementApi.connect(baseURL!);
  original = await mgmt.call('GET', 'settings/audit', 200);
  // Start from no stream (a run before this one may have stopped midway).
  await mgmt.call('PUT', 'settings/audit', 200, { retention_days: original.retention_days, streams: [] });
  receiver = new Receiver();
  hookUrl = await receiver.start();
});

test.afterAll(async () => {
  if (mgmt) await mgmt.call('PUT', 'settings/audit', 200, { retention_days: original?.retention_days ?? 0, streams: [] });
  if (receiver) await receiver.stop();
});

function toast(page: Page, text: string | RegExp): Locator {
  return page.getByRole('status').filter({ hasText: text });
}

async function saved(page: Page) {
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(toast(page, 'Log stream settings saved').last()).toBeVisible();
}

function card(page: Page, name: string): Locator {
  return page.getByRole('article', { name });
}

/** Something that writes an audit event: a role made and deleted. */
async function someEvents() {
  const role = await mgmt.call<{ id: string }>('POST', 'roles', 201, {
    name: uniqueName('Stream probe'),
    description: 'E2E: an audit event for the log stream',
  });
  await mgmt.call('DELETE', `roles/${role.id}`, 204);
}

test('the administrator adds a webhook: field errors first, then events arrive signed and it is up to date', async ({ page }, testInfo) => {
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await open(page, '/settings/streams');
  await expect(page.getByRole('heading', { level: 1, name: 'Log streams' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Log streams' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByLabel('Keep every event')).toBeChecked();
  await expect(page.getByLabel('Days to keep events')).toBeDisabled();
  await expect(page.getByText(/Only a whole prefix of the chain goes/)).toBeVisible();
  await expect(page.getByText("No log stream yet: the events stay in Masquerade's own audit log only.")).toBeVisible();
  await screenshot(page, testInfo, 'streams-empty');

  // A webhook with a URL that is none and a short secret, and a file
  // stream on a server without a log stream directory: every problem next
  // to its field, in one answer.
  await page.getByRole('button', { name: 'Add webhook' }).click();
  const hook = card(page, 'New webhook');
  await hook.getByLabel('Name', { exact: true }).fill(STREAM);
  const webhook = card(page, STREAM);
  await webhook.getByLabel('URL').fill('not a url');
  await webhook.getByLabel('Signing secret').fill('short');
  await expect(webhook.getByText(/X-Masquerade-Signature: v1=<hex>/)).toBeVisible();
  const filesOff = await page.getByTestId('file-streams-off').isVisible();
  await page.getByRole('button', { name: 'Add JSON Lines file' }).click();
  const file = card(page, 'New json lines file');
  await file.getByLabel('Name', { exact: true }).fill('Archive (e2e)');
  await card(page, 'Archive (e2e)').getByLabel('File name').fill('audit.jsonl');
  await expect(page.getByTestId('unsaved')).toHaveText('Unsaved changes');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(webhook.getByText('An http(s) URL.')).toBeVisible();
  await expect(webhook.getByLabel('URL')).toHaveAttribute('aria-invalid', 'true');
  await expect(webhook.getByText('A secret of at least 16 characters signs each batch.')).toBeVisible();
  await expect(webhook.getByLabel('Signing secret')).toHaveAttribute('aria-invalid', 'true');
  if (filesOff) {
    await expect(card(page, 'Archive (e2e)').getByText('File streams are off on this server: set MASQUERADE_AUDIT_STREAM_DIR.')).toBeVisible();
    await expect(card(page, 'Archive (e2e)').getByLabel('File name')).toHaveAttribute('aria-invalid', 'true');
  }
  await expect(page.getByText('Please correct the highlighted fields.')).toBeVisible();
  await screenshot(page, testInfo, 'streams-errors');
  // Nothing was saved.
  expect((await mgmt.call<{ streams: unknown[] }>('GET', 'settings/audit', 200)).streams).toEqual([]);

  // Not saved yet, the file stream goes without a question.
  await card(page, 'Archive (e2e)').getByRole('button', { name: 'Remove Archive (e2e)' }).click();
  await expect(card(page, 'Archive (e2e)')).toHaveCount(0);
  await webhook.getByLabel('URL').fill(hookUrl);
  await webhook.getByLabel('Signing secret').fill(SECRET);
  await saved(page);
  await expect(webhook.getByTestId('stream-target')).toHaveText(hookUrl);
  await expect(webhook.getByTestId('stream-state')).toHaveText('Up to date', { timeout: 60_000 });
  await expect(webhook.getByTestId('stream-status')).toContainText('Up to date');
  await expect(webhook.getByTestId('stream-status')).toContainText(/Event #\d+/);
  await expect(webhook.getByTestId('stream-status')).toContainText(/UTC \(less than a minute ago\)/);

  // At the receiver: batches of events, in order, each signed over
  // "<timestamp>.<body>" with the secret.
  await expect.poll(() => receiver.deliveries.length).toBeGreaterThan(0);
  for (const d of receiver.deliveries) {
    const hmac = crypto.createHmac('sha256', SECRET).update(`${d.timestamp}.${d.body}`).digest('hex');
    expect(d.signature).toBe(`v1=${hmac}`);
  }
  const seqs = receiver.records().filter((r) => r.type === 'event').map((r) => r.seq as number);
  expect(seqs.length).toBeGreaterThan(0);
  expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  // The save itself is among them, with the secret left out.
  await expect
    .poll(() => receiver.records().filter((r) => r.action === 'settings.updated' && JSON.stringify(r.details).includes(STREAM)).length)
    .toBeGreaterThan(0);
  const change = receiver.records().find((r) => r.action === 'settings.updated' && JSON.stringify(r.details).includes(STREAM))!;
  expect(JSON.stringify(change)).not.toContain(SECRET);

  // Saved: the secret is write-only.
  await page.reload();
  await waitForHydration(page);
  await card(page, STREAM).getByRole('button', { name: 'Edit' }).click();
  await expect(card(page, STREAM).getByLabel('Signing secret')).toHaveValue('');
  await expect(card(page, STREAM).getByLabel('Signing secret')).toHaveAttribute('placeholder', 'Secret set — leave blank to keep');
  await card(page, STREAM).getByRole('button', { name: 'Done' }).click();
  await screenshot(page, testInfo, 'streams-up-to-date');

  // Send test event: one record of type test reaches the receiver now.
  await card(page, STREAM).getByRole('button', { name: 'Send test event' }).click();
  await expect(card(page, STREAM).getByRole('status').filter({ hasText: 'Test event delivered.' })).toBeVisible();
  await expect.poll(() => receiver.records().filter((r) => r.type === 'test').length).toBeGreaterThan(0);
  await card(page, STREAM).scrollIntoViewIfNeeded();
  await screenshot(page, testInfo, 'streams-test-send');
});

test('a receiver answering 503 shows the error, and the stream catches up when it recovers', async ({ page }, testInfo) => {
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await open(page, '/settings/streams');
  const webhook = card(page, STREAM);
  await expect(webhook.getByTestId('stream-state')).toHaveText('Up to date', { timeout: 30_000 });

  receiver.status = 503;
  await someEvents();
  // The page reads the status again by itself.
  await expect(webhook.getByTestId('stream-state')).toHaveText('Failing', { timeout: 30_000 });
  const failing = webhook.getByTestId('stream-failing');
  await expect(failing).toContainText(`Last error: ${hookUrl} answered 503 Service Unavailable`);
  await expect(failing).toContainText(/Failing since .* UTC \(.*\)\. Tried again with growing waits; paused at .* UTC if it keeps failing\./);
  await expect(webhook.getByTestId('stream-status')).toContainText(/\d+ events? behind/);
  await screenshot(page, testInfo, 'streams-failing');

  const before = receiver.records().length;
  receiver.status = 200;
  await expect(webhook.getByTestId('stream-state')).toHaveText('Up to date', { timeout: 60_000 });
  await expect(failing).toHaveCount(0);
  expect(receiver.records().length).toBeGreaterThan(before);
  expect(receiver.records().filter((r) => r.action === 'role.deleted').length).toBeGreaterThan(0);
});

test('a paused stream says so and offers Resume', async ({ page }, testInfo) => {
  // The worker pauses a stream after at least 5 minutes of failures, too
  // long for this suite: the status the page reads is made "paused" on its
  // way. Resume itself goes to the server.
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await page.route('**/api/audit_stream_statuses', async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    for (const s of body.statuses) {
      s.paused = true;
      s.failing_since = body.now - 3900;
      s.last_error = `${hookUrl} answered 503 Service Unavailable`;
    }
    await route.fulfill({ response: res, json: body });
  });
  await open(page, '/settings/streams');
  const webhook = card(page, STREAM);
  await expect(webhook.getByTestId('stream-state')).toHaveText('Paused', { timeout: 15_000 });
  const paused = webhook.getByTestId('stream-paused');
  await expect(paused).toContainText('Paused: nothing is sent until you resume it.');
  await expect(paused).toContainText('for longer than 60 minutes');
  await expect(paused).toContainText(`Last error: ${hookUrl} answered 503 Service Unavailable`);
  await screenshot(page, testInfo, 'streams-paused');

  await page.unroute('**/api/audit_stream_statuses');
  await paused.getByRole('button', { name: 'Resume' }).click();
  await expect(toast(page, 'Stream resumed: it goes on from where it stopped')).toBeVisible();
  await expect(webhook.getByTestId('stream-state')).toHaveText('Up to date', { timeout: 15_000 });
});

test('retention: off by default, a number of days checked, saved and there after a reload', async ({ page }, testInfo) => {
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await open(page, '/settings/streams');
  await page.getByLabel('Remove events older than a number of days').check();
  const days = page.getByLabel('Days to keep events');
  await expect(days).toBeEnabled();
  await days.fill('0');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Enter a whole number of days from 1 to 3650, or choose Keep every event.')).toBeVisible();
  await expect(days).toHaveAttribute('aria-invalid', 'true');
  await days.fill('4000');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(days).toHaveAttribute('aria-invalid', 'true');
  await days.fill('400');
  await saved(page);
  await expect(days).toHaveAttribute('aria-invalid', 'false');

  await page.reload();
  await waitForHydration(page);
  await expect(page.getByLabel('Remove events older than a number of days')).toBeChecked();
  await expect(page.getByLabel('Days to keep events')).toHaveValue('400');
  expect((await mgmt.call<{ retention_days: number }>('GET', 'settings/audit', 200)).retention_days).toBe(400);
  // The stream was saved along with it, its secret kept.
  await expect(card(page, STREAM).getByTestId('stream-state')).toHaveText('Up to date', { timeout: 30_000 });
  await page.getByRole('region', { name: 'Retention' }).scrollIntoViewIfNeeded();
  await screenshot(page, testInfo, 'streams-retention');

  await page.getByLabel('Keep every event').check();
  await saved(page);
  expect((await mgmt.call<{ retention_days: number }>('GET', 'settings/audit', 200)).retention_days).toBe(0);
});

test('someone who may only read settings sees the streams and their status, disabled', async ({ page }, testInfo) => {
  // The Auditor reads the audit log, not settings: no access here.
  await submitSignIn(page, DEMO_AUDITOR.email, DEMO_AUDITOR.password);
  await expect(page).not.toHaveURL(/\/login/);
  await waitForHydration(page);
  await open(page, '/settings/streams');
  await expect(page.getByRole('heading', { name: "You don't have access to this page" })).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('settings:read');
  await page.context().clearCookies();

  const { apis } = await mgmt.call<{ apis: Array<{ id: string; builtin: boolean }> }>('GET', 'apis', 200);
  const management = apis.find((a) => a.builtin)!;
  const role = await mgmt.call<{ id: string }>('POST', 'roles', 201, {
    name: uniqueName('Settings reader'),
    description: 'E2E: reads the log stream settings, changes nothing',
  });
  await mgmt.call('POST', `roles/${role.id}/permissions`, 200, {
    permissions: [{ api_id: management.id, permission: 'settings:read' }],
  });
  const email = `${uniqueName('settings-reader').replace(/\s+/g, '-').toLowerCase()}@initech.test`;
  const password = 'settings-reader-password-1';
  const user = await mgmt.call<{ id: string }>('POST', 'users', 201, { email, name: 'Settings Reader', password });
  await mgmt.call('POST', `users/${user.id}/roles`, 200, { roles: [role.id] });

  await submitSignIn(page, email, password);
  await expect(page).not.toHaveURL(/\/login/);
  await waitForHydration(page);
  await open(page, '/settings/streams');
  await expect(page.getByText('You can see these settings but not change them: changing them needs settings:write.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save settings' })).toBeDisabled();
  await expect(page.getByText('Needs settings:write', { exact: true })).toBeVisible();
  await expect(page.getByLabel('Keep every event')).toBeDisabled();
  const webhook = card(page, STREAM);
  await expect(webhook.getByTestId('stream-state')).toHaveText('Up to date', { timeout: 30_000 });
  await expect(webhook.getByTestId('stream-target')).toHaveText(hookUrl);
  await expect(webhook.getByLabel('Enabled')).toBeDisabled();
  await expect(webhook.getByRole('button', { name: 'Edit' })).toBeDisabled();
  await expect(webhook.getByRole('button', { name: `Remove ${STREAM}` })).toBeDisabled();
  await expect(webhook.getByRole('button', { name: 'Send test event' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Add webhook' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Refresh status' })).toBeEnabled();
  await page.getByRole('button', { name: 'Refresh status' }).click();
  await expect(webhook.getByTestId('stream-state')).toHaveText('Up to date');
  await screenshot(page, testInfo, 'streams-read-only');
});

test('on a narrow screen nothing is cut off; removing the stream asks first', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await open(page, '/settings/streams');
  const webhook = card(page, STREAM);
  await expect(webhook.getByTestId('stream-state')).toHaveText('Up to date', { timeout: 30_000 });
  // The tabs fit on one line.
  const tabs = page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link');
  const tops = await tabs.evaluateAll((links) => links.map((l) => Math.round(l.getBoundingClientRect().height)));
  expect(new Set(tops).size, 'the tabs are all one line high').toBe(1);
  await webhook.getByRole('button', { name: 'Edit' }).click();
  await expect(webhook.getByLabel('URL')).toHaveValue(hookUrl);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, 'pixels the page is wider than the window').toBeLessThanOrEqual(0);
  await screenshot(page, testInfo, 'streams-narrow');

  // Switched off, it is saved as off.
  await webhook.getByLabel('Enabled').uncheck();
  await saved(page);
  await expect(webhook.getByTestId('stream-state')).toHaveText('Off');
  expect((await mgmt.call<{ streams: Array<{ enabled: boolean }> }>('GET', 'settings/audit', 200)).streams[0].enabled).toBe(false);

  await webhook.getByRole('button', { name: `Remove ${STREAM}` }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(`Remove the log stream ${STREAM}?`);
  await screenshot(page, testInfo, 'streams-remove');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(webhook).toBeVisible();
  await webhook.getByRole('button', { name: `Remove ${STREAM}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
  await expect(webhook).toHaveCount(0);
  await saved(page);
  await expect(page.getByText("No log stream yet: the events stay in Masquerade's own audit log only.")).toBeVisible();
  expect((await mgmt.call<{ streams: unknown[] }>('GET', 'settings/audit', 200)).streams).toEqual([]);
});
