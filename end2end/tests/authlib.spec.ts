// Masquerade against a second independent client: Python's Authlib
// (end2end/python/authlib_client.py), run as `python3` against the server the
// global setup started. The script signs in through the hosted login form
// (as a browser without a person would: requests, no JavaScript), does the
// authorization code flow with PKCE and client_credentials, and validates the
// tokens with Authlib's JWT against our JWKS. It exits non-zero on any
// failure; the assertions below read the JSON it prints on success.
import path from 'node:path';
import { BASE_URL_ENV, DEMO_ADMIN, REPO_ROOT } from '../support/env';
import { expect, test } from '../support/fixtures';
import { ManagementApi, uniqueName } from '../support/management';
import { runProcess, type ProcessResult } from '../support/rp';

const SCRIPT = path.join(REPO_ROOT, 'end2end', 'python', 'authlib_client.py');
const PYTHON = process.env.MASQUERADE_E2E_PYTHON || 'python3';
const RUN_TIMEOUT_MS = 90_000;
const USER = DEMO_ADMIN;
// Registered but never loaded: the script reads the redirect to it instead.
const REDIRECT_URI = 'http://127.0.0.1/authlib/callback';

test.describe.configure({ timeout: 120_000 });

let base: string;
let clientId: string;
let clientSecret: string;
let apiIdentifier: string;

test.beforeAll(async () => {
  base = process.env[BASE_URL_ENV]!;
  expect(base, `${BASE_URL_ENV} is set by the global setup`).toBeTruthy();
  const mgmt = await ManagementApi.connect(base);
  const created = await mgmt.createApplication({
    name: uniqueName('Authlib client'),
    description: 'Python Authlib client (end2end/python/authlib_client.py).',
    app_type: 'regular_web',
    callback_urls: [REDIRECT_URI],
    allowed_logout_urls: [],
    allowed_web_origins: [],
    grant_types: ['authorization_code', 'client_credentials'],
  });
  clientId = created.application.client_id;
  expect(created.client_secret, 'a regular web application gets a client secret').toBeTruthy();
  clientSecret = created.client_secret!;

  apiIdentifier = `https://${uniqueName('authlib-api').replace(/\s+/g, '-')}.masquerade.test/`;
  const api = await mgmt.createApi({
    identifier: apiIdentifier,
    name: uniqueName('Authlib API'),
    signing_alg: 'ES256',
    token_lifetime_secs: 600,
    permissions: [
      { value: 'read:widgets', description: 'Read widgets' },
      { value: 'write:widgets', description: 'Write widgets' },
    ],
  });
  await mgmt.authorizeClient(api.id, clientId);
});

async function runAuthlib(overrides: Record<string, string> = {}): Promise<ProcessResult> {
  return runProcess(
    PYTHON,
    [SCRIPT],
    {
      MASQUERADE_ISSUER: base,
      AUTHLIB_CLIENT_ID: clientId,
      AUTHLIB_CLIENT_SECRET: clientSecret,
      AUTHLIB_REDIRECT_URI: REDIRECT_URI,
      AUTHLIB_USER_EMAIL: USER.email,
      AUTHLIB_USER_PASSWORD: USER.password,
      AUTHLIB_API_AUDIENCE: apiIdentifier,
      AUTHLIB_API_SCOPE: 'read:widgets',
      PYTHONUNBUFFERED: '1',
      ...overrides,
    },
    RUN_TIMEOUT_MS,
  );
}

function report(r: ProcessResult): string {
  return `exit code ${r.code} (signal ${r.signal})\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

test('Authlib: code flow with PKCE and client_credentials', async ({}, testInfo) => {
  const r = await runAuthlib();
  await testInfo.attach('authlib-client-output.txt', { body: report(r), contentType: 'text/plain' });
  expect(r.code, report(r)).toBe(0);

  const line = r.stdout.split('\n').find((l) => l.startsWith('AUTHLIB_RESULT '));
  expect(line, report(r)).toBeTruthy();
  const result = JSON.parse(line!.slice('AUTHLIB_RESULT '.length));

  const code = result.code_flow;
  expect(code.pkce).toBe('S256');
  expect(code.state_checked).toBe(true);
  expect(code.id_token_header.alg).toBe('ES256');
  expect(code.id_token_claims).toMatchObject({
    iss: base,
    aud: clientId,
    email: USER.email,
    nonce: code.expected_nonce,
  });
  expect(code.id_token_claims.sub).toMatch(/\S/);
  expect(code.userinfo.sub).toBe(code.id_token_claims.sub);
  expect(code.userinfo.email).toBe(USER.email);

  const cc = result.client_credentials;
  expect(cc.token_type.toLowerCase()).toBe('bearer');
  expect(cc.scope).toBe('read:widgets');
  expect(cc.has_refresh_token).toBe(false);
  expect(cc.has_id_token).toBe(false);
  expect(cc.header.typ).toBe('at+jwt');
  expect(cc.claims).toMatchObject({
    iss: base,
    aud: apiIdentifier,
    client_id: clientId,
    sub: `${clientId}@clients`,
    scope: 'read:widgets',
  });
  expect(cc.claims.exp - cc.claims.iat).toBe(600);
});

test('Authlib: the client fails loudly when the provider refuses it', async ({}, testInfo) => {
  // A wrong secret: the code exchange must fail, and so must the script.
  const r = await runAuthlib({ AUTHLIB_CLIENT_SECRET: 'not-the-secret-0123456789' });
  await testInfo.attach('authlib-client-output.txt', { body: report(r), contentType: 'text/plain' });
  expect(r.code, report(r)).toBe(1);
  expect(r.stdout).not.toContain('AUTHLIB_RESULT');
  expect(r.stderr).toContain('FAILED');
  expect(r.stderr).toContain('invalid_client');
});
