// Masquerade against an independent, OpenID-certified client library:
// `openid-client` (npm), in the small relying party end2end/rp/openid-client-rp.mjs,
// driven through Chromium.
//
// beforeAll registers a regular web application and an API through the
// Management REST API (as the bootstrap client) and starts the RP on a free
// port; the last test registers two more (RS256 and EdDSA ID tokens). What the library validates (issuer, JWKS signatures, aud, nonce, state,
// PKCE, `iss` in the authorization response, at_hash, the userinfo `sub`) makes
// the RP answer with an error page instead of /me, so each test below fails if
// the provider gets any of it wrong.
import type { Page } from '@playwright/test';
import { BASE_URL_ENV, DEMO_SUPPORT } from '../support/env';
import { expect, screenshot, test, waitForHydration } from '../support/fixtures';
import { ManagementApi, uniqueName } from '../support/management';
import { freePort } from '../support/net';
import { startOpenidClientRp, type RunningRp } from '../support/rp';

const USER = DEMO_SUPPORT; // a demo user without console access: sign-in is for the application only
const API_PERMISSIONS = ['read:things', 'write:things'];
const DEMO_ORDERS_API = 'https://api.orders.example/'; // seeded by --demo; this app is not authorized for it

// Sign-ins hash passwords (slow in debug builds); a test signs in once or twice.
test.describe.configure({ timeout: 90_000 });

let base: string;
let apiIdentifier: string;

/** A running RP and the application it signs in to. */
interface Rp {
  rp: RunningRp;
  clientId: string;
  appName: string;
}
/** The RP most tests use (ES256 ID tokens). */
let main: Rp;

/** Registers a regular web application for a new RP through the Management API and starts the RP. */
async function registerAndStartRp(mgmt: ManagementApi, signingAlg = 'ES256'): Promise<Rp> {
  const port = await freePort();
  const rpUrl = `http://127.0.0.1:${port}`;
  const appName = uniqueName(`openid-client RP ${signingAlg}`);
  const created = await mgmt.createApplication({
    name: appName,
    description: 'Relying party built on openid-client (end2end/rp/openid-client-rp.mjs).',
    app_type: 'regular_web',
    callback_urls: [`${rpUrl}/callback`],
    allowed_logout_urls: [`${rpUrl}/logged-out`],
    allowed_web_origins: [],
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    tokens: {
      id_token_lifetime_secs: 3600,
      refresh_tokens: true,
      refresh_rotation: true,
      refresh_lifetime_secs: 86_400,
      signing_alg: signingAlg,
    },
  });
  const clientId = created.application.client_id;
  expect(created.client_secret, 'a regular web application gets a client secret').toBeTruthy();
  const rp = await startOpenidClientRp({
    issuer: base,
    clientId,
    clientSecret: created.client_secret!,
    port,
    idTokenAlg: signingAlg,
  });
  expect(rp.url).toBe(rpUrl);
  return { rp, clientId, appName };
}

test.beforeAll(async () => {
  base = process.env[BASE_URL_ENV]!;
  expect(base, `${BASE_URL_ENV} is set by the global setup`).toBeTruthy();
  const mgmt = await ManagementApi.connect(base);
  main = await registerAndStartRp(mgmt);

  apiIdentifier = `https://${uniqueName('rp-api').replace(/\s+/g, '-')}.masquerade.test/`;
  const api = await mgmt.createApi({
    identifier: apiIdentifier,
    name: uniqueName('openid-client RP API'),
    signing_alg: 'ES256',
    token_lifetime_secs: 3600,
    permissions: API_PERMISSIONS.map((value) => ({ value, description: `Permission ${value}` })),
  });
  await mgmt.authorizeClient(api.id, main.clientId);
});

test.afterAll(async () => {
  await main?.rp.stop();
});

test.afterEach(async ({}, testInfo) => {
  if (main && testInfo.status !== testInfo.expectedStatus) {
    await testInfo.attach('openid-client-rp-output.txt', { body: main.rp.output(), contentType: 'text/plain' });
  }
});

