// Sign in as User, end to end in Chromium: the console dialog, the one-time
// link opened in a new tab, the application signed in as the user with the
// administrator named by the `act` claim, and what happens to broken links.
//
// The demo seeds the Sample App (a confidential client in the same binary,
// with an initiate-login URI) and the Orders API it is authorized for. The
// app-initiated test registers its own application for the openid-client RP.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Page } from '@playwright/test';
import { DEMO_ADMIN } from '../support/env';
import { expect, open, screenshot, signIn, test, waitForHydration } from '../support/fixtures';
import { ManagementApi, uniqueName } from '../support/management';
import { freePort } from '../support/net';
import { startOpenidClientRp, type RunningRp } from '../support/rp';

const ORDERS_API = 'https://api.orders.example/';
const REASON = 'E2E: customer reports missing orders';

test.describe.configure({ timeout: 90_000 });

interface Target {
  id: string;
  email: string;
  label: string;
}

let base: string;
let mgmt: ManagementApi;
let admin: { id: string };

/** An ordinary demo user on the default connection (not an administrator, not blocked). */
async function ordinaryUser(skip: string[] = []): Promise<Target> {
  const page = await mgmt.call<{ users: Array<Record<string, unknown>> }>(
    'GET',
    'users?blocked=false&limit=100',
    200,
  );
  const u = page.users.find(
    (u) =>
      // A customer: the demo's ordinary users hold that one role, and no
      // console permission.
      Array.isArray(u.roles) &&
      u.roles.length === 1 &&
      !['rol_admin', 'rol_support', 'rol_auditor'].includes(u.roles[0] as string) &&
      u.connection_name === 'Username-Password-Authentication' &&
      !skip.includes(u.id as string),
  );
  if (!u) throw new Error('no ordinary demo user found');
  return {
    id: u.id as string,
    email: u.email as string,
    label: (u.name as string) || (u.email as string),
  };
}

test.beforeAll(async ({ baseURL }) => {
  base = baseURL!;
  mgmt = await ManagementApi.connect(base);
  const found = await mgmt.call<{ users: Array<{ id: string; email: string }> }>(
    'GET',
    `users?q=${encodeURIComponent(DEMO_ADMIN.email)}`,
    200,
  );
  admin = { id: found.users.find((u) => u.email === DEMO_ADMIN.email)!.id };
});

