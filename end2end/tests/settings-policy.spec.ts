// Settings → Impersonation, the whole policy: the tenant switch (with the
// live impersonations and Revoke all while it is off), reason and ticket
// (a pattern checked by the server, with an example), lifetimes,
// safeguards, and rules per role said in plain words.
//
// The suite shares one server and database: the settings found at the
// start are put back at the end (afterAll), whatever happened between.
import type { Locator, Page } from '@playwright/test';
import { DEMO_ADMIN } from '../support/env';
import { expect, open, screenshot, signIn, submitSignIn, test, waitForHydration } from '../support/fixtures';
import { ManagementApi, uniqueName } from '../support/management';

test.describe.configure({ mode: 'serial', timeout: 120_000 });

const RULE_SENTENCE =
  'People with the role Support agent may impersonate only users with the role Customer, ' +
  'in the connection Username-Password-Authentication, into Sample App.';

let mgmt: ManagementApi;
let original: unknown;
let admin: { id: string };

interface Person {
  id: string;
  email: string;
}

/** Demo customers (role "Customer" only) on the default connection. */
async function customers(): Promise<Person[]> {
  const roles = await mgmt.call<{ roles: Array<{ id: string; name: string }> }>('GET', 'roles?q=Customer', 200);
  const customer = roles.roles.find((r) => r.name === 'Customer')!;
  const page = await mgmt.call<{ users: Array<Record<string, unknown>> }>('GET', 'users?blocked=false&limit=100', 200);
  return page.users
    .filter(
      (u) =>
        Array.isArray(u.roles) &&
        u.roles.length === 1 &&
        u.roles[0] === customer.id &&
        u.connection_name === 'Username-Password-Authentication',
    )
    .map((u) => ({ id: u.id as string, email: u.email as string }));
}

/** A new user with only the role Customer. */
async function freshCustomer(): Promise<Person> {
  const roles = await mgmt.call<{ roles: Array<{ id: string; name: string }> }>('GET', 'roles?q=Customer', 200);
  const customer = roles.roles.find((r) => r.name === 'Customer')!;
  const email = `${uniqueName('customer').replace(/\s+/g, '-').toLowerCase()}@initech.test`;
  const created = await mgmt.call<{ id: string }>('POST', 'users', 201, {
    email,
    name: 'Fresh Customer',
    password: 'fresh-customer-password-1',
  });
  await mgmt.call('POST', `users/${created.id}/roles`, 200, { roles: [customer.id] });
  return { id: created.id, email };
}

test.beforeAll(async ({ baseURL }) => {
  mgmt = await ManagementApi.connect(baseURL!);
  original = await mgmt.call('GET', 'settings/impersonation', 200);
  const found = await mgmt.call<{ users: Array<{ id: string; email: string }> }>(
    'GET',
    `users?q=${encodeURIComponent(DEMO_ADMIN.email)}`,
    200,
  );
  admin = { id: found.users.find((u) => u.email === DEMO_ADMIN.email)!.id };
});

test.afterAll(async () => {
  if (mgmt && original) await mgmt.call('PUT', 'settings/impersonation', 200, original);
});

function toast(page: Page, text: string | RegExp): Locator {
  return page.getByRole('status').filter({ hasText: text });
}

async function save(page: Page) {
  await page.getByRole('button', { name: 'Save settings' }).click();
}

async function saved(page: Page) {
  await save(page);
  await expect(toast(page, 'Impersonation settings saved').last()).toBeVisible();
}

function ruleCard(page: Page, role: string): Locator {
  return page.getByRole('group', { name: `Rule for ${role}` });
}

