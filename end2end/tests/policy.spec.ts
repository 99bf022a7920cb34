// The impersonation policy in the console: a rule that lets Support agents
// sign in as customers only, the refusals it and the built-in checks give
// (each with its sentence), the "Check access" dry run agreeing with them,
// protected users, four-eyes approval through the Approvals page, step-up
// (the password again, inline in the dialog) and read-only impersonation.
//
// The rules are set through the Management REST API (Settings →
// Impersonation has its own spec); every setting, flag and request this
// spec makes is put back afterwards, since the suite shares one server.
import AxeBuilder from '@axe-core/playwright';
import type { Cookie, Locator, Page } from '@playwright/test';
import { DEMO_ADMIN, DEMO_AUDITOR, DEMO_SUPPORT } from '../support/env';
import { expect, open, screenshot, signIn, test, waitForHydration } from '../support/fixtures';
import { ManagementApi, uniqueName } from '../support/management';

test.describe.configure({ mode: 'serial', timeout: 120_000 });

const ORDERS_API = 'https://api.orders.example/';
const SUPPORT_RULE_SENTENCE = /The role 'Support agent' may only impersonate users with the role 'Customer'; .+ has roles: /;

interface Person {
  id: string;
  email: string;
  label: string;
}

interface Rule {
  role_id: string;
  connections: string[];
  target_roles: string[];
  target_roles_mode: 'allow' | 'deny';
  applications: string[];
  require_approval: boolean;
  read_only: boolean;
}

type Settings = Record<string, unknown> & { rules: Rule[] };

let base: string;
let mgmt: ManagementApi;
let original: Settings;
let customerRole: string;
let admin: Person;
let support: Person;
let auditor: Person;
/** A customer the Support agent signs in as. */
let customer: Person;
/** Another customer, protected by the administrator in the first test. */
let protectedCustomer: Person;
/** A second support agent (holding only that role), made for this spec. */
let otherAgent: Person;
/** Cookies of a Support agent session signed in when the spec starts: old enough for step-up later. */
let oldSession: { cookies: Cookie[]; at: number };

/** No serious or critical axe violation on what the page shows now (dialogs and panels opened by a click included). */
async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const found = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`);
  expect(found, found.join('\n')).toEqual([]);
}

async function person(email: string): Promise<Person> {
  const found = await mgmt.call<{ users: Array<{ id: string; email: string; name: string }> }>(
    'GET',
    `users?q=${encodeURIComponent(email)}`,
    200,
  );
  const u = found.users.find((u) => u.email === email);
  if (!u) throw new Error(`no user ${email}`);
  return { id: u.id, email: u.email, label: u.name || u.email };
}

/** Demo customers: holding only the Customer role, on the default connection, not blocked. */
async function customers(n: number): Promise<Person[]> {
  const page = await mgmt.call<{ users: Array<Record<string, unknown>> }>('GET', 'users?blocked=false&limit=100', 200);
  return page.users
    .filter(
      (u) =>
        Array.isArray(u.roles) &&
        u.roles.length === 1 &&
        u.roles[0] === customerRole &&
        u.connection_name === 'Username-Password-Authentication' &&
        !String(u.email).startsWith('customer@'),
    )
    .slice(0, n)
    .map((u) => ({ id: u.id as string, email: u.email as string, label: (u.name as string) || (u.email as string) }));
}

function supportRule(extra: Partial<Rule> = {}): Rule {
  return {
    role_id: 'rol_support',
    connections: [],
    target_roles: [customerRole],
    target_roles_mode: 'allow',
    applications: [],
    require_approval: false,
    read_only: false,
    ...extra,
  };
}

async function putSettings(changes: Partial<Settings>): Promise<void> {
  await mgmt.call('PUT', 'settings/impersonation', 200, { ...original, ...changes });
}

/** Signs the page's browser out (cookies) and in again as `who`. */
async function signInFresh(page: Page, who: { email: string; password: string }) {
  await page.context().clearCookies();
  await signIn(page, who.email, who.password);
}

async function openDialog(page: Page, target: Person): Promise<Locator> {
  await open(page, `/users/${target.id}`);
  await page.getByRole('button', { name: 'Sign in as User', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Sign in as ${target.label}` });
  await expect(dialog.getByLabel('Application')).toBeVisible();
  return dialog;
}

