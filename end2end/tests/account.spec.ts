// "Who accessed my account": the demo administrator signs in as the demo
// customer (Sign in as User from the console), then the customer, who holds
// no console permission, signs in at /account with the same hosted login
// and finds the impersonation under Account activity: "a support agent"
// by default, the administrator's name once Settings → Impersonation says
// users may see it. The console itself stays closed to the customer.
import type { Page } from '@playwright/test';
import { DEMO_ADMIN, DEMO_CUSTOMER } from '../support/env';
import { expect, open, screenshot, signIn, test, waitForHydration } from '../support/fixtures';
import { ManagementApi, uniqueName } from '../support/management';

test.describe.configure({ mode: 'serial', timeout: 90_000 });

const REASON = uniqueName('E2E account activity: customer reports a wrong address');
const TICKET = 'SUP-5150';

let base: string;
let mgmt: ManagementApi;
let customer: { id: string; label: string };
let impersonationId = '';

test.beforeAll(async ({ baseURL }) => {
  base = baseURL!;
  mgmt = await ManagementApi.connect(base);
  const found = await mgmt.call<{ users: Array<{ id: string; email: string; name: string }> }>(
    'GET',
    `users?q=${encodeURIComponent(DEMO_CUSTOMER.email)}`,
    200,
  );
  const u = found.users.find((u) => u.email === DEMO_CUSTOMER.email)!;
  customer = { id: u.id, label: u.name || u.email };
});

// The suite shares one server: end the session this spec opened, and put
// the setting back as it was.
test.afterAll(async () => {
  if (!mgmt) return;
  const settings = await mgmt.call<Record<string, unknown>>('GET', 'settings/impersonation', 200);
  if (settings.show_impersonator_names) {
    await mgmt.call('PUT', 'settings/impersonation', 200, { ...settings, show_impersonator_names: false });
  }
  if (impersonationId) {
    const live = await mgmt.call<{ impersonations: Array<{ id: string; status: string }> }>('GET', 'impersonations', 200);
    if (live.impersonations.some((i) => i.id === impersonationId && i.status === 'active')) {
      await mgmt.call('POST', `impersonations/${impersonationId}/revoke`, 200);
    }
  }
});

/** Signs the customer in at /account, from a browser signed out of everything. */
async function customerOpensAccount(page: Page) {
  await page.context().clearCookies();
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=(\/|%2F)account$/);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Sign in to see your account' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(DEMO_CUSTOMER.email);
  await page.getByLabel('Password', { exact: true }).fill(DEMO_CUSTOMER.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Account activity' })).toBeVisible();
  await waitForHydration(page);
}

function ourRow(page: Page) {
  return page.getByRole('table', { name: 'Signed in as you' }).getByRole('row').filter({ hasText: REASON });
}

test('the administrator signs in as the demo customer', async ({ page }) => {
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await open(page, `/users/${customer.id}`);
  await page.getByRole('button', { name: 'Sign in as User', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Sign in as ${customer.label}` });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Application').selectOption({ label: 'Sample App' });
  await dialog.getByLabel(/^Reason/).fill(REASON);
  await dialog.getByLabel('Ticket reference').fill(TICKET);
  await dialog.getByRole('button', { name: 'Generate link' }).click();
  await expect(dialog.getByLabel('Impersonation link')).toHaveValue(new RegExp(`^${base}/impersonate/`));
  const [tab] = await Promise.all([
    page.context().waitForEvent('page'),
    dialog.getByRole('link', { name: 'Open in new tab' }).click(),
  ]);
  await tab.waitForLoadState('domcontentloaded');
  // The scope is openid alone: the sample app names the user by id.
  await expect(tab.getByTestId('impersonation-banner')).toContainText(
    `Signed in as ${customer.id}, impersonated by ${DEMO_ADMIN.email}`,
  );
  await tab.close();
  const history = await mgmt.call<{ impersonations: Array<{ id: string; reason: string }> }>('GET', 'impersonations', 200);
  impersonationId = history.impersonations.find((i) => i.reason === REASON)?.id ?? '';
  expect(impersonationId).not.toBe('');
});

test('/account: the customer sees the impersonation of their account', async ({ page }, testInfo) => {
  await customerOpensAccount(page);
  // Their own frame, not the console's: their name and Sign out, no navigation.
  await expect(page.getByRole('navigation', { name: 'Console' })).toHaveCount(0);
  await expect(page.getByRole('banner')).toContainText(DEMO_CUSTOMER.email);
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();

  const row = ourRow(page);
  await expect(row).toHaveCount(1);
  // The tenant does not name impersonators by default.
  await expect(row).toContainText('A support agent');
  await expect(row).not.toContainText(DEMO_ADMIN.email);
  await expect(row).toContainText('Sample App');
  await expect(row).toContainText(TICKET);
  await expect(row).toContainText('Still signed in');
  await expect(row).toContainText(/\d+ (s|min)( \d+ s)? so far/);
  const time = row.locator('time');
  await expect(time).toHaveText(/just now|\d+ s ago|\d+ min ago/);
  await expect(time).toHaveAttribute('title', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);

  // Their own sign-ins, the one just made first.
  const signIns = page.getByRole('table', { name: 'Your sign-ins' }).getByTestId('sign-in');
  await expect(signIns.first()).toContainText(/just now|\d+ s ago/);
  await expect(signIns.first()).toContainText('Chrome');
  await screenshot(page, testInfo, 'account-activity');

  // The console stays closed to them.
  await page.goto('/users');
  await expect(page.getByRole('heading', { name: 'No console access' })).toBeVisible();
  await page.getByRole('link', { name: 'See your account activity' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Account activity' })).toBeVisible();
});

test('with names shown, the customer sees who it was', async ({ page }, testInfo) => {
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await open(page, '/settings/impersonation');
  const show = page.getByLabel("Show impersonators' names to users");
  await expect(show).not.toBeChecked();
  await show.check();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Impersonation settings saved')).toBeVisible();
  await screenshot(page, testInfo, 'account-settings-names');

  const admin = await mgmt.call<{ users: Array<{ email: string; name: string }> }>(
    'GET',
    `users?q=${encodeURIComponent(DEMO_ADMIN.email)}`,
    200,
  );
  const a = admin.users.find((u) => u.email === DEMO_ADMIN.email)!;
  await customerOpensAccount(page);
  const row = ourRow(page);
  await expect(row).toContainText(a.name || a.email);
  await expect(row).not.toContainText('A support agent');

  // Ended from the console: it says so, and how long it lasted.
  await mgmt.call('POST', `impersonations/${impersonationId}/revoke`, 200);
  await page.reload();
  await waitForHydration(page);
  await expect(ourRow(page)).toContainText('Ended early');
  await expect(ourRow(page)).not.toContainText('so far');
  await screenshot(page, testInfo, 'account-activity-named');

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/login(\?.*)?$/);
});
