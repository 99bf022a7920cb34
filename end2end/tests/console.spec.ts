// End-to-end tests for the Masquerade admin console against `masquerade --demo`.
//
// The accessible names used here (roles, labels, headings) are the console's
// UI contract; a failing locator usually means a label or role changed.
// Checks that do not gate the rest of a test are soft (expect.soft): they
// fail the test but let it continue, so one run reports every mismatch.
import type { Locator, Page } from '@playwright/test';
import { DEMO_ADMIN, DEMO_CUSTOMER, E2E_ADMIN } from '../support/env';
import { expect, open, screenshot, signIn, submitSignIn, test, waitForHydration } from '../support/fixtures';

const USER_COUNT = /\d+ users?\b/;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;

/** Data rows (rows with cells, not the header row) of the page's table. */
function dataRows(page: Page): Locator {
  return page.getByRole('table').getByRole('row').filter({ has: page.getByRole('cell') });
}

function userCount(page: Page): Locator {
  return page.getByText(USER_COUNT).first();
}

test.describe('sign-in', () => {
  test('signs in with email and password and lands on the users list', async ({ page }, testInfo) => {
    await open(page, '/login');
    const email = page.getByRole('textbox', { name: 'Email', exact: true });
    const password = page.getByLabel('Password', { exact: true });
    const submit = page.getByRole('button', { name: 'Sign in', exact: true });
    await expect(email).toBeVisible();
    await expect(password).toBeVisible();
    await expect(submit).toBeVisible();
    await screenshot(page, testInfo, 'login');

    await email.fill(E2E_ADMIN.email);
    await password.fill(E2E_ADMIN.password);
    await submit.click();

    await expect(page).toHaveURL(/\/users(\?.*)?$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Users', exact: true })).toBeVisible();
    // Top bar: who is signed in, and a way out.
    await expect.soft(page.getByText(E2E_ADMIN.email).first()).toBeVisible();
    await expect.soft(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
  });

  test('a wrong password shows an alert and stays on /login', async ({ page }, testInfo) => {
    // The demo admin, so that the failure does not count against the e2e admin.
    await submitSignIn(page, DEMO_ADMIN.email, 'not-the-password');
    await expect(page.getByRole('alert').filter({ hasText: 'Wrong email or password.' })).toBeVisible();
    await expect(page).toHaveURL(/\/login(\?.*)?$/);
    await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
    await screenshot(page, testInfo, 'login-wrong-password');
  });

  test('a customer without any console permission sees "No console access"', async ({ page }, testInfo) => {
    await submitSignIn(page, DEMO_CUSTOMER.email, DEMO_CUSTOMER.password);
    await expect(page.getByRole('heading', { name: 'No console access', exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
    // Not the users list, and not the sign-in form with an error.
    await expect(page.getByRole('heading', { level: 1, name: 'Users', exact: true })).toHaveCount(0);
    await expect(page.getByRole('alert').filter({ hasText: 'Wrong email or password.' })).toHaveCount(0);
    await screenshot(page, testInfo, 'no-access');
  });

  test('signing out ends the session', async ({ page }) => {
    await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect(page).toHaveURL(/\/login(\?.*)?$/);
    await page.goto('/users');
    await expect(page).toHaveURL(/\/login(\?.*)?$/);
    await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  });
});

test.describe('users', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  });

  test('search narrows the users list', async ({ page }, testInfo) => {
    const search = page.getByRole('searchbox', { name: 'Search users', exact: true });
    await expect(search).toBeVisible();
    await expect(page.getByRole('button', { name: 'Search', exact: true })).toBeVisible();
    await expect.soft(page.getByRole('button', { name: 'Next page', exact: true })).toBeEnabled();
    await expect.soft(page.getByRole('button', { name: 'Previous page', exact: true })).toBeVisible();

    const count = userCount(page);
    await expect(count).toBeVisible();
    const before = (await count.innerText()).trim();
    const rows = dataRows(page);
    await expect(rows.first()).toBeVisible();
    const rowsBefore = await rows.count();
    await screenshot(page, testInfo, 'users');

    await search.fill('lovelace');
    await page.getByRole('button', { name: 'Search', exact: true }).click();

    await expect(page).toHaveURL(/[?&]q=lovelace(&|$)/);
    await expect(count).not.toHaveText(before);
    await expect
      .poll(
        async () => {
          const texts = await rows.allInnerTexts();
          return {
            rows: texts.length,
            fewer: texts.length < rowsBefore,
            without: texts.filter((t) => !/lovelace/i.test(t)),
          };
        },
        { message: 'every row of the filtered table mentions Lovelace' },
      )
      .toEqual({ rows: expect.any(Number), fewer: true, without: [] });
    expect(await rows.count()).toBeGreaterThan(0);
    await screenshot(page, testInfo, 'users-search');
  });

  test('opens a user from the table', async ({ page }, testInfo) => {
    const rows = dataRows(page);
    await expect(rows.first()).toBeVisible();
    // An unblocked user (a blocked one offers "Unblock user" instead).
    const row = rows.filter({ hasNotText: /blocked/i }).first();
    const rowText = await row.innerText();
    const email = rowText.match(EMAIL)?.[0];
    expect(email, `an email address in the row: ${rowText}`).toBeTruthy();
    // The link named after the user (not an email address).
    const link = row.getByRole('link', { name: /^[^@]+$/ }).first();
    const name = (await link.innerText()).trim();
    expect(name).not.toBe('');

    await link.click();
    await expect(page).toHaveURL(/\/users\/usr_[^/?#]+$/);
    await waitForHydration(page);
    await expect(page.getByRole('heading', { level: 1, name, exact: true })).toBeVisible();
    await expect.soft(page.getByText(email!).first()).toBeVisible();
    for (const button of ['Block user', 'Set password', 'Delete user']) {
      await expect.soft(page.getByRole('button', { name: button, exact: true })).toBeVisible();
    }
    await screenshot(page, testInfo, 'user-detail');
  });
});

test.describe('applications', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  });

  test('lists the demo applications', async ({ page }, testInfo) => {
    await open(page, '/applications');
    await expect(page.getByRole('heading', { level: 1, name: 'Applications', exact: true })).toBeVisible();
    for (const name of ['Sample App', 'Orders (SPA)', 'Reporting Service']) {
      await expect(page.getByText(name, { exact: true }).first()).toBeVisible();
    }
    await expect(page.getByRole('link', { name: 'Create application', exact: true })).toBeVisible();
    await screenshot(page, testInfo, 'applications');
  });

  test('creates an application with two callback URLs', async ({ page }, testInfo) => {
    await open(page, '/applications');
    await page.getByRole('link', { name: 'Create application', exact: true }).click();
    await expect(page).toHaveURL(/\/applications\/new$/);
    await waitForHydration(page);

    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('E2E Shop');
    await page
      .getByRole('combobox', { name: 'Application type', exact: true })
      .selectOption({ label: 'Regular web application' });
    await page
      .getByRole('textbox', { name: 'Callback URLs', exact: true })
      .fill('https://shop.example.com/callback\nhttps://shop.example.com/auth/cb');
    await expect.soft(page.getByRole('checkbox', { name: 'Allow impersonation', exact: true })).toBeVisible();
    await screenshot(page, testInfo, 'application-new');
    await page.getByRole('button', { name: 'Create application', exact: true }).click();

    await expect(page).toHaveURL(/\/applications\/(?!new$)[^/?#]+$/);
    await expect(page.getByRole('heading', { level: 1, name: 'E2E Shop', exact: true })).toBeVisible();
    await expect.soft(page.getByRole('textbox', { name: 'Callback URLs', exact: true })).toHaveValue(
      /https:\/\/shop\.example\.com\/callback\s+https:\/\/shop\.example\.com\/auth\/cb/,
    );
    await expect.soft(page.getByText('Client secret').first()).toBeVisible();
    await screenshot(page, testInfo, 'application-created');

    await open(page, '/applications');
    await expect(page.getByText('E2E Shop', { exact: true }).first()).toBeVisible();
  });

  test('refuses a wildcard callback URL', async ({ page }, testInfo) => {
    await open(page, '/applications/new');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('E2E Wildcard');
    await page
      .getByRole('combobox', { name: 'Application type', exact: true })
      .selectOption({ label: 'Regular web application' });
    await page.getByRole('textbox', { name: 'Callback URLs', exact: true }).fill('https://*.example.com/cb');
    await page.getByRole('button', { name: 'Create application', exact: true }).click();

    await expect(page.getByText('wildcards are not allowed').first()).toBeVisible();
    await expect(page).toHaveURL(/\/applications\/new$/);
    await screenshot(page, testInfo, 'application-bad-input');

    await open(page, '/applications');
    await expect(page.getByRole('heading', { level: 1, name: 'Applications', exact: true })).toBeVisible();
    await expect(page.getByText('E2E Wildcard')).toHaveCount(0);
  });
});

test.describe('connections', () => {
  test('lists the demo connections', async ({ page }, testInfo) => {
    await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
    await open(page, '/connections');
    await expect(page.getByRole('heading', { level: 1, name: 'Connections', exact: true })).toBeVisible();
    for (const name of ['Username-Password-Authentication', 'Partner-Accounts']) {
      await expect(page.getByText(name, { exact: true }).first()).toBeVisible();
    }
    await screenshot(page, testInfo, 'connections');
  });
});