/** "Open in new tab" on a minted link; returns the new tab. */
async function openLink(page: Page, scope: Locator): Promise<Page> {
  await expect(scope.getByLabel('Impersonation link')).toHaveValue(new RegExp(`^${base}/impersonate/`));
  const [tab] = await Promise.all([
    page.context().waitForEvent('page'),
    scope.getByRole('link', { name: 'Open in new tab' }).click(),
  ]);
  await tab.waitForLoadState('domcontentloaded');
  return tab;
}

/** The sample app, signed in as `target` by the Support agent (scope openid: the banner names them by id). */
async function expectSignedInAs(tab: Page, target: Person) {
  await expect(tab.getByTestId('impersonation-banner')).toContainText(`Signed in as ${target.id}, impersonated by ${DEMO_SUPPORT.email}`);
  const idToken = JSON.parse((await tab.getByTestId('id-token').textContent())!);
  expect(idToken.sub).toBe(target.id);
}

/** The user page's Sign in as User button: disabled, with `sentence` beside it. */
async function expectRefused(page: Page, target: Person, sentence: string | RegExp) {
  await open(page, `/users/${target.id}`);
  const button = page.getByRole('button', { name: 'Sign in as User', exact: true });
  await expect(button).toBeDisabled();
  await expect(button).toHaveAccessibleDescription(sentence);
}

/** Runs the user page's dry run for the Support agent into the Sample App. */
async function dryRun(page: Page, target: Person): Promise<Locator> {
  await open(page, `/users/${target.id}`);
  await page.getByRole('tab', { name: 'Check access' }).click();
  const panel = page.getByRole('region', { name: `Can someone sign in as ${target.label}?` });
  await panel.getByLabel('Impersonator').selectOption({ label: `${support.label} (${support.email})` });
  await panel.getByLabel('Application').selectOption({ label: 'Sample App' });
  await panel.getByRole('button', { name: 'Check access' }).click();
  const result = panel.getByTestId('check-result');
  await expect(result).toContainText(`Can ${support.label} (${support.email}) impersonate ${target.label} into Sample App?`);
  return result;
}

test.beforeAll(async ({ baseURL, browser }) => {
  base = baseURL!;
  mgmt = await ManagementApi.connect(base);
  original = await mgmt.call<Settings>('GET', 'settings/impersonation', 200);
  const roles = await mgmt.call<{ roles: Array<{ id: string; name: string }> }>('GET', 'roles?q=Customer', 200);
  customerRole = roles.roles.find((r) => r.name === 'Customer')!.id;
  admin = await person(DEMO_ADMIN.email);
  support = await person(DEMO_SUPPORT.email);
  auditor = await person(DEMO_AUDITOR.email);
  [customer, protectedCustomer] = await customers(2);
  const email = `${uniqueName('agent').replace(/\s+/g, '-').toLowerCase()}@masquerade.test`;
  const created = await mgmt.call<{ id: string; email: string }>('POST', 'users', 201, {
    email,
    name: 'Second Agent',
    password: 'second-agent-password-1',
  });
  await mgmt.call('POST', `users/${created.id}/roles`, 200, { roles: ['rol_support'] });
  otherAgent = { id: created.id, email, label: 'Second Agent' };

  // A Support agent session that will be more than a minute old when the
  // step-up test runs.
  const ctx = await browser.newContext({ baseURL: base });
  const res = await ctx.request.post('/api/sign_in', { form: { email: DEMO_SUPPORT.email, password: DEMO_SUPPORT.password } });
  expect(res.status(), await res.text()).toBe(200);
  oldSession = { cookies: (await ctx.storageState()).cookies, at: Date.now() };
  await ctx.close();
});