test('the administrator turns safeguards on, checks a ticket pattern and writes a rule in plain words', async ({ page }, testInfo) => {
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await open(page, '/settings/impersonation');
  await expect(page.getByRole('heading', { level: 1, name: 'Impersonation' })).toBeVisible();
  await expect(page.getByLabel('Impersonation on', { exact: true })).toBeChecked();
  await expect(page.getByLabel('Bind links to the person who made them')).not.toBeChecked();
  await expect(page.getByLabel('Ask for the password again before minting')).not.toBeChecked();
  await expect(page.getByLabel('Password re-entry window (minutes)')).toHaveValue('15');
  await screenshot(page, testInfo, 'settings-policy-top');

  await page.getByLabel('Require a ticket reference').check();
  await page.getByLabel('Bind links to the person who made them').check();
  await page.getByLabel('Ask for the password again before minting').check();
  await page.getByLabel('Password re-entry window (minutes)').fill('20');
  await expect(page.getByText('Minting needs a password re-entry within the last 20 minutes.')).toBeVisible();

  // A pattern that is no regular expression, and two numbers out of range:
  // each message next to its field.
  const pattern = page.getByLabel('Ticket pattern (optional)');
  await pattern.fill('SUP-([0-9]+');
  await page.getByLabel('Approval window (minutes)').fill('20000');
  await save(page);
  await expect(page.getByText(/This is not a valid regular expression/)).toBeVisible();
  await expect(pattern).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('An approval lasts between 1 minute and 7 days.')).toBeVisible();
  await expect(page.getByText('Please correct the highlighted fields.')).toBeVisible();
  await screenshot(page, testInfo, 'settings-policy-errors');

  await pattern.fill('SUP-[0-9]+');
  await page.getByLabel('Approval window (minutes)').fill('60');
  await saved(page);
  await expect(page.locator('#ticket-example')).toHaveText('Example: SUP-1234');
  await expect(pattern).toHaveAttribute('aria-invalid', 'false');
  // The example is the server's reading of the saved pattern: while the
  // pattern is changed, the page says so instead.
  await pattern.fill('INC[0-9]{6}');
  await expect(page.locator('#ticket-example')).toHaveText('Save to check the pattern and see an example reference.');
  await pattern.fill('SUP-[0-9]+');
  await expect(page.locator('#ticket-example')).toHaveText('Example: SUP-1234');

  // A rule for the Support agent.
  await expect(page.getByText('No rule yet.')).toBeVisible();
  await page.getByLabel('Add a rule for the role').selectOption({ label: 'Support agent' });
  await page.getByRole('button', { name: 'Add rule' }).click();
  const card = ruleCard(page, 'Support agent');
  await expect(card).toBeVisible();
  const sentence = card.getByTestId('rule-sentence');
  await expect(sentence).toContainText('may impersonate any user, into any application.');
  await expect(sentence).toContainText('This rule restricts nothing yet');
  // Support agent has a rule now: it is no longer offered.
  await expect(page.getByLabel('Add a rule for the role').locator('option', { hasText: 'Support agent' })).toHaveCount(0);

  await card.getByRole('group', { name: 'Target connections' }).getByLabel('Username-Password-Authentication').check();
  // Keyboard: the checkbox lists are plain checkboxes.
  const customer = card.getByRole('group', { name: 'Target roles' }).getByLabel('Customer', { exact: true });
  await customer.focus();
  await page.keyboard.press('Space');
  await expect(customer).toBeChecked();
  await card.getByRole('group', { name: 'Applications' }).getByLabel('Sample App').check();
  await expect(sentence).toHaveText(RULE_SENTENCE);
  await card.getByLabel('Users must hold none of them').check();
  await expect(sentence).toContainText('only users without the role Customer');
  await card.getByLabel('Users must hold one of them').check();
  await card.getByLabel('Someone else must approve first').check();
  await expect(sentence).toHaveText(`${RULE_SENTENCE} Someone else must approve first.`);
  await card.scrollIntoViewIfNeeded();
  await screenshot(page, testInfo, 'settings-policy-rules');
  await saved(page);

  // Saved whole: everything is there after a reload.
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByLabel('Require a ticket reference')).toBeChecked();
  await expect(page.getByLabel('Bind links to the person who made them')).toBeChecked();
  await expect(page.getByLabel('Ask for the password again before minting')).toBeChecked();
  await expect(page.getByLabel('Password re-entry window (minutes)')).toHaveValue('20');
  await expect(page.getByLabel('Approval window (minutes)')).toHaveValue('60');
  await expect(page.getByLabel('Ticket pattern (optional)')).toHaveValue('SUP-[0-9]+');
  await expect(page.locator('#ticket-example')).toHaveText('Example: SUP-1234');
  const again = ruleCard(page, 'Support agent');
  await expect(again.getByTestId('rule-sentence')).toHaveText(`${RULE_SENTENCE} Someone else must approve first.`);
  await expect(again.getByLabel('Someone else must approve first')).toBeChecked();
  await expect(again.getByLabel('Read-only impersonation only')).not.toBeChecked();
  await expect(again.getByRole('group', { name: 'Applications' }).getByLabel('Sample App')).toBeChecked();
  const stored = await mgmt.call<{ rules: Array<Record<string, unknown>> }>('GET', 'settings/impersonation', 200);
  expect(stored.rules).toEqual([
    expect.objectContaining({
      role_id: 'rol_support',
      target_roles_mode: 'allow',
      applications: ['sample-app'],
      require_approval: true,
      read_only: false,
    }),
  ]);

  // At a narrow width the sections stack and nothing is cut off.
  await page.setViewportSize({ width: 800, height: 900 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, 'pixels the page is wider than the window').toBeLessThanOrEqual(0);
  await screenshot(page, testInfo, 'settings-policy-narrow');
});

