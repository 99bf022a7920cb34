// Accessibility: axe-core on every console screen, as each kind of person
// sees it, and on the tabs and dialogs those screens open. Serious and
// critical violations fail the test.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { DEMO_ADMIN, DEMO_AUDITOR, DEMO_CUSTOMER, DEMO_SUPPORT } from '../support/env';
import { ManagementApi, uniqueName } from '../support/management';
import { expect, open, submitSignIn, test, waitForHydration } from '../support/fixtures';

interface Ids {
  user: string;
  api: string;
  role: string;
}

async function ids(baseURL: string): Promise<Ids> {
  const mgmt = await ManagementApi.connect(baseURL);
  const users = await mgmt.call<{ users: { id: string; email: string }[] }>(
    'GET',
    `users?q=${encodeURIComponent(DEMO_CUSTOMER.email)}`,
    200,
  );
  const apis = await mgmt.call<{ apis: { id: string; builtin: boolean }[] }>('GET', 'apis', 200);
  const roles = await mgmt.call<{ roles: { id: string; name: string }[] }>('GET', 'roles?q=Customer', 200);
  return {
    user: users.users.find((u) => u.email === DEMO_CUSTOMER.email)!.id,
    api: apis.apis.find((a) => !a.builtin)!.id,
    role: roles.roles.find((r) => r.name === 'Customer')!.id,
  };
}

function screens(i: Ids): string[] {
  return [
    '/users',
    `/users/${i.user}`,
    '/users/new',
    '/applications',
    '/applications/sample-app',
    '/applications/new',
    '/apis',
    `/apis/${i.api}`,
    '/apis/new',
    '/connections',
    '/impersonations',
    '/approvals',
    '/audit',
    '/roles',
    '/roles/rol_support',
    `/roles/${i.role}`,
    '/roles/new',
    '/roles/new?from=rol_support',
    '/settings/keys',
    '/settings/impersonation',
  ];
}

