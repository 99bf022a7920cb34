// The console follows the signed-in person's permissions: the navigation
// lists only the sections they may open, a page they may not open says which
// permission it needs, and actions they lack are disabled with the
// permission named ("Needs users:write"). The server decides every request
// on its own; these tests check that the screens say so plainly.
//
// Demo staff (`--demo`): the Administrator (everything), the Support agent
// (users:read, impersonation:create, impersonation:read, audit:read) and the
// Auditor (audit:read, impersonation:read). Approvals is open to those who
// decide requests (impersonation:approve) and to those who may make them
// (impersonation:create): their own requests.
import type { Locator, Page } from '@playwright/test';
import { DEMO_ADMIN, DEMO_SUPPORT } from '../support/env';
import { expect, open, screenshot, submitSignIn, test, waitForHydration } from '../support/fixtures';
import { ManagementApi } from '../support/management';

const DEMO_AUDITOR = { email: 'auditor@masquerade.test', password: 'masquerade-demo' };
const SECTIONS = ['Users', 'Applications', 'APIs', 'Connections', 'Roles', 'Impersonations', 'Approvals', 'Audit log', 'Settings'];
/** What the viewer below (every `:read` permission but audit:read, and nothing else) may open. */
const READ_SECTIONS = SECTIONS.filter((s) => s !== 'Approvals' && s !== 'Audit log');
const NO_ACCESS = "You don't have access to this page";

interface Customer {
  id: string;
  email: string;
  label: string;
}

let mgmt: ManagementApi;
let customer: Customer;
/** Another demo customer, given a role that reads every section and changes nothing. */
let viewer: Customer;

/** A demo customer (role "Customer", no console permission) on the default connection. */
async function findCustomer(mgmt: ManagementApi, skip: string[] = []): Promise<Customer> {
  const roles = await mgmt.call<{ roles: Array<{ id: string; name: string }> }>('GET', 'roles', 200);
  const role = roles.roles.find((r) => r.name === 'Customer');
  if (!role) throw new Error('no "Customer" role in the demo data');
  const page = await mgmt.call<{ users: Array<Record<string, unknown>> }>('GET', 'users?blocked=false&limit=100', 200);
  const u = page.users.find(
    (u) =>
      Array.isArray(u.roles) &&
      u.roles.length === 1 &&
      u.roles[0] === role.id &&
      u.connection_name === 'Username-Password-Authentication' &&
      !skip.includes(u.id as string),
  );
  if (!u) throw new Error('no demo customer found');
  return { id: u.id as string, email: u.email as string, label: (u.name as string) || (u.email as string) };
}

/** Creates a role holding every Management API `:read` permission and gives it to `who`. */
async function makeViewer(mgmt: ManagementApi, who: Customer): Promise<void> {
  const { apis } = await mgmt.call<{ apis: Array<{ id: string; builtin: boolean }> }>('GET', 'apis', 200);
  const management = apis.find((a) => a.builtin)!;
  const role = await mgmt.call<{ id: string }>('POST', 'roles', 201, {
    // Every run starts from a fresh database, so the name is free.
    name: 'Read-only viewer',
    description: 'E2E: sees every section, changes nothing',
  });
  const reads = ['users', 'applications', 'connections', 'apis', 'roles', 'impersonation', 'settings'];
  await mgmt.call('POST', `roles/${role.id}/permissions`, 200, {
    permissions: reads.map((r) => ({ api_id: management.id, permission: `${r}:read` })),
  });
  await mgmt.call('POST', `users/${who.id}/roles`, 200, { roles: [role.id] });
}

test.beforeAll(async ({ baseURL }) => {
  mgmt = await ManagementApi.connect(baseURL!);
  customer = await findCustomer(mgmt);
  viewer = await findCustomer(mgmt, [customer.id]);
  await makeViewer(mgmt, viewer);
  // A live (not yet opened) Sign in as User link, so the Impersonations
  // page has a row with a Revoke button to look at.
  const admins = await mgmt.call<{ users: Array<{ id: string; email: string }> }>(
    'GET',
    `users?q=${encodeURIComponent(DEMO_ADMIN.email)}`,
    200,
  );
  const admin = admins.users.find((u) => u.email === DEMO_ADMIN.email)!;
  await mgmt.call('POST', `users/${customer.id}/impersonation`, 201, {
    impersonator_id: admin.id,
    client_id: 'sample-app',
    reason: 'E2E: console access checks',
    state: 'e2e-console-access',
  });
});