test.afterAll(async () => {
  if (!mgmt) return;
  await mgmt.call('PUT', 'settings/impersonation', 200, original);
  if (protectedCustomer) await mgmt.call('PUT', `users/${protectedCustomer.id}/protection`, 200, { protected: false });
  const left = await mgmt.call<{ requests: Array<{ id: string }> }>('GET', 'impersonation/requests', 200);
  for (const r of left.requests) {
    await mgmt.call('POST', `impersonation/requests/${r.id}/reject`, 200, { note: 'E2E: cleaning up' });
  }
  if (otherAgent) await mgmt.call('DELETE', `users/${otherAgent.id}`, 204);
});

test('the administrator protects a user from the user page', async ({ page }, testInfo) => {
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await open(page, `/users/${protectedCustomer.id}`);
  const section = page.getByRole('region', { name: 'Sign in as User protection' });
  await expect(section.getByTestId('protection-state')).toHaveText('Not protected: those the impersonation policy allows may sign in as this user.');
  await expect(page.getByRole('button', { name: 'Sign in as User', exact: true })).toBeEnabled();
  await screenshot(page, testInfo, 'policy-user-not-protected');
  await section.getByRole('button', { name: 'Protect user' }).click();
  const confirm = page.getByRole('dialog', { name: `Protect ${protectedCustomer.label}?` });
  await expect(confirm).toContainText('Nobody will be able to sign in as this user.');
  await screenshot(page, testInfo, 'policy-protect-confirm');
  await confirm.getByRole('button', { name: 'Protect user' }).click();
  await expect(page.getByRole('status').filter({ hasText: `${protectedCustomer.label} is protected: nobody may sign in as them` })).toBeVisible();
  await expect(section.getByTestId('protection-state')).toHaveText('Protected: nobody may sign in as this user.');
  await expect(page.getByText('Protected', { exact: true })).toBeVisible();
  // The page's own Sign in as User button says so, after a reload too.
  await page.reload();
  await waitForHydration(page);
  const button = page.getByRole('button', { name: 'Sign in as User', exact: true });
  await expect(button).toBeDisabled();
  await expect(button).toHaveAccessibleDescription('This user is protected: nobody may sign in as them.');
  await expect(section.getByRole('button', { name: 'Remove protection' })).toBeEnabled();
  await screenshot(page, testInfo, 'policy-user-protected');

  // An administrator's page says that administrators are protected anyway.
  await open(page, `/users/${otherAgent.id}`);
  await expect(page.getByText('Administrators are always protected')).toHaveCount(0);
  const me = await person(DEMO_ADMIN.email);
  await open(page, `/users/${me.id}`);
  await expect(page.getByText('Administrators are always protected, whether this is set or not.')).toBeVisible();
});

test('with the rule, a Support agent signs in as a customer and is refused everyone else, each with its reason', async ({ page }, testInfo) => {
  await putSettings({ rules: [supportRule()] });
  await signIn(page, DEMO_SUPPORT.email, DEMO_SUPPORT.password);

  // A customer: the link opens the sample app as them.
  const dialog = await openDialog(page, customer);
  await dialog.getByLabel('Application').selectOption({ label: 'Sample App' });
  await dialog.getByLabel(/^Reason/).fill('E2E policy: a customer');
  await dialog.getByRole('button', { name: 'Generate link' }).click();
  const tab = await openLink(page, dialog);
  await expectSignedInAs(tab, customer);
  await tab.close();
  await page.keyboard.press('Escape');

  // Protecting is not for a Support agent alone.
  await open(page, `/users/${protectedCustomer.id}`);
  const protect = page.getByRole('region', { name: 'Sign in as User protection' }).getByRole('button', { name: 'Remove protection' });
  await expect(protect).toBeDisabled();
  await expect(protect).toHaveAccessibleDescription('Needs users:write and impersonation:create');

  // Everyone else, each refused with the sentence of what decided.
  await expectRefused(page, auditor, SUPPORT_RULE_SENTENCE);
  await screenshot(page, testInfo, 'policy-refused-by-rule');
  await expectRefused(page, admin, 'Administrators cannot be impersonated.');
  await expectRefused(page, protectedCustomer, 'This user is protected: nobody may sign in as them.');
  await expectRefused(page, otherAgent, SUPPORT_RULE_SENTENCE);
  await screenshot(page, testInfo, 'policy-refused-other-agent');
});