/** Opens the user's page and the dialog; returns the dialog. */
async function openDialog(page: Page, target: Target) {
  await open(page, `/users/${target.id}`);
  await page.getByRole('button', { name: 'Sign in as User', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Sign in as ${target.label}` });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Application')).toBeVisible();
  return dialog;
}

/** Generates the link and opens it with "Open in new tab"; returns the new tab. */
async function generateAndOpen(page: Page, dialog: ReturnType<Page['getByRole']>) {
  await dialog.getByRole('button', { name: 'Generate link' }).click();
  const url = dialog.getByLabel('Impersonation link');
  await expect(url).toHaveValue(new RegExp(`^${base}/impersonate/[A-Za-z0-9_-]{43}$`));
  await expect(dialog.getByText(/Expires in [12]:\d\d/)).toBeVisible();
  const link = await url.inputValue();
  const [tab] = await Promise.all([
    page.context().waitForEvent('page'),
    dialog.getByRole('link', { name: 'Open in new tab' }).click(),
  ]);
  await tab.waitForLoadState('domcontentloaded');
  return { tab, link };
}

test('implicit flow over POST: the sample app is signed in as the user, the banner names the admin', async ({ page }, testInfo) => {
  const target = await ordinaryUser();
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  const dialog = await openDialog(page, target);
  await dialog.getByLabel('Application').selectOption({ label: 'Sample App' });
  await dialog.getByLabel(/^Reason/).fill(REASON);
  await dialog.getByLabel('Ticket reference').fill('SUP-42');
  await dialog.getByRole('button', { name: 'Show advanced settings' }).click();
  await dialog.getByLabel('Response type').selectOption('token id_token');
  await dialog.getByLabel('Response mode').selectOption({ label: 'POST' });
  await expect(dialog.getByLabel('Scope')).toHaveValue('openid');
  await dialog.getByLabel('Scope').fill('openid profile email');
  await expect(dialog.getByLabel('State')).not.toHaveValue('');
  await dialog.getByLabel('State').fill('/orders/42');
  await screenshot(page, testInfo, 'impersonate-dialog');

  const { tab, link } = await generateAndOpen(page, dialog);
  await screenshot(page, testInfo, 'impersonate-link');
  await expect(tab).toHaveURL(`${base}/sample-app/orders/42`);
  const banner = tab.getByTestId('impersonation-banner');
  await expect(banner).toContainText(`Signed in as ${target.email}, impersonated by ${DEMO_ADMIN.email}`);
  await expect(banner).toContainText(`(reason: ${REASON})`);
  await expect(tab.getByTestId('state')).toHaveText('/orders/42');
  const idToken = JSON.parse((await tab.getByTestId('id-token').textContent())!);
  expect(idToken.sub).toBe(target.id);
  expect(idToken.act).toEqual({ sub: admin.id, email: DEMO_ADMIN.email });
  expect(idToken.impersonated).toBe(true);
  await screenshot(tab, testInfo, 'sample-app-impersonated');

  // The link works once.
  await tab.goto(link);
  await expect(tab.getByRole('heading', { name: 'This impersonation link was already used' })).toBeVisible();
  await screenshot(tab, testInfo, 'impersonate-already-used');

  // The administrator is still signed in to the console, and the history shows it.
  await page.keyboard.press('Escape');
  await page.reload();
  await waitForHydration(page);
  await page.getByRole('tab', { name: 'Impersonation history' }).click();
  const row = page.getByRole('row').filter({ hasText: REASON });
  await expect(row).toContainText(DEMO_ADMIN.email);
  await expect(row).toContainText('Sample App');
  await expect(row).toContainText('Active');
  await screenshot(page, testInfo, 'user-impersonation-history');

  // End impersonation in the app: the console shows it revoked.
  await tab.goto(`${base}/sample-app/orders/42`);
  await tab.getByRole('button', { name: 'End impersonation' }).click();
  await expect(tab.getByText('Impersonation ended.')).toBeVisible();
  await page.reload();
  await waitForHydration(page);
  await page.getByRole('tab', { name: 'Impersonation history' }).click();
  await expect(page.getByRole('row').filter({ hasText: REASON })).toContainText('Revoked');
});

test('code flow with an API audience: the access token validates for the API and carries act', async ({ page }, testInfo) => {
  const target = await ordinaryUser();
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  const dialog = await openDialog(page, target);
  await dialog.getByLabel('Application').selectOption({ label: 'Sample App' });
  await dialog.getByLabel(/^Reason/).fill('E2E: API audience');
  await dialog.getByRole('button', { name: 'Show advanced settings' }).click();
  await dialog.getByLabel('Response type').selectOption('code');
  await dialog.getByLabel('Response mode').selectOption({ label: 'GET' });
  await dialog.getByLabel('Scope').fill('openid email read:orders');
  await dialog.getByLabel('Audience').selectOption({ label: `Orders API (${ORDERS_API})` });
  await dialog.getByLabel('State').fill('/orders');

  const { tab } = await generateAndOpen(page, dialog);
  await expect(tab).toHaveURL(`${base}/sample-app/orders`);
  const raw = (await tab.getByTestId('raw-access-token').textContent())!.trim();
  const { payload, protectedHeader } = await jwtVerify(raw, createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`)), {
    issuer: base,
    audience: ORDERS_API,
    typ: 'at+jwt',
  });
  expect(protectedHeader.alg).toBe('ES256');
  expect(payload.sub).toBe(target.id);
  expect(payload.act).toEqual({ sub: admin.id, email: DEMO_ADMIN.email });
  expect(String(payload.scope).split(' ')).toContain('read:orders');
  expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(3600);
  await screenshot(tab, testInfo, 'sample-app-impersonated-code-api');
});

test.describe('app-initiated mode through the openid-client relying party', () => {
  let rp: RunningRp;
  let appName: string;

  test.beforeAll(async () => {
    const port = await freePort();
    const rpUrl = `http://127.0.0.1:${port}`;
    appName = uniqueName('Impersonation RP');
    const created = await mgmt.createApplication({
      name: appName,
      app_type: 'regular_web',
      callback_urls: [`${rpUrl}/callback`],
      allowed_logout_urls: [`${rpUrl}/logged-out`],
      allowed_web_origins: [],
      initiate_login_uri: `${rpUrl}/login`,
      grant_types: ['authorization_code'],
      allow_impersonation: true,
    });
    rp = await startOpenidClientRp({
      issuer: base,
      clientId: created.application.client_id,
      clientSecret: created.client_secret!,
      port,
    });
  });

  test.afterAll(async () => {
    await rp?.stop();
  });

  test('the RP signs in with its own state, nonce and PKCE, satisfied from the link', async ({ page }, testInfo) => {
    const target = await ordinaryUser();
    await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
    const dialog = await openDialog(page, target);
    await dialog.getByLabel('Application').selectOption({ label: appName });
    await dialog.getByLabel(/^Reason/).fill('E2E: app-initiated');
    await dialog.getByRole('button', { name: 'Show advanced settings' }).click();
    await dialog.getByLabel('Response mode').selectOption({ label: 'App-initiated' });
    await screenshot(page, testInfo, 'impersonate-dialog-app-initiated');

    const { tab } = await generateAndOpen(page, dialog);
    await expect(tab).toHaveURL(`${rp.url}/me`, { timeout: 30_000 });
    const me = await (await tab.request.get(`${rp.url}/me?format=json`, { headers: { accept: 'application/json' } })).json();
    expect(me.signed_in, rp.output()).toBe(true);
    expect(me.claims.sub).toBe(target.id);
    expect(me.claims.nonce).toBe(me.expected_nonce);
    expect(me.claims.act).toEqual({ sub: admin.id, email: DEMO_ADMIN.email });
    expect(me.login.initiated.target_link_uri).toBeTruthy();
    expect(me.userinfo.act.sub).toBe(admin.id);
    await screenshot(tab, testInfo, 'rp-app-initiated-signed-in');
  });
});