interface RpSession {
  signed_in: boolean;
  claims: Record<string, unknown> & { sub: string; nonce?: string };
  id_token_header: { alg: string; kid?: string; typ?: string };
  expected_nonce: string;
  userinfo: Record<string, unknown> & { sub: string };
  login: { response_mode: string; callback_method: string; scope: string };
  access_token_fingerprint: string;
  has_refresh_token: boolean;
  refresh: null | {
    count: number;
    access_token_changed: boolean;
    refresh_token_rotated: boolean;
    id_token_returned: boolean;
    id_token_sub: string | null;
    scope: string | null;
    userinfo_sub: string;
  };
}

/** The RP's view of this browser's session (shares the page's cookies). */
async function rpSession(page: Page, expectedStatus = 200, target: Rp = main): Promise<RpSession> {
  const res = await page.request.get(`${target.rp.url}/me`, { headers: { accept: 'application/json' } });
  const text = await res.text();
  expect(res.status(), `GET /me on the RP: ${text}`).toBe(expectedStatus);
  return JSON.parse(text);
}

/** An RP error page's content, so a failed expectation says what the library said. */
async function rpError(page: Page): Promise<string> {
  const err = page.locator('#error');
  return (await err.count()) > 0 ? `openid-client error: ${await err.textContent()}` : '';
}

/**
 * Starts a sign-in at the RP, checks the authorization request it sent us,
 * signs in on our hosted login page, and waits to land on the RP's /me.
 * Returns the authorization request's parameters.
 */
async function signInThroughRp(
  page: Page,
  mode: 'query' | 'form_post' = 'query',
  target: Rp = main,
): Promise<URLSearchParams> {
  const { rp, clientId, appName } = target;
  await page.goto(`${rp.url}/login${mode === 'form_post' ? '?mode=form_post' : ''}`);
  await expect(page).toHaveURL((u) => u.origin === base && u.pathname === '/login');
  const next = new URL(page.url()).searchParams.get('next');
  expect(next, 'the hosted login page resumes the authorization request').toMatch(/^\/authorize\?/);
  const authz = new URL(next!, base).searchParams;
  expect(authz.get('client_id')).toBe(clientId);
  expect(authz.get('response_type')).toBe('code');
  expect(authz.get('redirect_uri')).toBe(`${rp.url}/callback`);
  expect(authz.get('code_challenge_method')).toBe('S256');
  expect(authz.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(authz.get('state')).toBeTruthy();
  expect(authz.get('nonce')).toBeTruthy();
  expect(authz.get('response_mode')).toBe(mode === 'form_post' ? 'form_post' : null);
  expect(authz.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'offline_access']));

  await expect(page.getByRole('heading', { name: `Sign in to continue to ${appName}` })).toBeVisible();
  await waitForHydration(page);
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(USER.email);
  await page.getByLabel('Password', { exact: true }).fill(USER.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();

  await page.waitForURL((u) => u.origin === rp.url, { timeout: 20_000 });
  expect(new URL(page.url()).pathname, await rpError(page)).toBe('/me');
  await expect(page.getByRole('heading', { level: 1, name: `Signed in as ${USER.email}` })).toBeVisible();
  return authz;
}

/** What every fresh sign-in must show, whatever the response mode. */
function expectSignedIn(s: RpSession, authz: URLSearchParams, target: Rp = main) {
  const { clientId } = target;
  expect(s.signed_in).toBe(true);
  // Claims of the ID token, after openid-client validated it.
  expect(s.claims.iss).toBe(base);
  expect(s.claims.aud).toBe(clientId);
  expect(s.claims.sub).toMatch(/\S/);
  expect(s.claims.email).toBe(USER.email);
  expect(s.claims.nonce, 'the nonce the RP sent').toBe(authz.get('nonce'));
  expect(s.claims.nonce, 'the nonce the RP expects').toBe(s.expected_nonce);
  expect(typeof s.claims.auth_time).toBe('number');
  expect(typeof s.claims.at_hash).toBe('string');
  // /userinfo with the access token (openid-client checks sub against the ID token).
  expect(s.userinfo.sub).toBe(s.claims.sub);
  expect(s.userinfo.email).toBe(USER.email);
  expect(s.has_refresh_token, 'offline_access was requested').toBe(true);
}