test('the dry run agrees: allowed for the customer, denied for the others with the deciding rule', async ({ page }, testInfo) => {
  await putSettings({ rules: [supportRule()] });
  await signIn(page, DEMO_ADMIN.email, DEMO_ADMIN.password);

  let result = await dryRun(page, customer);
  await expect(result.getByText('Allowed', { exact: true })).toBeVisible();
  await expect(result).toContainText("Allowed through the role 'Support agent'.");
  await expect(result).toContainText('Decided by: role Support agent');
  await expect(result).toContainText(`The rule of 'Support agent' admits`);
  await screenshot(page, testInfo, 'policy-check-allowed');

  result = await dryRun(page, auditor);
  await expect(result.getByText('Denied', { exact: true })).toBeVisible();
  await expect(result).toContainText(SUPPORT_RULE_SENTENCE);
  await expect(result).toContainText('Decided by: role Support agent');
  await expect(result).toContainText("Refused by the rule of 'Support agent'");
  await screenshot(page, testInfo, 'policy-check-denied-rule');
  await expectAccessible(page);

  result = await dryRun(page, otherAgent);
  await expect(result.getByText('Denied', { exact: true })).toBeVisible();
  await expect(result).toContainText(SUPPORT_RULE_SENTENCE);

  for (const [who, sentence] of [
    [admin, 'Administrators cannot be impersonated.'],
    [protectedCustomer, 'This user is protected: nobody may sign in as them.'],
  ] as const) {
    result = await dryRun(page, who);
    await expect(result.getByText('Denied', { exact: true })).toBeVisible();
    await expect(result).toContainText(sentence);
    await expect(result).not.toContainText('Decided by');
  }
  await screenshot(page, testInfo, 'policy-check-denied-protected');

  // The role's page asks for anyone holding just that role.
  await open(page, '/roles/rol_support');
  await page.getByRole('tab', { name: 'Check access' }).click();
  const panel = page.getByRole('region', { name: 'What may holders of Support agent do?' });
  await panel.getByLabel("User's email").fill(customer.email);
  await panel.getByLabel('Application').selectOption({ label: 'Sample App' });
  await panel.getByRole('button', { name: 'Check access' }).click();
  await expect(panel.getByTestId('check-result')).toContainText("Allowed through the role 'Support agent'.");
  await panel.getByLabel("User's email").fill(DEMO_AUDITOR.email);
  await panel.getByRole('button', { name: 'Check access' }).click();
  await expect(panel.getByTestId('check-result')).toContainText(SUPPORT_RULE_SENTENCE);
  await expect(panel.getByTestId('check-result')).toContainText(`Can someone holding only Support agent impersonate ${DEMO_AUDITOR.email} into Sample App?`);
  await screenshot(page, testInfo, 'policy-role-check');
  await panel.getByLabel("User's email").fill('nobody-at-all@masquerade.test');
  await panel.getByRole('button', { name: 'Check access' }).click();
  await expect(panel.getByText('There is no user with this email.')).toBeVisible();
});