test('broken links each get their own page', async ({ page }, testInfo) => {
  const target = await ordinaryUser();
  const minted = await mgmt.call<{ url: string }>('POST', `users/${target.id}/impersonation`, 201, {
    impersonator_id: admin.id,
    client_id: 'sample-app',
    reason: 'E2E: broken links',
    state: '/x',
  });
  await page.goto(`${minted.url}?state=/elsewhere`);
  await expect(page.getByRole('heading', { name: "Impersonation links can't be modified" })).toBeVisible();
  await expect(page.getByText('put that path in State')).toBeVisible();
  await screenshot(page, testInfo, 'impersonate-modified');

  const tampered = minted.url.slice(0, -1) + (minted.url.endsWith('A') ? 'B' : 'A');
  await page.goto(tampered);
  await expect(page.getByRole('heading', { name: 'This impersonation link is not valid' })).toBeVisible();
  await screenshot(page, testInfo, 'impersonate-not-valid');
});

test('the Impersonations page lists what is live and revokes it', async ({ page }, testInfo) => {
  const target = await ordinaryUser();
  await mgmt.call('POST', `users/${target.id}/impersonation`, 201, {
    impersonator_id: admin.id,
    client_id: 'sample-app',
    reason: 'E2E: to be revoked',
    state: '/y',
  });
  // And a running session, whose row also says when it ends.
  const opened = await mgmt.call<{ url: string }>('POST', `users/${target.id}/impersonation`, 201, {
    impersonator_id: admin.id,
    client_id: 'sample-app',
    reason: 'E2E: opened, still running',
    state: '/z',
  });
  expect((await page.request.get(opened.url, { maxRedirects: 0 })).status()).toBe(302);
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Impersonations' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Impersonations' })).toBeVisible();
  await waitForHydration(page);
  const row = page.getByRole('row').filter({ hasText: 'E2E: to be revoked' });
  await expect(row).toContainText('Not opened yet');
  await expect(page.getByRole('row').filter({ hasText: 'E2E: opened, still running' })).toContainText('session ends');
  // Every Revoke button in view: the table used to be wider than its box
  // on a 1280-pixel screen, with the buttons scrolled out of sight.
  const box = page.locator('table').locator('xpath=..');
  expect(await box.evaluate((e) => e.scrollWidth - e.clientWidth)).toBeLessThanOrEqual(0);
  await screenshot(page, testInfo, 'impersonations');
  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'E2E: to be revoked' })).toHaveCount(0);
});

test('the button says why when nobody can be impersonated', async ({ page }, testInfo) => {
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  const me = await mgmt.call<{ users: Array<{ id: string; email: string }> }>(
    'GET',
    `users?q=${encodeURIComponent(DEMO_ADMIN.email)}`,
    200,
  );
  await open(page, `/users/${me.users[0].id}`);
  const button = page.getByRole('button', { name: 'Sign in as User', exact: true });
  await expect(button).toBeDisabled();
  await expect(page.getByText('You cannot sign in as yourself.')).toBeVisible();
  await screenshot(page, testInfo, 'user-self-impersonate-disabled');
  // Every row of the list has the button too.
  await open(page, '/users');
  await expect(page.getByRole('button', { name: 'Sign in as User', exact: true }).first()).toBeVisible();
  await screenshot(page, testInfo, 'users-with-sign-in-as');
  // Opened from a row, the dialog sits inside a right-aligned cell; it used
  // to inherit that alignment, title and labels included.
  await page.locator('button:not([disabled])', { hasText: 'Sign in as User' }).first().click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByLabel('Application')).toBeVisible();
  await expect(dialog.getByRole('heading', { level: 2 })).toHaveCSS('text-align', 'left');
  await expect(dialog.getByText('Application', { exact: true })).toHaveCSS('text-align', 'left');
  await screenshot(page, testInfo, 'users-row-dialog');
});

test('Settings → Impersonation validates and saves the tenant rules', async ({ page }, testInfo) => {
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await open(page, '/settings/impersonation');
  await expect(page.getByRole('heading', { level: 1, name: 'Impersonation' })).toBeVisible();
  await expect(page.getByLabel('Require a reason')).toBeChecked();
  const ttl = page.getByLabel('Link lifetime (seconds)');
  await expect(ttl).toHaveValue('120');
  await ttl.fill('3000');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Links must expire within 30 seconds to 10 minutes.')).toBeVisible();
  await screenshot(page, testInfo, 'settings-impersonation-error');
  await ttl.fill('120');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Impersonation settings saved')).toBeVisible();
  await screenshot(page, testInfo, 'settings-impersonation');
});