function toast(page: Page, text: string | RegExp): Locator {
  return page.getByRole('status').filter({ hasText: text });
}

function nav(page: Page): Locator {
  return page.getByRole('navigation', { name: 'Console' });
}

/** The section links of the navigation, in order (the logo link aside). */
async function sections(page: Page): Promise<string[]> {
  const links = await nav(page).getByRole('link').allInnerTexts();
  // Approvals may carry its badge ("2", read out as "2 pending").
  return links.map((t) => t.replace(/\d[\s\S]*$/, '').trim()).filter((t) => SECTIONS.includes(t));
}

/** Signs in and waits for the start page to open the first section the person may use. */
async function signInAs(page: Page, who: { email: string; password: string }, lands: RegExp, heading: string) {
  await submitSignIn(page, who.email, who.password);
  await expect(page).toHaveURL(lands);
  await expect(page.getByRole('heading', { level: 1, name: heading, exact: true })).toBeVisible();
  await waitForHydration(page);
}

/** The table's width stays within its box (no sideways scrolling on a 1280 px screen). */
async function expectTableFits(page: Page) {
  const overflow = await page.getByRole('table').first().evaluate((t) => {
    const box = t.parentElement!;
    return t.scrollWidth - box.clientWidth;
  });
  expect(overflow, 'pixels the table is wider than its box').toBeLessThanOrEqual(0);
}

test.describe('the Auditor', () => {
  test('sees only Impersonations and the Audit log, reads Impersonations, and cannot revoke', async ({ page }, testInfo) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    // The start page opens the first section they may use: not Users.
    await signInAs(page, DEMO_AUDITOR, /\/impersonations$/, 'Impersonations');
    expect(await sections(page)).toEqual(['Impersonations', 'Audit log']);

    const row = page.getByRole('row').filter({ hasText: customer.email });
    await expect(row).toBeVisible();
    const revoke = row.getByRole('button', { name: 'Revoke', exact: true });
    await expect(revoke).toBeDisabled();
    await expect(revoke).toHaveAttribute('title', 'Needs impersonation:revoke');
    await expect(page.getByRole('button', { name: 'Revoke', exact: true, disabled: false })).toHaveCount(0);
    await expect(page.getByText(/revoking needs impersonation:revoke/)).toBeVisible();
    await expectTableFits(page);
    await screenshot(page, testInfo, 'access-auditor-impersonations');

    // A section typed by hand: a clear page that names the permission.
    await open(page, '/applications');
    await expect(page.getByRole('heading', { name: NO_ACCESS })).toBeVisible();
    await expect(page.getByRole('alert').getByText('applications:read', { exact: true })).toBeVisible();
    await expect(page.getByRole('heading', { level: 1, name: 'Applications', exact: true })).toHaveCount(0);
    await screenshot(page, testInfo, 'access-auditor-no-access');

    // The same for a user's page, which needs users:read.
    await open(page, `/users/${customer.id}`);
    await expect(page.getByRole('heading', { name: NO_ACCESS })).toBeVisible();
    await expect(page.getByRole('alert').getByText('users:read', { exact: true })).toBeVisible();
    await expect(page.getByText(customer.email)).toHaveCount(0);
  });
});