test('someone who may only read settings sees it all, disabled, with what changing needs', async ({ page }, testInfo) => {
  const [, viewer] = await customers();
  const { apis } = await mgmt.call<{ apis: Array<{ id: string; builtin: boolean }> }>('GET', 'apis', 200);
  const management = apis.find((a) => a.builtin)!;
  const role = await mgmt.call<{ id: string }>('POST', 'roles', 201, {
    name: uniqueName('Settings reader'),
    description: 'E2E: reads the impersonation settings, changes nothing',
  });
  await mgmt.call('POST', `roles/${role.id}/permissions`, 200, {
    permissions: ['settings:read', 'impersonation:read'].map((p) => ({ api_id: management.id, permission: p })),
  });
  await mgmt.call('POST', `users/${viewer.id}/roles`, 200, { roles: [role.id] });

  await submitSignIn(page, viewer.email, 'masquerade-demo');
  await expect(page).not.toHaveURL(/\/login/);
  await waitForHydration(page);
  await open(page, '/settings/impersonation');
  await expect(page.getByText('You can see these settings but not change them: changing them needs settings:write.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save settings' })).toBeDisabled();
  await expect(page.getByText('Needs settings:write', { exact: true })).toBeVisible();
  await expect(page.getByLabel('Impersonation on', { exact: true })).toBeDisabled();
  await expect(page.getByLabel('Ticket pattern (optional)')).toBeDisabled();
  await expect(page.getByLabel('Ticket pattern (optional)')).toHaveValue('SUP-[0-9]+');
  const card = ruleCard(page, 'Support agent');
  await expect(card.getByTestId('rule-sentence')).toHaveText(`${RULE_SENTENCE} Someone else must approve first.`);
  await expect(card.getByRole('button', { name: 'Remove the rule for Support agent' })).toBeDisabled();
  await expect(card.getByRole('group', { name: 'Applications' }).getByLabel('Sample App')).toBeDisabled();
  await expect(page.getByLabel('Add a rule for the role')).toBeDisabled();
  await screenshot(page, testInfo, 'settings-policy-read-only');
});