async function serious(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`);
}

interface Account {
  email: string;
  password: string;
}

/** Someone made for a test, and the way to remove them again. */
interface MadePerson extends Account {
  userId: string;
  roleId: string;
  roleName: string;
  remove(): Promise<void>;
}

/**
 * A person whose only role is scoped to the sample app and gives
 * impersonation:create for it (like roles.spec.ts's "Billing support"):
 * they may enter the console, and open little but Approvals.
 */
async function appScopedImpersonator(baseURL: string): Promise<MadePerson> {
  const mgmt = await ManagementApi.connect(baseURL);
  const roleName = uniqueName('Sample app impersonator');
  const tag = roleName.split(' ').pop()!;
  const password = 'scoped-impersonator-password-1';
  const apis = await mgmt.call<{ apis: { id: string; builtin: boolean }[] }>('GET', 'apis', 200);
  const role = await mgmt.call<{ id: string }>('POST', 'roles', 201, {
    name: roleName,
    description: 'Signs in as users of the sample app only.',
    client_id: 'sample-app',
  });
  await mgmt.call('POST', `roles/${role.id}/permissions`, 200, {
    permissions: [{ api_id: apis.apis.find((a) => a.builtin)!.id, permission: 'impersonation:create' }],
  });
  const email = `scoped-${tag}@masquerade.test`;
  const user = await mgmt.call<{ id: string }>('POST', 'users', 201, { email, name: `Sam Scoped ${tag}`, password });
  await mgmt.call('POST', `roles/${role.id}/users`, 200, { users: [user.id] });
  return {
    email,
    password,
    userId: user.id,
    roleId: role.id,
    roleName,
    remove: async () => {
      await mgmt.call('DELETE', `users/${user.id}`, 204);
      await mgmt.call('DELETE', `roles/${role.id}`, 204);
    },
  };
}

/** The people whose console is scanned: the demo's, and one made for the test. */
const PEOPLE: { label: string; account(baseURL: string): Promise<Account & { remove?(): Promise<void> }> }[] = [
  ...[DEMO_ADMIN, DEMO_SUPPORT, DEMO_AUDITOR].map((a) => ({ label: a.email, account: async () => a })),
  { label: 'an impersonator scoped to the sample app', account: appScopedImpersonator },
];

for (const who of PEOPLE) {
  test(`no serious accessibility violations on any console screen as ${who.label}`, async ({ page, baseURL }) => {
    test.setTimeout(180_000);
    const i = await ids(baseURL!);
    const account = await who.account(baseURL!);
    try {
      await submitSignIn(page, account.email, account.password);
      await expect(page).not.toHaveURL(/\/login/);
      await waitForHydration(page);
      const found: string[] = [];
      // Where signing in lands (the first section they may open) and every screen.
      await expect(page).not.toHaveURL(/^https?:\/\/[^/]+\/$/);
      await waitForHydration(page);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      found.push(...(await serious(page)).map((v) => `${new URL(page.url()).pathname} (landing): ${v}`));
      for (const path of screens(i)) {
        await open(page, path);
        await expect(page.locator('main')).toBeVisible();
        for (const v of await serious(page)) found.push(`${path}: ${v}`);
      }
      expect(found, found.join('\n')).toEqual([]);
    } finally {
      await account.remove?.();
    }
  });
}

/**
 * The tabs and dialogs of a screen, each opened the way a person opens it:
 * `open` clicks, then waits for what the click shows.
 */
function views(p: MadePerson): { name: string; path: string; open(page: Page): Promise<void> }[] {
  return [
    {
      name: "role page's Permissions tab",
      path: `/roles/${p.roleId}`,
      open: async (page) => {
        await page.getByRole('tab', { name: 'Permissions' }).click();
        await expect(page.getByRole('region', { name: 'Permissions of this role' }).locator('code')).toHaveText([
          'impersonation:create',
        ]);
      },
    },
    {
      name: "role page's Users tab",
      path: `/roles/${p.roleId}`,
      open: async (page) => {
        await page.getByRole('tab', { name: 'Users (1)' }).click();
        await expect(page.getByRole('region', { name: 'Members' }).getByText(p.email)).toBeVisible();
      },
    },
    {
      name: "role page's Users tab, with the picker's matches",
      path: `/roles/${p.roleId}`,
      open: async (page) => {
        await page.getByRole('tab', { name: 'Users (1)' }).click();
        await page.getByRole('searchbox', { name: 'Find a user' }).fill('customer');
        await expect(page.getByRole('button', { name: 'Add Casey Customer' }).first()).toBeVisible();
      },
    },
    {
      name: 'delete-role confirmation',
      path: `/roles/${p.roleId}`,
      open: async (page) => {
        await page.getByRole('button', { name: 'Delete role' }).click();
        await expect(page.getByRole('dialog', { name: `Delete the role ${p.roleName}?` })).toBeVisible();
      },
    },
    {
      name: "user page's Roles tab",
      path: `/users/${p.userId}`,
      open: async (page) => {
        await page.getByRole('tab', { name: 'Roles' }).click();
        await expect(page.getByRole('region', { name: 'Roles', exact: true }).getByText(p.roleName)).toBeVisible();
        await expect(page.getByRole('region', { name: 'Resulting permissions' }).locator('code')).toHaveText([
          'impersonation:create',
        ]);
        await expect(page.getByRole('combobox', { name: 'Role', exact: true })).toBeVisible();
      },
    },
  ];
}

test('no serious accessibility violations in the role and user tabs and the delete-role dialog', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const person = await appScopedImpersonator(baseURL!);
  try {
    await submitSignIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
    await expect(page).not.toHaveURL(/\/login/);
    await waitForHydration(page);
    const found: string[] = [];
    for (const view of views(person)) {
      await open(page, view.path);
      await view.open(page);
      for (const v of await serious(page)) found.push(`${view.path} (${view.name}): ${v}`);
    }
    expect(found, found.join('\n')).toEqual([]);
  } finally {
    await person.remove();
  }
});

test('no serious accessibility violations on the sign-in, no-access and account pages', async ({ page }) => {
  await open(page, '/login');
  const found = (await serious(page)).map((v) => `/login: ${v}`);
  await submitSignIn(page, DEMO_CUSTOMER.email, DEMO_CUSTOMER.password);
  await expect(page.getByRole('heading', { name: 'No console access' })).toBeVisible();
  found.push(...(await serious(page)).map((v) => `/no-access: ${v}`));
  // A plain user's own account page (no console permission needed).
  await open(page, '/account');
  await expect(page.getByRole('heading', { level: 1, name: 'Account activity' })).toBeVisible();
  found.push(...(await serious(page)).map((v) => `/account: ${v}`));
  expect(found, found.join('\n')).toEqual([]);
});
