// End-to-end tests for APIs, Settings → Signing keys, and application token
// settings, against `masquerade --demo` (see console.spec.ts for the
// conventions: accessible names are the UI contract; soft checks report
// every mismatch in one run).
import type { Page } from '@playwright/test';
import { E2E_ADMIN } from '../support/env';
import { expect, open, screenshot, signIn, test, waitForHydration } from '../support/fixtures';

/** The toast region's latest message matching `text`. */
function toast(page: Page, text: string | RegExp) {
  return page.getByRole('status').filter({ hasText: text });
}

test.describe('APIs', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  });

  test('lists the built-in Management API and the demo Orders API', async ({ page }, testInfo) => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'APIs', exact: true }).click();
    await expect(page).toHaveURL(/\/apis$/);
    await expect(page.getByRole('heading', { level: 1, name: 'APIs', exact: true })).toBeVisible();
    const builtin = page.getByRole('row').filter({ hasText: 'Masquerade Management API' });
    await expect(builtin).toBeVisible();
    await expect.soft(builtin.getByText('Built-in', { exact: true })).toBeVisible();
    const orders = page.getByRole('row').filter({ hasText: 'Orders API' });
    await expect.soft(orders).toContainText('https://api.orders.example/');
    await expect.soft(orders).toContainText('ES256');
    await expect.soft(orders).toContainText('1 hour');
    await expect(page.getByRole('link', { name: 'Create API', exact: true })).toBeVisible();
    await screenshot(page, testInfo, 'apis');
  });

  test('creates an API with two permissions and authorizes the Sample App', async ({ page }, testInfo) => {
    await open(page, '/apis');
    await page.getByRole('link', { name: 'Create API', exact: true }).click();
    await expect(page).toHaveURL(/\/apis\/new$/);
    await waitForHydration(page);

    // Bad input first: every problem is shown next to its field.
    await page.getByRole('textbox', { name: 'Identifier', exact: true }).fill('billing');
    await page.getByRole('textbox', { name: 'Token lifetime', exact: true }).fill('soon');
    await page.getByRole('textbox', { name: 'Permission 1', exact: true }).fill('read invoices');
    await page.getByRole('button', { name: 'Create API', exact: true }).click();
    await expect(page.getByText('Please correct the highlighted fields.')).toBeVisible();
    await expect.soft(page.getByText('Use an absolute URI')).toBeVisible();
    await expect.soft(page.getByText('Enter a whole number.')).toBeVisible();
    await expect.soft(page.getByText('is not a valid permission')).toBeVisible();
    await expect.soft(page.getByRole('textbox', { name: 'Name', exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expect(page).toHaveURL(/\/apis\/new$/);
    await screenshot(page, testInfo, 'api-new-errors');

    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('E2E Billing API');
    await page.getByRole('textbox', { name: 'Identifier', exact: true }).fill('https://billing.e2e.example/');
    await page.getByRole('textbox', { name: 'Token lifetime', exact: true }).fill('2');
    await page.getByRole('combobox', { name: 'Token lifetime unit', exact: true }).selectOption('hours');
    await page.getByRole('combobox', { name: 'Signing algorithm', exact: true }).selectOption('RS256');
    await page.getByRole('textbox', { name: 'Permission 1', exact: true }).fill('read:invoices');
    await page.getByRole('textbox', { name: 'Description of permission 1', exact: true }).fill('Read invoices');
    await page.getByRole('button', { name: 'Add permission', exact: true }).click();
    await page.getByRole('textbox', { name: 'Permission 2', exact: true }).fill('write:invoices');
    await page.getByRole('textbox', { name: 'Description of permission 2', exact: true }).fill('Create and void invoices');
    await screenshot(page, testInfo, 'api-new');
    await page.getByRole('button', { name: 'Create API', exact: true }).click();

    await expect(page).toHaveURL(/\/apis\/api_[^/?#]+$/);
    const apiUrl = page.url();
    await expect(page.getByRole('heading', { level: 1, name: 'E2E Billing API', exact: true })).toBeVisible();
    await expect.soft(page.getByText('https://billing.e2e.example/').first()).toBeVisible();
    await expect.soft(page.getByRole('textbox', { name: 'Permission 1', exact: true })).toHaveValue('read:invoices');
    await expect.soft(page.getByRole('textbox', { name: 'Permission 2', exact: true })).toHaveValue('write:invoices');
    await expect.soft(page.getByRole('textbox', { name: 'Token lifetime', exact: true })).toHaveValue('2');
    await expect.soft(page.getByRole('combobox', { name: 'Token lifetime unit', exact: true })).toHaveValue('hours');
    await expect.soft(page.getByRole('combobox', { name: 'Signing algorithm', exact: true })).toHaveValue('RS256');

    const sample = page.getByRole('checkbox', { name: 'Sample App', exact: true });
    await expect(sample).not.toBeChecked();
    await sample.check();
    await expect(toast(page, 'Sample App may now request tokens for E2E Billing API')).toBeVisible();
    await screenshot(page, testInfo, 'api-edit');

    // Persisted: after a reload, and on the application's page.
    await open(page, apiUrl);
    await expect(page.getByRole('checkbox', { name: 'Sample App', exact: true })).toBeChecked();
    await expect.soft(page.getByRole('checkbox', { name: 'Orders (SPA)', exact: true })).not.toBeChecked();
    await open(page, '/applications/sample-app');
    const apis = page.getByRole('region', { name: 'APIs', exact: true });
    await expect(apis.getByRole('link', { name: 'E2E Billing API', exact: true })).toBeVisible();
    await expect.soft(apis.getByRole('link', { name: 'Orders API', exact: true })).toBeVisible();
    await open(page, '/apis');
    await expect(page.getByRole('row').filter({ hasText: 'E2E Billing API' })).toContainText('2 hours');
  });

  test('the built-in API cannot be deleted and keeps its identifier and permissions', async ({ page }, testInfo) => {
    await open(page, '/apis');
    await page.getByRole('link', { name: 'Masquerade Management API', exact: true }).click();
    await expect(page).toHaveURL(/\/apis\/api_[^/?#]+$/);
    await waitForHydration(page);
    await expect(page.getByRole('heading', { level: 1, name: 'Masquerade Management API', exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Delete API', exact: true })).toHaveCount(0);
    await expect.soft(page.getByRole('textbox', { name: 'Identifier', exact: true })).toHaveCount(0);
    await expect.soft(page.getByRole('textbox', { name: 'Permission 1', exact: true })).toHaveCount(0);
    await expect.soft(page.getByRole('cell', { name: 'users:read', exact: true })).toBeVisible();
    await screenshot(page, testInfo, 'api-builtin');
  });
});

test.describe('application tokens', () => {
  test('edits the token settings of an application', async ({ page }, testInfo) => {
    await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
    await open(page, '/applications/orders-spa');
    await expect(page.getByRole('heading', { level: 1, name: 'Orders (SPA)', exact: true })).toBeVisible();
    const tokens = page.getByRole('form', { name: 'Tokens', exact: true });
    await expect(tokens).toBeVisible();
    const lifetime = tokens.getByRole('textbox', { name: 'ID token lifetime', exact: true });
    await expect(lifetime).toHaveValue('10');
    await expect(tokens.getByRole('combobox', { name: 'ID token lifetime unit', exact: true })).toHaveValue('hours');

    await lifetime.fill('abc');
    await tokens.getByRole('button', { name: 'Save token settings', exact: true }).click();
    await expect(tokens.getByText('Enter a whole number.')).toBeVisible();

    await lifetime.fill('15');
    await tokens.getByRole('combobox', { name: 'ID token lifetime unit', exact: true }).selectOption('minutes');
    await tokens.getByRole('combobox', { name: 'Signing algorithm', exact: true }).selectOption('EdDSA');
    await tokens.getByRole('checkbox', { name: 'Rotate refresh tokens', exact: true }).uncheck();
    await tokens.getByRole('textbox', { name: 'Refresh token lifetime', exact: true }).fill('14');
    await tokens.getByRole('combobox', { name: 'Refresh token lifetime unit', exact: true }).selectOption('days');
    await tokens.getByRole('button', { name: 'Save token settings', exact: true }).click();
    await expect(toast(page, 'Token settings saved')).toBeVisible();
    await expect(tokens.getByText('Enter a whole number.')).toHaveCount(0);
    await tokens.scrollIntoViewIfNeeded();
    await screenshot(page, testInfo, 'application-tokens');

    await open(page, '/applications/orders-spa');
    const saved = page.getByRole('form', { name: 'Tokens', exact: true });
    await expect(saved.getByRole('textbox', { name: 'ID token lifetime', exact: true })).toHaveValue('15');
    await expect.soft(saved.getByRole('combobox', { name: 'ID token lifetime unit', exact: true })).toHaveValue('minutes');
    await expect.soft(saved.getByRole('combobox', { name: 'Signing algorithm', exact: true })).toHaveValue('EdDSA');
    await expect.soft(saved.getByRole('checkbox', { name: 'Rotate refresh tokens', exact: true })).not.toBeChecked();
    await expect.soft(saved.getByRole('checkbox', { name: 'Issue refresh tokens', exact: true })).toBeChecked();
    await expect.soft(saved.getByRole('textbox', { name: 'Refresh token lifetime', exact: true })).toHaveValue('14');
  });
});

test.describe('signing keys', () => {
  test('rotates the ES256 keys and lists the new key', async ({ page }, testInfo) => {
    await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Settings', exact: true }).click();
    await expect(page).toHaveURL(/\/settings\/keys$/);
    await waitForHydration(page);
    await expect(page.getByRole('heading', { level: 1, name: 'Signing keys', exact: true })).toBeVisible();
    await expect.soft(page.getByText(/\/\.well-known\/jwks\.json$/).first()).toBeVisible();

    const es256 = page.getByRole('region', { name: 'ES256', exact: true });
    const rows = es256.getByRole('row').filter({ has: page.getByRole('cell') });
    await expect(rows).toHaveCount(2);
    const nextRow = rows.filter({ hasText: 'Next' });
    const nextKid = (await nextRow.getByRole('cell').first().innerText()).trim();
    const currentKid = (await rows.filter({ hasText: 'Current' }).getByRole('cell').first().innerText()).trim();
    expect(nextKid).toMatch(/^es256_/);
    await screenshot(page, testInfo, 'settings-keys');

    await es256.getByRole('button', { name: 'Rotate ES256 keys', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate ES256 keys?' });
    await expect(dialog).toBeVisible();
    await expect.soft(dialog).toContainText('The next key is published now and starts signing');
    await screenshot(page, testInfo, 'settings-keys-rotate');
    await dialog.getByRole('button', { name: 'Rotate', exact: true }).click();

    await expect(toast(page, `ES256 keys rotated: ${nextKid} now signs`)).toBeVisible();
    await expect(dialog).toHaveCount(0);
    await expect(rows).toHaveCount(3);
    await expect(rows.filter({ hasText: nextKid })).toContainText('Current');
    await expect(rows.filter({ hasText: currentKid })).toContainText('Previous');
    await expect(rows.filter({ hasText: currentKid })).toContainText('Retires after');
    const newNext = (await rows.filter({ hasText: 'Next' }).getByRole('cell').first().innerText()).trim();
    expect(newNext).not.toBe(nextKid);
    // The other algorithms are untouched.
    await expect.soft(page.getByRole('region', { name: 'RS256', exact: true }).getByRole('row').filter({ has: page.getByRole('cell') })).toHaveCount(2);

    // The new key is published in the JWKS too.
    const jwks = await (await page.request.get('/.well-known/jwks.json')).json();
    const kids = (jwks.keys as { kid: string }[]).map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([nextKid, currentKid, newNext]));
    await screenshot(page, testInfo, 'settings-keys-rotated');
  });
});
