// Roles in the console: an administrator makes an application-scoped role,
// gives it to someone with the picker, and that person sees exactly what it
// allows; the Auditor reads and changes nothing.
import type { Page } from '@playwright/test';
import { DEMO_ADMIN, DEMO_AUDITOR } from '../support/env';
import { ManagementApi, uniqueName } from '../support/management';
import { expect, open, screenshot, submitSignIn, test, waitForHydration } from '../support/fixtures';

const PASSWORD = 'billing-support-password-1';

/** The sections the console's navigation offers, by name. */
async function navSections(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Console' });
  await expect(nav).toBeVisible();
  return (await nav.getByRole('link').allInnerTexts()).map((t) => t.trim()).filter((t) => t !== 'M\nMasquerade' && t !== '');
}

async function signInAs(page: Page, email: string, password: string): Promise<void> {
  await submitSignIn(page, email, password);
  await expect(page).not.toHaveURL(/\/login/);
  await waitForHydration(page);
}

test('an application-scoped role gives Sign in as User for that application only', async ({ page, baseURL }, testInfo) => {
  const mgmt = await ManagementApi.connect(baseURL!);
  const roleName = uniqueName('Billing support');
  const email = `${roleName.split(' ').pop()}@billing.example`;
  await mgmt.call('POST', 'users', 201, { email, name: 'Bea Billing', password: PASSWORD });

  // 1. The administrator creates the role, scoped to the sample app.
  await signInAs(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await open(page, '/roles');
  await expect(page.getByRole('heading', { level: 1, name: 'Roles' })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: 'Support agent' }).getByText('Built-in')).toBeVisible();
  await screenshot(page, testInfo, 'roles-list');
  await page.getByRole('link', { name: 'Create role' }).click();
  await waitForHydration(page);
  await page.getByRole('textbox', { name: 'Name' }).fill(roleName);
  await page.getByRole('textbox', { name: 'Description' }).fill('Helps customers with invoices in the sample app.');
  await page.getByRole('combobox', { name: 'Applies to' }).selectOption({ label: 'Sample App only' });
  await screenshot(page, testInfo, 'role-new');
  await page.getByRole('button', { name: 'Create role' }).click();
  await expect(page.getByRole('heading', { level: 1, name: roleName })).toBeVisible();
  await expect(page.getByText('Sample App only').first()).toBeVisible();

  // Its permissions: impersonation:create and users:read of the Management API.
  await page.getByRole('combobox', { name: 'API' }).selectOption({ label: 'Masquerade Management API' });
  await page.getByRole('checkbox', { name: /impersonation:create/ }).check();
  await page.getByRole('checkbox', { name: /users:read/ }).check();
  await page.getByRole('button', { name: 'Add 2 permissions' }).click();
  await expect(page.getByText('Permissions saved')).toBeVisible();
  const held = page.getByRole('region', { name: 'Permissions of this role' });
  await expect(held.getByText('impersonation:create', { exact: true })).toBeVisible();
  await expect(held.getByText('users:read', { exact: true })).toBeVisible();
  await screenshot(page, testInfo, 'role-permissions');

  // 2. Assigned with the picker.
  await page.getByRole('tab', { name: /Users/ }).click();
  await page.getByRole('searchbox', { name: 'Find a user' }).fill('Bea Billing');
  await page.getByRole('button', { name: 'Add Bea Billing' }).click();
  await expect(page.getByText('Added to the role')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Members' }).getByText(email)).toBeVisible();
  await screenshot(page, testInfo, 'role-members');
  await page.getByRole('tab', { name: 'Settings' }).click();
  await screenshot(page, testInfo, 'role-settings');

  // 3. Signed in as that person: Users and Sign in as User, for the sample app only.
  await page.context().clearCookies();
  await signInAs(page, email, PASSWORD);
  const sections = await navSections(page);
  expect(sections).toContain('Users');
  for (const hidden of ['Applications', 'APIs', 'Settings', 'Roles']) expect(sections).not.toContain(hidden);
  await open(page, '/users?q=customer%40masquerade.test');
  const row = page.getByRole('row').filter({ hasText: 'customer@masquerade.test' });
  await row.getByRole('button', { name: /Sign in as/ }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  const apps = dialog.getByRole('combobox', { name: 'Application' });
  await expect(apps.locator('option', { hasText: 'Sample App' }).first()).toBeEnabled();
  await dialog.getByText(/Not available/).click();
  await expect(dialog.getByText(/does not cover this application/).first()).toBeVisible();
  await screenshot(page, testInfo, 'role-scoped-dialog');
  await dialog.getByRole('button', { name: 'Close' }).first().click();
  await open(page, '/applications');
  await expect(page.getByRole('heading', { name: "You don't have access to this page" })).toBeVisible();
  await expect(page.getByText('applications:read')).toBeVisible();
});

test('the Auditor reads the impersonation history and changes nothing', async ({ page }, testInfo) => {
  await signInAs(page, DEMO_AUDITOR.email, DEMO_AUDITOR.password);
  const sections = await navSections(page);
  expect(sections).toContain('Impersonations');
  for (const hidden of ['Users', 'Applications', 'APIs', 'Connections', 'Settings', 'Roles']) {
    expect(sections).not.toContain(hidden);
  }
  await open(page, '/impersonations');
  await expect(page.getByRole('heading', { level: 1, name: 'Impersonations' })).toBeVisible();
  // Revoke is shown disabled, naming the permission, never enabled.
  await expect(page.getByRole('button', { name: 'Revoke', exact: true, disabled: false })).toHaveCount(0);
  await expect(page.getByText(/revoking needs impersonation:revoke/)).toBeVisible();
  await screenshot(page, testInfo, 'auditor-impersonations');
  await open(page, '/roles');
  await expect(page.getByRole('heading', { name: "You don't have access to this page" })).toBeVisible();
  await expect(page.getByText('roles:read')).toBeVisible();
});

// ---------------------------------------------------------------------------
// The roles list, a role's page and a user's Roles tab, each on roles and
// people made here through the Management API and removed afterwards.

interface PermissionRef {
  api_id: string;
  permission: string;
}

interface RoleJson {
  id: string;
  name: string;
  client_id: string | null;
  member_count: number;
  permissions: PermissionRef[];
}

/** What a test made, deleted after it (whatever it deleted itself is skipped). */
const made = { roles: [] as string[], users: [] as string[] };

test.afterEach(async ({ baseURL }) => {
  if (made.roles.length === 0 && made.users.length === 0) return;
  const mgmt = await ManagementApi.connect(baseURL!);
  const gone = async (path: string) => {
    try {
      await mgmt.call('DELETE', path, 204);
    } catch (e) {
      if (!/answered 404/.test(String(e))) throw e;
    }
  };
  for (const id of made.roles.splice(0)) await gone(`roles/${encodeURIComponent(id)}`);
  for (const id of made.users.splice(0)) await gone(`users/${encodeURIComponent(id)}`);
});

/** The ids of the Management API (built in) and of the demo's Orders API. */
async function apiIds(mgmt: ManagementApi): Promise<{ management: string; orders: string }> {
  const { apis } = await mgmt.call<{ apis: { id: string; name: string; builtin: boolean }[] }>('GET', 'apis', 200);
  return {
    management: apis.find((a) => a.builtin)!.id,
    orders: apis.find((a) => a.name === 'Orders API')!.id,
  };
}

async function makeRole(
  mgmt: ManagementApi,
  name: string,
  opts: { description?: string; client_id?: string; permissions?: PermissionRef[]; members?: string[] } = {},
): Promise<RoleJson> {
  const role = await mgmt.call<RoleJson>('POST', 'roles', 201, {
    name,
    description: opts.description ?? '',
    ...(opts.client_id ? { client_id: opts.client_id } : {}),
  });
  made.roles.push(role.id);
  if (opts.permissions?.length) {
    await mgmt.call('POST', `roles/${role.id}/permissions`, 200, { permissions: opts.permissions });
  }
  if (opts.members?.length) await mgmt.call('POST', `roles/${role.id}/users`, 200, { users: opts.members });
  return role;
}

async function makeUser(mgmt: ManagementApi, name: string, email: string): Promise<string> {
  const user = await mgmt.call<{ id: string }>('POST', 'users', 201, { email, name, password: PASSWORD });
  made.users.push(user.id);
  return user.id;
}

/** "api_id permission" of each permission, sorted, for comparing roles. */
function permissionSet(perms: PermissionRef[]): string[] {
  return perms.map((p) => `${p.api_id} ${p.permission}`).sort();
}

/** Closes the toasts, so that a screenshot shows the page under them. */
async function dismissToasts(page: Page): Promise<void> {
  const close = page.getByRole('button', { name: 'Dismiss' });
  for (let n = await close.count(); n > 0; n = await close.count()) {
    await close.first().click({ timeout: 2_000 }).catch(() => undefined);
  }
}

/** The unique part of a uniqueName, one word ("lx3k9a-4f2c"). */
function uniqueTag(): string {
  return uniqueName('x').split(' ')[1];
}

test('searching the roles list narrows it by role or application name, and says when nothing matches', async ({
  page,
  baseURL,
}, testInfo) => {
  const mgmt = await ManagementApi.connect(baseURL!);
  const tag = uniqueTag();
  await makeRole(mgmt, `Ledger ${tag}`, { description: 'Reads invoices in the sample app.', client_id: 'sample-app' });
  await makeRole(mgmt, `Refunds ${tag}`, { description: 'Issues refunds anywhere.' });

  await signInAs(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await open(page, '/roles');
  const rows = page.locator('tbody tr');
  const search = page.getByRole('searchbox', { name: 'Search roles' });
  await expect(page.getByRole('link', { name: 'Support agent', exact: true })).toBeVisible();

  // Both roles of this run, and nothing else.
  await search.fill(tag);
  await expect(page.getByText('2 roles', { exact: true })).toBeVisible();
  await expect(rows).toHaveCount(2);
  await expect(page.getByRole('link', { name: `Ledger ${tag}` })).toBeVisible();
  await expect(page.getByRole('link', { name: `Refunds ${tag}` })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Support agent', exact: true })).toHaveCount(0);
  await expect(rows.filter({ hasText: `Ledger ${tag}` }).getByText('Sample App only')).toBeVisible();
  await expect(rows.filter({ hasText: `Refunds ${tag}` }).getByText('Whole tenant')).toBeVisible();
  await screenshot(page, testInfo, 'roles-search');

  // Every word must start a word of the name (any case)...
  await search.fill(`refunds ${tag.toUpperCase()}`);
  await expect(page.getByText('1 role', { exact: true })).toBeVisible();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`Refunds ${tag}`);
  // ...or of the application the role is scoped to.
  await search.fill(`sample ${tag}`);
  await expect(page.getByText('1 role', { exact: true })).toBeVisible();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`Ledger ${tag}`);

  // Nothing matches: an empty state, not an empty table.
  await search.fill(`nosuchrole-${tag}`);
  await expect(page.getByText('0 roles', { exact: true })).toBeVisible();
  await expect(page.getByText('No role matches this search.')).toBeVisible();
  await expect(page.getByRole('link', { name: new RegExp(tag) })).toHaveCount(0);
  await screenshot(page, testInfo, 'roles-search-empty');

  // Cleared: everything again.
  await search.fill('');
  await expect(page.getByRole('link', { name: 'Support agent', exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: `Ledger ${tag}` })).toBeVisible();
});

test("a role's Permissions tab shows what it gives, and removing a member updates its Users tab", async ({
  page,
  baseURL,
}, testInfo) => {
  const mgmt = await ManagementApi.connect(baseURL!);
  const api = await apiIds(mgmt);
  const tag = uniqueTag();
  const rita = { name: `Rita ${tag}`, email: `rita-${tag}@refunds.example` };
  const ron = { name: `Ron ${tag}`, email: `ron-${tag}@refunds.example` };
  const ritaId = await makeUser(mgmt, rita.name, rita.email);
  const ronId = await makeUser(mgmt, ron.name, ron.email);
  const role = await makeRole(mgmt, `Refund desk ${tag}`, {
    description: 'Looks up customers and their orders.',
    permissions: [
      { api_id: api.management, permission: 'users:read' },
      { api_id: api.orders, permission: 'read:orders' },
    ],
    members: [ritaId, ronId],
  });

  await signInAs(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await open(page, `/roles/${role.id}`);
  await expect(page.getByRole('heading', { level: 1, name: role.name })).toBeVisible();

  // Permissions is the first tab: each permission under its API, with the
  // API's description of it, and nothing the role does not hold.
  await expect(page.getByRole('tab', { name: 'Permissions' })).toHaveAttribute('aria-selected', 'true');
  const held = page.getByRole('region', { name: 'Permissions of this role' });
  await expect(held.getByRole('heading', { level: 3 })).toHaveText(['Masquerade Management API', 'Orders API']);
  await expect(held.locator('code')).toHaveText(['users:read', 'read:orders']);
  await expect(held.getByText("Read a customer's orders")).toBeVisible();
  await expect(held.getByText('https://api.orders.example/')).toBeVisible();
  await expect(held.getByText('write:orders')).toHaveCount(0);
  // The picker offers the rest, each checkbox the same size whatever the
  // length of its description.
  const offered = page.getByRole('region', { name: 'Add permissions' }).getByRole('checkbox');
  await expect(offered.first()).toBeVisible();
  await expect(page.getByRole('region', { name: 'Add permissions' }).getByRole('checkbox', { name: /users:read/ })).toHaveCount(0);
  const widths = await offered.evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().width)));
  expect(new Set(widths), `checkbox widths ${widths.join(', ')}`).toEqual(new Set([16]));
  await screenshot(page, testInfo, 'role-permissions-tab');

  // Users: both members; removing one takes them off at once.
  await page.getByRole('tab', { name: 'Users (2)' }).click();
  const members = page.getByRole('region', { name: 'Members' });
  await expect(members.getByText('2 members', { exact: true })).toBeVisible();
  await expect(members.getByRole('link', { name: rita.name })).toBeVisible();
  await expect(members.getByRole('link', { name: ron.name })).toBeVisible();
  await members.getByRole('button', { name: `Remove ${rita.name} from the role` }).click();
  await expect(page.getByText('Removed from the role')).toBeVisible();
  await expect(members.getByText('1 member', { exact: true })).toBeVisible();
  await expect(members.getByRole('link', { name: rita.name })).toHaveCount(0);
  await expect(members.getByText(rita.email)).toHaveCount(0);
  await expect(members.getByRole('link', { name: ron.name })).toBeVisible();
  // The tab's count follows, and the tab stays open.
  await expect(page.getByRole('tab', { name: 'Users (1)' })).toHaveAttribute('aria-selected', 'true');
  await dismissToasts(page);
  await screenshot(page, testInfo, 'role-member-removed');

  // Stored, not only shown: after a reload too, and over the API.
  const after = await mgmt.call<{ users: { id: string }[] }>('GET', `roles/${role.id}/users`, 200);
  expect(after.users.map((u) => u.id)).toEqual([ronId]);
  await open(page, `/roles/${role.id}`);
  await page.getByRole('tab', { name: 'Users (1)' }).click();
  await expect(page.getByRole('region', { name: 'Members' }).getByRole('link', { name: ron.name })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Members' }).getByRole('link', { name: rita.name })).toHaveCount(0);
});