test('switched off, the page lists the live impersonations, and Revoke all ends them', async ({ page }, testInfo) => {
  // A customer of its own: other specs leave live impersonations of the demo
  // customers behind, and this test counts the rows for its target.
  const target = await freshCustomer();
  // Minted by the bootstrap client for the administrator (a machine client
  // is not asked for a password); the ticket follows the saved pattern.
  const mint = (reason: string) =>
    mgmt.call<{ url: string }>('POST', `users/${target.id}/impersonation`, 201, {
      impersonator_id: admin.id,
      client_id: 'sample-app',
      reason,
      ticket: 'SUP-4711',
      state: '/orders',
    });
  await mint('E2E policy: not opened');
  const opened = await mint('E2E policy: running');
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  // Links are bound to the person they name: opened in the administrator's
  // signed-in browser, it signs the sample app in.
  expect((await page.request.get(opened.url, { maxRedirects: 0 })).status()).toBe(302);

  await open(page, '/settings/impersonation');
  await expect(page.getByRole('region', { name: 'Live impersonations' })).toHaveCount(0);
  await page.getByLabel('Impersonation on', { exact: true }).uncheck();
  const live = page.getByRole('region', { name: 'Live impersonations' });
  await expect(live).toContainText('Once saved, nobody can make, open or exchange an impersonation link.');
  const rows = live.getByRole('row').filter({ hasText: target.email });
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: 'Signed in' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'Link not opened yet' })).toHaveCount(1);
  await expect(rows.first()).toContainText(DEMO_ADMIN.email);
  await expect(rows.first()).toContainText('Sample App');
  await saved(page);
  await expect(live).toContainText('Impersonation is off.');
  await screenshot(page, testInfo, 'settings-policy-off');

  // Off refuses minting at once.
  await mgmt.call('POST', `users/${target.id}/impersonation`, 403, {
    impersonator_id: admin.id,
    client_id: 'sample-app',
    reason: 'E2E: off',
    ticket: 'SUP-1',
  });

  await live.getByRole('button', { name: 'Revoke all' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(/End (all \d+ live impersonations|the live impersonation)\?/);
  await screenshot(page, testInfo, 'settings-policy-revoke-all');
  await dialog.getByRole('button', { name: 'Revoke all' }).click();
  await expect(toast(page, /impersonations? ended/)).toBeVisible();
  await expect(live.getByText('No impersonation is live.')).toBeVisible();
  await expect(live.getByRole('row')).toHaveCount(0);

  // Back on, and the rule removed from the console: the settings as the
  // suite expects them (afterAll puts back the rest).
  await page.getByLabel('Impersonation on', { exact: true }).check();
  await expect(live).toHaveCount(0);
  await ruleCard(page, 'Support agent').getByRole('button', { name: 'Remove the rule for Support agent' }).click();
  await expect(page.getByText('No rule yet.')).toBeVisible();
  await saved(page);
  const stored = await mgmt.call<{ enabled: boolean; rules: unknown[] }>('GET', 'settings/impersonation', 200);
  expect(stored.enabled).toBe(true);
  expect(stored.rules).toEqual([]);
});

test('a rule for a role that does not give Sign in as User says it never applies', async ({ page }, testInfo) => {
  // Only the API can store one now (the console offers only roles that
  // give impersonation:create); a role can also lose that permission later.
  const current = await mgmt.call<{ rules: unknown[] }>('GET', 'settings/impersonation', 200);
  await mgmt.call('PUT', 'settings/impersonation', 200, {
    ...current,
    rules: [{ role_id: 'rol_auditor', read_only: true }],
  });
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await open(page, '/settings/impersonation');
  const card = ruleCard(page, 'Auditor');
  await expect(card.getByRole('note')).toHaveText(
    'Auditor does not give Sign in as User (impersonation:create), so this rule never applies. Give the role that permission, or remove the rule.',
  );
  await expect(card.getByTestId('rule-sentence')).toContainText('People with the role Auditor may impersonate any user');
  await screenshot(page, testInfo, 'settings-policy-rule-never-applies');
  await card.getByRole('button', { name: 'Remove the rule for Auditor' }).click();
  await saved(page);
  const stored = await mgmt.call<{ rules: unknown[] }>('GET', 'settings/impersonation', 200);
  expect(stored.rules).toEqual([]);
});