test('four eyes: the Support agent requests, the administrator approves, the agent makes the link', async ({ page }, testInfo) => {
  await putSettings({ rules: [supportRule({ require_approval: true }), { ...supportRule(), role_id: 'rol_admin', target_roles: [], require_approval: true }] });
  await signIn(page, DEMO_SUPPORT.email, DEMO_SUPPORT.password);
  const nav = page.getByRole('navigation', { name: 'Console' });
  // No badge for someone who may not decide.
  await expect(nav.getByRole('link', { name: 'Approvals', exact: true })).toBeVisible();

  const dialog = await openDialog(page, customer);
  const app = dialog.getByLabel('Application');
  await app.selectOption({ label: 'Sample App (needs approval)' });
  await expect(dialog.getByText('Needs approval', { exact: true })).toBeVisible();
  await dialog.getByLabel(/^Reason/).fill('E2E policy: four eyes');
  await dialog.getByRole('button', { name: 'Request approval' }).click();
  const requested = dialog.getByRole('status').filter({ hasText: 'Approval requested' });
  await expect(requested).toContainText(
    "The role 'Support agent' requires someone else's approval. You'll find it under Approvals → My requests; once approved you can generate the link there (for 30 minutes).",
  );
  await screenshot(page, testInfo, 'policy-dialog-approval-requested');
  await expectAccessible(page);
  await requested.getByRole('link', { name: 'Go to Approvals' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Approvals' })).toBeVisible();
  await waitForHydration(page);
  const mine = page.getByTestId('my-request').filter({ hasText: customer.email });
  await expect(mine).toContainText('Waiting for approval');
  await expect(page.getByText('Deciding other people\'s requests needs impersonation:approve.')).toBeVisible();
  await screenshot(page, testInfo, 'policy-approvals-support-waiting');

  // The administrator sees the badge and approves.
  await signInFresh(page, DEMO_ADMIN);
  const link = nav.getByRole('link', { name: 'Approvals 1 pending' });
  await expect(link).toBeVisible();
  await expect(nav.getByTestId('approvals-badge')).toHaveAttribute('title', '1 pending');
  await link.click();
  await expect(page.getByRole('heading', { level: 1, name: 'Approvals' })).toBeVisible();
  await waitForHydration(page);
  const card = page.getByTestId('pending-request').filter({ hasText: DEMO_SUPPORT.email });
  await expect(card).toContainText(`${DEMO_SUPPORT.email} asks to sign in as ${customer.email} into Sample App`);
  await expect(card).toContainText('E2E policy: four eyes');
  await expect(card).toContainText('Support agent');
  await expect(card).toContainText('Full access');
  await screenshot(page, testInfo, 'policy-approvals-pending');
  await expectAccessible(page);
  await card.getByLabel('Note (optional)').fill('OK for the orders issue');
  await card.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Approved: ${DEMO_SUPPORT.email} may now make the link` })).toBeVisible();
  await expect(page.getByText('No request waits for a decision.')).toBeVisible();
  await expect(nav.getByTestId('approvals-badge')).toHaveCount(0);

  // The administrator's own request (a rule asks for it too) is not theirs to decide.
  const own = await openDialog(page, customer);
  await own.getByLabel(/^Reason/).fill('E2E policy: my own request');
  await own.getByRole('button', { name: 'Request approval' }).click();
  await expect(own.getByRole('status').filter({ hasText: 'Approval requested' })).toBeVisible();
  await open(page, '/approvals');
  const ownCard = page.getByTestId('pending-request').filter({ hasText: 'E2E policy: my own request' });
  await expect(ownCard).toContainText('Your request: someone else must decide.');
  await expect(ownCard.getByRole('button', { name: 'Approve' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Approvals 1 pending' })).toBeVisible();
  await screenshot(page, testInfo, 'policy-approvals-own-request');

  // Back as the agent: the approved request turns into its link.
  await signInFresh(page, DEMO_SUPPORT);
  await open(page, '/approvals');
  const approved = page.getByTestId('my-request').filter({ hasText: customer.email }).first();
  await expect(approved).toContainText('Approved');
  await expect(approved).toContainText(`Approved by ${DEMO_ADMIN.email} · the link can be made until`);
  await expect(approved).toContainText('Note: OK for the orders issue');
  await approved.getByRole('button', { name: 'Generate link' }).click();
  await expect(approved.getByText(/Expires in [0-9]:\d\d/)).toBeVisible();
  await screenshot(page, testInfo, 'policy-approvals-link');
  await expectAccessible(page);
  const tab = await openLink(page, approved);
  await expectSignedInAs(tab, customer);
  await tab.close();
  await open(page, '/approvals');
  await expect(page.getByTestId('my-request').filter({ hasText: customer.email }).first()).toContainText('Link made');
});

test('step-up: the dialog asks for the password again, inline', async ({ page }, testInfo) => {
  await putSettings({ rules: [supportRule()], step_up: true, step_up_minutes: 1 });
  // A session signed in more than a minute ago (when the spec began).
  const wait = oldSession.at + 62_000 - Date.now();
  if (wait > 0) await page.waitForTimeout(wait);
  await page.context().addCookies(oldSession.cookies);
  const dialog = await openDialog(page, customer);
  const prompt = dialog.getByRole('group', { name: "Confirm it's you" });
  await expect(prompt).toContainText('Signing in as someone needs your password, entered within the last 1 minute.');
  await expect(dialog.getByRole('button', { name: 'Generate link' })).toBeDisabled();
  await dialog.getByLabel(/^Reason/).fill('E2E policy: step-up');
  await prompt.getByLabel('Your password').fill('not-the-password');
  await prompt.getByRole('button', { name: 'Confirm' }).click();
  await expect(prompt.getByLabel('Your password')).toHaveAttribute('aria-invalid', 'true');
  await screenshot(page, testInfo, 'policy-step-up-wrong');
  await expectAccessible(page);
  // At a phone's width too.
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, testInfo, 'policy-step-up-narrow');
  await page.setViewportSize({ width: 1280, height: 800 });
  await prompt.getByLabel('Your password').fill(DEMO_SUPPORT.password);
  await prompt.getByLabel('Your password').press('Enter');
  await expect(prompt).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Generate link' }).click();
  await expect(dialog.getByLabel('Impersonation link')).toHaveValue(new RegExp(`^${base}/impersonate/`));
  // The dialog stayed: still on the user's page.
  await expect(page).toHaveURL(new RegExp(`/users/${customer.id}$`));
  await screenshot(page, testInfo, 'policy-step-up-done');
});

test('read-only impersonation: the access token lacks write:orders and the app says Read-only', async ({ page }, testInfo) => {
  await putSettings({ rules: [supportRule()] });
  await signIn(page, DEMO_SUPPORT.email, DEMO_SUPPORT.password);
  const dialog = await openDialog(page, customer);
  await dialog.getByLabel('Application').selectOption({ label: 'Sample App' });
  await dialog.getByLabel(/^Reason/).fill('E2E policy: read-only');
  const toggle = dialog.getByLabel('Read-only impersonation: the tokens carry only permissions safe to read');
  await expect(toggle).toBeEnabled();
  await toggle.check();
  await dialog.getByRole('button', { name: 'Show advanced settings' }).click();
  await dialog.getByLabel('Response type').selectOption('code');
  await dialog.getByLabel('Scope').fill('openid email read:orders write:orders');
  await dialog.getByLabel('Audience').selectOption({ label: `Orders API (${ORDERS_API})` });
  await dialog.getByLabel('State').fill('/orders');
  await screenshot(page, testInfo, 'policy-dialog-read-only');
  await dialog.getByRole('button', { name: 'Generate link' }).click();
  const tab = await openLink(page, dialog);
  await expect(tab.getByTestId('read-only')).toHaveText('Read-only');
  const claims = JSON.parse((await tab.getByTestId('access-token').textContent())!);
  expect(claims.aud).toContain(ORDERS_API);
  expect(claims.permissions).toContain('read:orders');
  expect(claims.permissions).not.toContain('write:orders');
  expect(claims.impersonation.mode).toBe('read_only');
  expect(String(claims.scope ?? '')).not.toContain('write:orders');
  await screenshot(tab, testInfo, 'policy-sample-app-read-only');
  await tab.close();
  await page.keyboard.press('Escape');

  // A rule that allows only read-only: the toggle is on and stays on.
  await putSettings({ rules: [supportRule({ read_only: true })] });
  const forced = await openDialog(page, customer);
  await forced.getByLabel('Application').selectOption({ label: 'Sample App (read-only only)' });
  const box = forced.getByLabel('Read-only impersonation: the tokens carry only permissions safe to read');
  await expect(box).toBeChecked();
  await expect(box).toBeDisabled();
  await expect(forced.getByText('Always on for this application: a rule of your role asks for it.')).toBeVisible();
  await screenshot(page, testInfo, 'policy-dialog-read-only-forced');
});