test('duplicating a role makes a copy with its permissions under a distinct name, which opens', async ({
  page,
  baseURL,
}, testInfo) => {
  const mgmt = await ManagementApi.connect(baseURL!);
  const api = await apiIds(mgmt);
  const tag = uniqueTag();
  const memberId = await makeUser(mgmt, `Cora ${tag}`, `cora-${tag}@chargebacks.example`);
  const source = await makeRole(mgmt, `Chargebacks ${tag}`, {
    description: 'Handles disputed payments in the sample app.',
    client_id: 'sample-app',
    permissions: [
      { api_id: api.management, permission: 'impersonation:create' },
      { api_id: api.management, permission: 'users:read' },
      { api_id: api.orders, permission: 'read:reports' },
    ],
    members: [memberId],
  });

  await signInAs(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await open(page, `/roles/${source.id}`);
  const sourceHeld = page.getByRole('region', { name: 'Permissions of this role' }).locator('code');
  await expect(sourceHeld).toHaveCount(3);
  const shown = await sourceHeld.allInnerTexts();
  expect([...shown].sort()).toEqual(['impersonation:create', 'read:reports', 'users:read']);
  await page.getByRole('link', { name: 'Duplicate' }).click();
  await expect(page).toHaveURL(new RegExp(`/roles/new\\?from=${source.id}$`));
  await waitForHydration(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Duplicate role' })).toBeVisible();
  const name = page.getByRole('textbox', { name: 'Name' });
  await expect(name).toHaveValue(`${source.name} (copy)`);
  await expect(page.getByRole('textbox', { name: 'Description' })).toHaveValue(
    'Handles disputed payments in the sample app.',
  );
  await expect(page.getByRole('combobox', { name: 'Applies to' })).toHaveValue('sample-app');
  await expect(page.getByText(`The new role starts with the 3 permissions of ${source.name};`)).toBeVisible();
  await screenshot(page, testInfo, 'role-duplicate-form');

  // The source's own name is taken.
  await name.fill(source.name);
  await page.getByRole('button', { name: 'Duplicate role' }).click();
  await expect(page.getByText('Another role already has this name.')).toBeVisible();
  await expect(page).toHaveURL(/\/roles\/new\?from=/);

  // A distinct name: the copy is made and opens.
  const copyName = `${source.name} (copy)`;
  await name.fill(copyName);
  await page.getByRole('button', { name: 'Duplicate role' }).click();
  await expect(page.getByRole('heading', { level: 1, name: copyName })).toBeVisible();
  await expect(page).toHaveURL(/\/roles\/rol_[^/?]+$/);
  const copyId = new URL(page.url()).pathname.split('/').pop()!;
  made.roles.push(copyId);
  expect(copyId).not.toBe(source.id);
  await expect(page.getByText(`Role ${copyName} created`)).toBeVisible();
  await expect(page.getByText('Sample App only').first()).toBeVisible();
  const held = page.getByRole('region', { name: 'Permissions of this role' });
  await expect(held.locator('code')).toHaveText(shown);
  // Members are not copied.
  await expect(page.getByRole('tab', { name: 'Users (0)' })).toBeVisible();
  await dismissToasts(page);
  await screenshot(page, testInfo, 'role-duplicate');

  // Over the API: the same permissions and scope, a different name, the
  // source untouched.
  const copy = await mgmt.call<RoleJson>('GET', `roles/${copyId}`, 200);
  const original = await mgmt.call<RoleJson>('GET', `roles/${source.id}`, 200);
  expect(copy.name).toBe(copyName);
  expect(copy.name).not.toBe(original.name);
  expect(copy.client_id).toBe('sample-app');
  expect(copy.member_count).toBe(0);
  expect(permissionSet(copy.permissions)).toEqual(permissionSet(original.permissions));
  expect(original.member_count).toBe(1);

  // Both in the list.
  await open(page, '/roles');
  await page.getByRole('searchbox', { name: 'Search roles' }).fill(tag);
  await expect(page.locator('tbody tr')).toHaveCount(2);
  await page.getByRole('link', { name: copyName }).click();
  await expect(page.getByRole('heading', { level: 1, name: copyName })).toBeVisible();
});

test('deleting a role says how many people hold it, and then it is gone', async ({ page, baseURL }, testInfo) => {
  const mgmt = await ManagementApi.connect(baseURL!);
  const api = await apiIds(mgmt);
  const tag = uniqueTag();
  const dana = await makeUser(mgmt, `Dana ${tag}`, `dana-${tag}@legacy.example`);
  const dev = await makeUser(mgmt, `Dev ${tag}`, `dev-${tag}@legacy.example`);
  const role = await makeRole(mgmt, `Legacy support ${tag}`, {
    description: 'No longer used.',
    permissions: [{ api_id: api.management, permission: 'users:read' }],
    members: [dana, dev],
  });

  await signInAs(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await open(page, `/roles/${role.id}`);
  await expect(page.getByRole('heading', { level: 1, name: role.name })).toBeVisible();
  await page.getByRole('button', { name: 'Delete role' }).click();
  const dialog = page.getByRole('dialog', { name: `Delete the role ${role.name}?` });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('2 users hold this role');
  await expect(dialog).toContainText('This cannot be undone.');

  // The keyboard works at once: focus is on Cancel, Tab stays inside the
  // dialog, Escape closes it and gives focus back to the button.
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Delete role' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(dialog.getByRole('button', { name: 'Delete role' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Delete role' })).toBeFocused();

  // Cancel changes nothing.
  await page.getByRole('button', { name: 'Delete role' }).click();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect((await mgmt.call<RoleJson>('GET', `roles/${role.id}`, 200)).member_count).toBe(2);

  await page.getByRole('button', { name: 'Delete role' }).click();
  await expect(dialog).toBeVisible();
  await screenshot(page, testInfo, 'role-delete-dialog');
  await dialog.getByRole('button', { name: 'Delete role' }).click();
  await expect(page).toHaveURL(/\/roles$/);
  await expect(page.getByText(/Role deleted; 2 users lost it/)).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Roles' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Support agent', exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: role.name })).toHaveCount(0);
  await page.getByRole('searchbox', { name: 'Search roles' }).fill(tag);
  await expect(page.getByText('No role matches this search.')).toBeVisible();

  // Gone for good; its members are still there, without it.
  await mgmt.call('GET', `roles/${role.id}`, 404);
  for (const id of [dana, dev]) {
    expect((await mgmt.call<{ roles: unknown[] }>('GET', `users/${id}/roles`, 200)).roles).toEqual([]);
  }
  await open(page, `/roles/${role.id}`);
  await expect(page.getByRole('alert')).toBeVisible();

  // One member: said in the singular.
  const solo = await makeRole(mgmt, `Solo ${tag}`, { members: [dana] });
  await open(page, `/roles/${solo.id}`);
  await page.getByRole('button', { name: 'Delete role' }).click();
  await expect(page.getByRole('dialog')).toContainText('1 user holds this role');
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

  // A built-in role cannot be deleted, and says why.
  await open(page, '/roles/rol_support');
  await expect(page.getByRole('button', { name: 'Delete role' })).toBeDisabled();
  await expect(page.getByText('Built-in roles cannot be deleted')).toBeVisible();
});