test.describe('the Support agent', () => {
  test('looks users up and signs in as them, and changes nothing', async ({ page }, testInfo) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await signInAs(page, DEMO_SUPPORT, /\/users$/, 'Users');
    expect(await sections(page)).toEqual(['Users', 'Impersonations', 'Approvals', 'Audit log']);

    // The list works, with each user's roles.
    const rows = page.getByRole('table').getByRole('row').filter({ has: page.getByRole('cell') });
    await expect(rows.first()).toBeVisible();
    await expect(rows.first().getByRole('list', { name: 'Roles' })).toBeVisible();
    await expectTableFits(page);
    const create = page.getByRole('button', { name: 'Create user', exact: true });
    await expect(create).toBeDisabled();
    await expect(create).toHaveAttribute('title', 'Needs users:write');
    await expect(page.getByText('Needs users:write', { exact: true })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Create user' })).toHaveCount(0);
    await screenshot(page, testInfo, 'access-support-users');

    await page.getByRole('searchbox', { name: 'Search users', exact: true }).fill(customer.email);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(rows).toHaveCount(1);
    await rows.first().getByRole('link', { name: customer.label, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/users/${customer.id}$`));
    await waitForHydration(page);
    await expect(page.getByRole('heading', { level: 1, name: customer.label, exact: true })).toBeVisible();
    await expect(page.getByText('Customer', { exact: true }).first()).toBeVisible();

    for (const name of ['Block user', 'Delete user', 'Save profile', 'Set password']) {
      const button = page.getByRole('button', { name, exact: true }).first();
      await expect(button, name).toBeDisabled();
      await expect(button, name).toHaveAttribute('title', 'Needs users:write');
    }
    await expect(page.getByText('Needs users:write', { exact: true }).first()).toBeVisible();
    await expect(page.getByRole('textbox', { name: 'Email', exact: true })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Sign in as User', exact: true })).toBeEnabled();
    await screenshot(page, testInfo, 'access-support-user');

    await page.getByRole('tab', { name: 'Impersonation history' }).click();
    await expect(page.getByRole('tabpanel').getByText('E2E: console access checks').first()).toBeVisible();

    await open(page, '/settings/keys');
    await expect(page.getByRole('heading', { name: NO_ACCESS })).toBeVisible();
    await expect(page.getByRole('alert').getByText('settings:read', { exact: true })).toBeVisible();
  });
});

test.describe('a read-only viewer', () => {
  test('opens every section, with every form and action disabled and the permission named', async ({ page }, testInfo) => {
    test.setTimeout(60_000);
    await page.setViewportSize({ width: 1280, height: 800 });
    await signInAs(page, { email: viewer.email, password: DEMO_ADMIN.password }, /\/users$/, 'Users');
    expect(await sections(page)).toEqual(READ_SECTIONS);

    // Their own row shows both their roles.
    await page.getByRole('searchbox', { name: 'Search users', exact: true }).fill(viewer.email);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const roles = page.getByRole('table').getByRole('list', { name: 'Roles' });
    await expect(roles.getByRole('listitem')).toHaveCount(2);
    await expectTableFits(page);

    await open(page, '/applications');
    await expect(page.getByRole('button', { name: 'Create application', exact: true })).toBeDisabled();
    await open(page, '/applications/sample-app');
    await expect(page.getByRole('heading', { level: 1, name: 'Sample App', exact: true })).toBeVisible();
    for (const name of ['Delete application', 'Rotate secret', 'Save changes', 'Save token settings']) {
      const button = page.getByRole('button', { name, exact: true });
      await expect(button, name).toBeDisabled();
      await expect(button, name).toHaveAttribute('title', 'Needs applications:write');
    }
    await expect(page.getByRole('textbox', { name: 'Callback URLs', exact: true })).toBeDisabled();
    await expect(page.getByRole('checkbox', { name: 'Allow impersonation', exact: true })).toBeDisabled();
    await expect(page.getByText('Needs applications:write', { exact: true }).first()).toBeVisible();
    await screenshot(page, testInfo, 'access-viewer-application');

    await open(page, '/apis');
    await expect(page.getByRole('button', { name: 'Create API', exact: true })).toBeDisabled();
    await page.getByRole('link', { name: 'Orders API', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Orders API', exact: true })).toBeVisible();
    await waitForHydration(page);
    await expect(page.getByRole('button', { name: 'Delete API', exact: true })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Save changes', exact: true })).toBeDisabled();
    const authorized = page.getByRole('region', { name: 'Authorized applications' });
    await expect(authorized.getByText('Needs apis:write', { exact: true })).toBeVisible();
    const boxes = authorized.getByRole('checkbox');
    expect(await boxes.count()).toBeGreaterThan(0);
    for (const box of await boxes.all()) await expect(box).toBeDisabled();
    await screenshot(page, testInfo, 'access-viewer-api');

    await open(page, '/connections');
    await expect(page.getByRole('heading', { level: 1, name: 'Connections', exact: true })).toBeVisible();
    for (const box of await page.getByRole('checkbox').all()) await expect(box).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Create connection', exact: true })).toBeDisabled();
    await screenshot(page, testInfo, 'access-viewer-connections');

    await open(page, '/settings/keys');
    const rotate = page.getByRole('button', { name: 'Rotate ES256 keys', exact: true });
    await expect(rotate).toBeDisabled();
    await expect(rotate).toHaveAttribute('title', 'Needs keys:write');
    await open(page, '/settings/impersonation');
    await expect(page.getByRole('button', { name: 'Save settings', exact: true })).toBeDisabled();
    await expect(page.getByText('Needs settings:write', { exact: true })).toBeVisible();
    await screenshot(page, testInfo, 'access-viewer-settings');

    await open(page, '/users/new');
    await expect(page.getByRole('heading', { name: NO_ACCESS })).toBeVisible();
    await expect(page.getByRole('alert').getByText('users:write', { exact: true })).toBeVisible();
  });
});

test.describe('the Administrator', () => {
  test('sees every section with every action enabled', async ({ page }, testInfo) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await signInAs(page, DEMO_ADMIN, /\/users$/, 'Users');
    expect(await sections(page)).toEqual(SECTIONS);
    await expect(page.getByRole('link', { name: 'Create user', exact: true })).toBeVisible();
    await expect(page.getByText(/^Needs /)).toHaveCount(0);
    await expectTableFits(page);
    await screenshot(page, testInfo, 'access-admin-users');

    await open(page, `/users/${customer.id}`);
    await expect(page.getByRole('heading', { level: 1, name: customer.label, exact: true })).toBeVisible();
    for (const name of ['Block user', 'Delete user', 'Save profile', 'Set password', 'Sign in as User']) {
      await expect(page.getByRole('button', { name, exact: true }).first(), name).toBeEnabled();
    }
    await expect(page.getByRole('textbox', { name: 'Email', exact: true })).toBeEditable();
    await expect(page.getByText(/^Needs /)).toHaveCount(0);

    await open(page, '/impersonations');
    const revoke = page.getByRole('row').filter({ hasText: customer.email }).getByRole('button', { name: 'Revoke' });
    await expect(revoke.first()).toBeEnabled();
    await expect(page.getByText(/revoking needs/)).toHaveCount(0);

    for (const [path, button] of [
      ['/applications/sample-app', 'Delete application'],
      ['/settings/keys', 'Rotate ES256 keys'],
      ['/settings/impersonation', 'Save settings'],
    ]) {
      await open(page, path);
      await expect(page.getByRole('button', { name: button, exact: true }), path).toBeEnabled();
      await expect(page.getByText(/^Needs /), path).toHaveCount(0);
    }
  });

  test('chooses what an application may ask for with client_credentials', async ({ page }, testInfo) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await signInAs(page, DEMO_ADMIN, /\/users$/, 'Users');
    await open(page, '/apis');
    await page.getByRole('link', { name: 'Orders API', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Orders API', exact: true })).toBeVisible();
    await waitForHydration(page);
    const apiId = page.url().split('/').pop()!;
    const section = page.getByRole('region', { name: 'Authorized applications' });
    await expect(section.getByText(/what that application may ask for with client_credentials; asking for more gets invalid_scope/)).toBeVisible();

    const reporting = section.getByRole('group', { name: 'Permissions Reporting Service may ask for' });
    const readOrders = reporting.getByRole('checkbox', { name: 'read:orders', exact: true });
    await expect(readOrders).toBeEnabled();
    await expect(readOrders).not.toBeChecked();
    await readOrders.check();
    await expect(toast(page, 'Reporting Service may ask for read:orders, read:reports')).toBeVisible();
    await section.scrollIntoViewIfNeeded();
    await screenshot(page, testInfo, 'access-admin-api-grants');

    // Stored: in the Management API, and after a reload.
    const api = await mgmt.call<{ grants: Array<{ client_id: string; permissions: string[] }> }>('GET', `apis/${apiId}`, 200);
    expect(api.grants.find((g) => g.client_id === 'reporting-service')?.permissions).toEqual(['read:orders', 'read:reports']);
    await open(page, `/apis/${apiId}`);
    await expect(reporting.getByRole('checkbox', { name: 'read:orders', exact: true })).toBeChecked();

    // And back, so the demo's grants are as they were.
    await reporting.getByRole('checkbox', { name: 'read:orders', exact: true }).uncheck();
    await expect(toast(page, 'Reporting Service may ask for read:reports')).toBeVisible();
    await expect(reporting.getByRole('checkbox', { name: 'read:reports', exact: true })).toBeChecked();
  });
});