test('discovery: openid-client accepts the provider metadata', async ({ request }) => {
  const res = await request.get(`${main.rp.url}/health`);
  expect(res.status()).toBe(200);
  const m = await res.json();
  expect(m).toMatchObject({
    ok: true,
    client_id: main.clientId,
    issuer: base,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/oauth/token`,
    userinfo_endpoint: `${base}/userinfo`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    end_session_endpoint: `${base}/oidc/logout`,
    supports_pkce: true,
  });
});

test('code flow with PKCE: sign in on the hosted page and land on the RP signed in', async ({ page }, testInfo) => {
  const callbacks: string[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(`${main.rp.url}/callback`)) callbacks.push(`${r.method()} ${r.url()}`);
  });
  const authz = await signInThroughRp(page);
  const s = await rpSession(page);
  expectSignedIn(s, authz);
  expect(s.login).toMatchObject({ response_mode: 'query', callback_method: 'GET' });
  expect(s.id_token_header.alg).toBe('ES256');
  expect(callbacks).toHaveLength(1);
  const cb = new URL(callbacks[0].replace(/^GET /, '')).searchParams;
  expect(callbacks[0]).toMatch(/^GET /);
  expect(cb.get('state')).toBe(authz.get('state'));
  expect(cb.get('iss'), 'RFC 9207 issuer in the authorization response').toBe(base);
  expect(cb.get('code')).toBeTruthy();

  await expect(page.getByText('"email": "' + USER.email + '"').first()).toBeVisible();
  await screenshot(page, testInfo, 'openid-client-rp-signed-in');
});

test('refresh: the refresh token grant gives a new access token that works at /userinfo', async ({ page }) => {
  await signInThroughRp(page);
  const before = await rpSession(page);
  expect(before.refresh).toBeNull();

  await page.goto(`${main.rp.url}/refresh`);
  expect(new URL(page.url()).pathname, await rpError(page)).toBe('/me');
  await expect(page.getByText('Refreshed 1 time(s); new access token: yes')).toBeVisible();
  const after = await rpSession(page);
  expect(after.refresh).toMatchObject({
    count: 1,
    access_token_changed: true,
    refresh_token_rotated: true, // the application rotates refresh tokens
    id_token_returned: true,
    id_token_sub: before.claims.sub,
    userinfo_sub: before.claims.sub,
  });
  expect(after.access_token_fingerprint).not.toBe(before.access_token_fingerprint);

  // The rotated refresh token works too.
  await page.goto(`${main.rp.url}/refresh`);
  expect(new URL(page.url()).pathname, await rpError(page)).toBe('/me');
  const again = await rpSession(page);
  expect(again.refresh).toMatchObject({ count: 2, access_token_changed: true, userinfo_sub: before.claims.sub });
  expect(again.access_token_fingerprint).not.toBe(after.access_token_fingerprint);
});

test('form_post: the authorization response is posted to the RP and accepted', async ({ page }) => {
  const callbacks: string[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(`${main.rp.url}/callback`)) callbacks.push(`${r.method()} ${r.url()}`);
  });
  const authz = await signInThroughRp(page, 'form_post');
  const s = await rpSession(page);
  expectSignedIn(s, authz);
  expect(s.login).toMatchObject({ response_mode: 'form_post', callback_method: 'POST' });
  expect(callbacks, 'one POST to the callback, with nothing in its query').toEqual([`POST ${main.rp.url}/callback`]);
});

test('client_credentials: an access token for the API, validated as an RFC 9068 JWT', async ({ request }) => {
  const get = async (query: string) => {
    const res = await request.get(`${main.rp.url}/m2m?${query}`);
    const body = await res.json();
    return { status: res.status(), body };
  };

  const narrow = await get(new URLSearchParams({ audience: apiIdentifier, scope: 'read:things' }).toString());
  expect(narrow.status, JSON.stringify(narrow.body)).toBe(200);
  expect(narrow.body.token_type.toLowerCase()).toBe('bearer');
  expect(narrow.body.expires_in).toBeGreaterThan(0);
  expect(narrow.body.scope).toBe('read:things');
  expect(narrow.body.has_id_token).toBe(false);
  expect(narrow.body.has_refresh_token).toBe(false);
  expect(narrow.body.header).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
  expect(narrow.body.claims).toMatchObject({
    iss: base,
    aud: apiIdentifier,
    client_id: main.clientId,
    sub: `${main.clientId}@clients`,
    scope: 'read:things',
  });

  // No scope asked: every permission of the API.
  const all = await get(new URLSearchParams({ audience: apiIdentifier }).toString());
  expect(all.status, JSON.stringify(all.body)).toBe(200);
  expect(all.body.claims.scope.split(' ').sort()).toEqual([...API_PERMISSIONS].sort());

  // An API the application is not authorized for is refused, and the library reports it.
  const refused = await get(new URLSearchParams({ audience: DEMO_ORDERS_API }).toString());
  expect(refused.status).toBe(500);
  expect(refused.body.error).toMatchObject({ error: 'invalid_target', status: 400 });
});

test('logout: RP-initiated logout ends the SSO session at the provider', async ({ page }, testInfo) => {
  await signInThroughRp(page);
  const first = await rpSession(page);

  // While the provider session lasts, a new sign-in at the RP is silent (SSO).
  const visited: string[] = [];
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) visited.push(f.url());
  });
  await page.goto(`${main.rp.url}/login`);
  await page.waitForURL(`${main.rp.url}/me`);
  expect(
    visited.filter((u) => u.startsWith(`${base}/login`)),
    'no sign-in page while the provider session lasts',
  ).toEqual([]);
  expect((await rpSession(page)).claims.sub).toBe(first.claims.sub);

  // RP-initiated logout: to end_session_endpoint with id_token_hint, back to the RP with state.
  const logoutRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(`${base}/oidc/logout`)) logoutRequests.push(r.url());
  });
  await page.goto(`${main.rp.url}/logout`);
  await page.waitForURL((u) => u.origin === main.rp.url && u.pathname === '/logged-out');
  await expect(page.getByRole('heading', { level: 1, name: 'Signed out' }), await rpError(page)).toBeVisible();
  expect(logoutRequests).toHaveLength(1);
  const lq = new URL(logoutRequests[0]).searchParams;
  expect(lq.get('id_token_hint')).toBeTruthy();
  expect(lq.get('post_logout_redirect_uri')).toBe(`${main.rp.url}/logged-out`);
  await screenshot(page, testInfo, 'openid-client-rp-signed-out');

  const gone = await rpSession(page, 401);
  expect(gone.signed_in).toBe(false);

  // The provider session is gone: signing in again asks for credentials.
  await page.goto(`${main.rp.url}/login`);
  await expect(page).toHaveURL((u) => u.origin === base && u.pathname === '/login');
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  await expect(page.getByRole('heading', { name: `Sign in to continue to ${main.appName}` })).toBeVisible();
});

test('ID tokens signed with RS256 and EdDSA validate too', async ({ page }, testInfo) => {
  const mgmt = await ManagementApi.connect(base);
  const started: Rp[] = [];
  try {
    const rs = await registerAndStartRp(mgmt, 'RS256');
    started.push(rs);
    const ed = await registerAndStartRp(mgmt, 'EdDSA');
    started.push(ed);

    const authz = await signInThroughRp(page, 'query', rs);
    const s1 = await rpSession(page, 200, rs);
    expectSignedIn(s1, authz, rs);
    expect(s1.id_token_header.alg).toBe('RS256');

    // Already signed in at the provider: the EdDSA application's sign-in is silent.
    await page.goto(`${ed.rp.url}/login`);
    await page.waitForURL((u) => u.origin === ed.rp.url, { timeout: 20_000 });
    expect(new URL(page.url()).pathname, await rpError(page)).toBe('/me');
    const s2 = await rpSession(page, 200, ed);
    expect(s2.id_token_header.alg).toBe('EdDSA');
    expect(s2.claims).toMatchObject({ iss: base, aud: ed.clientId, sub: s1.claims.sub, email: USER.email });
    expect(s2.claims.nonce).toBe(s2.expected_nonce);
    expect(s2.userinfo.sub).toBe(s1.claims.sub);
  } catch (e) {
    for (const r of started) {
      await testInfo.attach(`openid-client-rp-${r.appName}.txt`, { body: r.rp.output(), contentType: 'text/plain' });
    }
    throw e;
  } finally {
    for (const r of started) await r.rp.stop();
  }
});