test("a user's Roles tab assigns a role, shows the permissions that result, and unassigns it", async ({
  page,
  baseURL,
}, testInfo) => {
  const mgmt = await ManagementApi.connect(baseURL!);
  const api = await apiIds(mgmt);
  const tag = uniqueTag();
  const userId = await makeUser(mgmt, `Uma ${tag}`, `uma-${tag}@orders.example`);
  const viewer = await makeRole(mgmt, `Order viewer ${tag}`, {
    permissions: [
      { api_id: api.orders, permission: 'read:orders' },
      { api_id: api.management, permission: 'users:read' },
    ],
  });
  const scoped = await makeRole(mgmt, `Sample orders ${tag}`, {
    client_id: 'sample-app',
    permissions: [
      { api_id: api.orders, permission: 'read:orders' },
      { api_id: api.orders, permission: 'write:orders' },
    ],
  });

  await signInAs(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await open(page, `/users/${userId}`);
  await page.getByRole('tab', { name: 'Roles' }).click();
  await expect(page.getByRole('tab', { name: 'Roles' })).toHaveAttribute('aria-selected', 'true');
  const roles = page.getByRole('region', { name: 'Roles', exact: true });
  const perms = page.getByRole('region', { name: 'Resulting permissions' });
  await expect(roles.getByText('This user holds no role.')).toBeVisible();
  await expect(perms.getByText('No permissions.')).toBeVisible();

  // Assign the tenant-wide role.
  const picker = page.getByRole('combobox', { name: 'Role', exact: true });
  const assign = page.getByRole('button', { name: 'Assign role' });
  await expect(assign).toBeDisabled();
  await picker.selectOption({ label: viewer.name });
  await assign.click();
  await expect(page.getByText('Role assigned')).toBeVisible();
  await expect(roles.getByRole('link', { name: viewer.name })).toBeVisible();
  await expect(roles.getByText('Whole tenant')).toBeVisible();
  await expect(perms.getByRole('heading', { level: 3 })).toHaveText(['Masquerade Management API', 'Orders API']);
  await expect(perms.locator('code')).toHaveText(['users:read', 'read:orders']);
  await expect(perms.getByRole('listitem').filter({ hasText: 'read:orders' })).toContainText(`from ${viewer.name}`);
  // What it holds is no longer offered.
  await expect(picker.locator('option', { hasText: viewer.name })).toHaveCount(0);

  // And the scoped one: read:orders now comes from both.
  await picker.selectOption({ label: `${scoped.name} (Sample App only)` });
  await assign.click();
  await expect(roles.getByRole('link', { name: scoped.name })).toBeVisible();
  await expect(roles.getByText('Sample App only')).toBeVisible();
  await expect(perms.locator('code')).toHaveText(['users:read', 'read:orders', 'write:orders']);
  const readOrders = perms.getByRole('listitem').filter({ hasText: 'read:orders' });
  await expect(readOrders).toContainText(viewer.name);
  await expect(readOrders).toContainText(`${scoped.name} (for Sample App only)`);
  await expect(perms.getByRole('listitem').filter({ hasText: 'write:orders' })).toContainText(
    `from ${scoped.name} (for Sample App only)`,
  );
  // However long the list of roles, a permission's description stays right
  // under it.
  const code = (await readOrders.locator('code').boundingBox())!;
  const description = (await readOrders.getByText("Read a customer's orders").boundingBox())!;
  expect(description.y - (code.y + code.height), 'gap between read:orders and its description').toBeLessThan(6);
  await dismissToasts(page);
  await screenshot(page, testInfo, 'user-roles-tab');
  const stored = await mgmt.call<{ roles: { id: string }[] }>('GET', `users/${userId}/roles`, 200);
  expect(stored.roles.map((r) => r.id).sort()).toEqual([viewer.id, scoped.id].sort());

  // Unassign the tenant-wide role: what only it gave goes.
  await roles.getByRole('button', { name: `Remove the role ${viewer.name}` }).click();
  await expect(page.getByText(/Role removed/)).toBeVisible();
  await expect(roles.getByRole('link', { name: viewer.name })).toHaveCount(0);
  await expect(perms.locator('code')).toHaveText(['read:orders', 'write:orders']);
  await expect(perms.getByText('Masquerade Management API')).toHaveCount(0);
  await expect(picker.locator('option', { hasText: viewer.name })).toHaveCount(1);

  // And the other: nothing left.
  await roles.getByRole('button', { name: `Remove the role ${scoped.name}` }).click();
  await expect(roles.getByText('This user holds no role.')).toBeVisible();
  await expect(perms.getByText('No permissions.')).toBeVisible();
  expect((await mgmt.call<{ roles: unknown[] }>('GET', `users/${userId}/roles`, 200)).roles).toEqual([]);
});
