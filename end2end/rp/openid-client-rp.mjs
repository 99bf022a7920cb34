#!/usr/bin/env node
// A small relying party built on `openid-client` (an OpenID-certified client
// library), used by end2end/tests/openid-client.spec.ts to check Masquerade
// against an independent implementation. Plain node:http, no framework.
//
// Everything the library checks (issuer, signatures against the JWKS, aud,
// nonce, state, PKCE, `iss` in the authorization response, at_hash, userinfo
// `sub`) is checked for real: any failure is shown as an error page with
// status 500 and logged to stderr, never swallowed.
//
// Configuration (environment):
//   RP_ISSUER          issuer URL of the provider (required), e.g. http://127.0.0.1:3000
//   RP_CLIENT_ID       client id of a regular_web application (required)
//   RP_CLIENT_SECRET   its client secret (required)
//   RP_PORT            port to listen on, on 127.0.0.1 (required; 0 picks one)
//   RP_SCOPE           default "openid email profile offline_access"
//   RP_ID_TOKEN_ALG    expected ID token "alg" (default ES256)
//
// The application must have these URLs registered (B = http://127.0.0.1:RP_PORT):
//   callback URL       B/callback
//   logout URL         B/logged-out
//
// Routes:
//   GET  /                     status page with links
//   GET  /health               JSON: the discovered provider metadata the library uses
//   GET  /login[?mode=form_post][&prompt=login]
//                              starts an authorization code flow with PKCE (S256),
//                              state and nonce; form_post uses response_mode=form_post
//   GET  /callback             the authorization response (query)
//   POST /callback             the authorization response (form_post)
//   GET  /me                   the session: ID token claims and header, userinfo, refresh result
//                              (HTML; JSON with ?format=json or Accept: application/json)
//   GET  /refresh              refresh token grant, then userinfo with the new token;
//                              redirects to /me
//   GET  /m2m?audience=A[&scope=S]
//                              client_credentials for API A; the JWT access token is
//                              validated as an RFC 9068 access token against the JWKS (JSON)
//   GET  /logout               RP-initiated logout with id_token_hint and
//                              post_logout_redirect_uri=B/logged-out
//   GET  /logged-out           where the provider sends the browser back
//
// On start it prints "RP_READY <base URL>" on stdout once listening.
import crypto from 'node:crypto';
import http from 'node:http';
import * as client from 'openid-client';
import * as oauth from 'oauth4webapi';

function requiredEnv(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`openid-client-rp: ${name} is required`);
    process.exit(2);
  }
  return v;
}

const ISSUER = requiredEnv('RP_ISSUER');
const CLIENT_ID = requiredEnv('RP_CLIENT_ID');
const CLIENT_SECRET = requiredEnv('RP_CLIENT_SECRET');
const PORT = Number(requiredEnv('RP_PORT'));
const SCOPE = process.env.RP_SCOPE || 'openid email profile offline_access';
const ID_TOKEN_ALG = process.env.RP_ID_TOKEN_ALG || 'ES256';
const SESSION_COOKIE = 'rp_sid';

/** @type {Map<string, any>} session id -> session */
const sessions = new Map();

// --- small helpers ------------------------------------------------------------

const escapeHtml = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** A fingerprint of a token, so pages can show whether it changed without showing it. */
const fingerprint = (token) =>
  token ? crypto.createHash('sha256').update(token).digest('base64url').slice(0, 16) : null;

/** The protected header of a JWT (already verified by the library when it matters). */
const jwtHeader = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8'));

function cookies(req) {
  const out = {};
  for (const part of (req.headers.cookie || '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

/** The session for this browser, created (with a cookie) if it has none. */
function session(req, res) {
  const sid = cookies(req)[SESSION_COOKIE];
  if (sid && sessions.has(sid)) return sessions.get(sid);
  const id = crypto.randomBytes(24).toString('base64url');
  const s = { id };
  sessions.set(id, s);
  // Lax is enough for form_post here: the provider and this RP are both on
  // 127.0.0.1 (same site, different ports), so the cross-origin POST carries it.
  res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`);
  return s;
}

function send(res, status, contentType, body) {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  res.end(body);
}

const sendJson = (res, status, value) => send(res, status, 'application/json', JSON.stringify(value, null, 2));

function redirect(res, location) {
  res.writeHead(302, { Location: location, 'Cache-Control': 'no-store' });
  res.end();
}

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · openid-client RP</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; background: #f6f7fb; color: #1e293b; }
  header { background: #0f766e; color: white; padding: 14px 32px; font-weight: 600; }
  main { max-width: 980px; margin: 24px auto; padding: 0 24px; }
  section { background: white; border-radius: 8px; box-shadow: 0 1px 2px #0002; padding: 16px 20px; margin-bottom: 16px; }
  h1 { font-size: 22px; margin: 0 0 12px; } h2 { font-size: 16px; margin: 0 0 8px; }
  pre { background: #0f172a; color: #e2e8f0; padding: 12px; border-radius: 6px; overflow-x: auto; font-size: 13px; }
  .ok { color: #15803d; font-weight: 600; } .bad { color: #b91c1c; font-weight: 600; }
  nav a { margin-right: 16px; }
</style></head><body><header>openid-client relying party (independent client for Masquerade)</header><main>${body}</main></body></html>`;
}

function wantsJson(req, url) {
  return url.searchParams.get('format') === 'json' || (req.headers.accept || '').includes('application/json');
}

/** What an error from openid-client / oauth4webapi says, as plain data. */
function describeError(err) {
  const out = { name: err?.name, message: err?.message, code: err?.code };
  if (err?.error) out.error = err.error;
  if (err?.error_description) out.error_description = err.error_description;
  if (err?.status) out.status = err.status;
  if (err?.cause !== undefined) {
    const c = err.cause;
    out.cause = c instanceof Error ? { name: c.name, message: c.message, code: c.code } : c;
  }
  return out;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// --- the relying party -----------------------------------------------------------

const config = await client.discovery(
  new URL(ISSUER),
  CLIENT_ID,
  { client_secret: CLIENT_SECRET, id_token_signed_response_alg: ID_TOKEN_ALG },
  client.ClientSecretBasic(CLIENT_SECRET),
  { execute: [client.allowInsecureRequests] },
);

let BASE; // http://127.0.0.1:<port>, known once listening

async function userinfoFor(accessToken, sub) {
  // Validates that the userinfo `sub` is the ID token's `sub`.
  return client.fetchUserInfo(config, accessToken, sub);
}

const routes = {
  'GET /': async (req, res) => {
    const s = session(req, res);
    const who = s.claims ? `Signed in as ${escapeHtml(s.claims.email ?? s.claims.sub)}` : 'Not signed in';
    send(
      res,
      200,
      'text/html; charset=utf-8',
      page(
        'Home',
        `<section><h1>${who}</h1><nav><a href="/login">Sign in</a><a href="/login?mode=form_post">Sign in (form_post)</a>` +
          `<a href="/me">Session</a><a href="/refresh">Refresh</a><a href="/logout">Sign out</a></nav></section>`,
      ),
    );
  },

  'GET /health': async (_req, res) => {
    const m = config.serverMetadata();
    sendJson(res, 200, {
      ok: true,
      client_id: CLIENT_ID,
      issuer: m.issuer,
      authorization_endpoint: m.authorization_endpoint,
      token_endpoint: m.token_endpoint,
      userinfo_endpoint: m.userinfo_endpoint,
      jwks_uri: m.jwks_uri,
      end_session_endpoint: m.end_session_endpoint,
      supports_pkce: m.supportsPKCE(),
    });
  },

  'GET /login': async (req, res, url) => {
    const s = session(req, res);
    const mode = url.searchParams.get('mode') === 'form_post' ? 'form_post' : 'query';
    const codeVerifier = client.randomPKCECodeVerifier();
    const tx = {
      mode,
      codeVerifier,
      state: client.randomState(),
      nonce: client.randomNonce(),
    };
    const params = {
      redirect_uri: `${BASE}/callback`,
      scope: SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: tx.state,
      nonce: tx.nonce,
    };
    if (mode === 'form_post') params.response_mode = 'form_post';
    const prompt = url.searchParams.get('prompt');
    if (prompt) params.prompt = prompt;
    // Third-party initiated login (OIDC Core §4): only from our issuer. The
    // login_hint is passed on untouched; state, nonce and PKCE stay ours.
    const iss = url.searchParams.get('iss');
    if (iss !== null) {
      if (iss !== config.serverMetadata().issuer) {
        send(res, 400, 'text/plain; charset=utf-8', `unknown issuer ${iss}`);
        return;
      }
      const hint = url.searchParams.get('login_hint');
      if (hint) params.login_hint = hint;
      tx.initiated = { target_link_uri: url.searchParams.get('target_link_uri') };
    }
    s.tx = tx;
    redirect(res, client.buildAuthorizationUrl(config, params).href);
  },

  'GET /callback': (req, res, url) => callback(req, res, url, null),
  'POST /callback': async (req, res, url) => callback(req, res, url, await readBody(req)),

  'GET /me': async (req, res, url) => {
    const s = session(req, res);
    const view = {
      signed_in: !!s.claims,
      claims: s.claims ?? null,
      id_token_header: s.tokens?.id_token ? jwtHeader(s.tokens.id_token) : null,
      expected_nonce: s.login?.nonce ?? null,
      userinfo: s.userinfo ?? null,
      login: s.login
        ? { response_mode: s.login.mode, callback_method: s.login.method, scope: s.scope, initiated: s.login.initiated }
        : null,
      access_token_fingerprint: fingerprint(s.tokens?.access_token),
      has_refresh_token: !!s.tokens?.refresh_token,
      refresh: s.refresh ?? null,
    };
    if (wantsJson(req, url)) return sendJson(res, s.claims ? 200 : 401, view);
    if (!s.claims) {
      return send(res, 401, 'text/html; charset=utf-8', page('Not signed in', '<section><h1>Not signed in</h1><a href="/login">Sign in</a></section>'));
    }
    const refresh = s.refresh
      ? `<p class="${s.refresh.access_token_changed ? 'ok' : 'bad'}">Refreshed ${s.refresh.count} time(s); new access token: ${s.refresh.access_token_changed ? 'yes' : 'no'}</p>`
      : '<p>Not refreshed yet.</p>';
    send(
      res,
      200,
      'text/html; charset=utf-8',
      page(
        'Signed in',
        `<section><h1>Signed in as ${escapeHtml(s.claims.email ?? s.claims.sub)}</h1>` +
          `<p class="ok">ID token validated by openid-client (issuer, audience, signature, nonce, at_hash); ` +
          `response_mode=${escapeHtml(s.login.mode)} via ${escapeHtml(s.login.method)}.</p>` +
          `<nav><a href="/refresh">Refresh tokens</a><a href="/logout">Sign out</a></nav></section>` +
          `<section><h2>ID token claims</h2><pre>${escapeHtml(JSON.stringify(s.claims, null, 2))}</pre></section>` +
          `<section><h2>UserInfo (sub matches the ID token)</h2><pre>${escapeHtml(JSON.stringify(s.userinfo, null, 2))}</pre></section>` +
          `<section><h2>Refresh</h2>${refresh}</section>`,
      ),
    );
  },

  'GET /refresh': async (req, res) => {
    const s = session(req, res);
    if (!s.tokens?.refresh_token) throw new Error('no refresh token in this session (sign in first, with offline_access)');
    const before = s.tokens;
    const tokens = await client.refreshTokenGrant(config, before.refresh_token);
    const claims = tokens.claims(); // validated ID token from the refresh, if one was returned
    if (claims && claims.sub !== s.claims.sub) {
      throw new Error(`the refreshed ID token has sub ${claims.sub}, not ${s.claims.sub}`);
    }
    const userinfo = await userinfoFor(tokens.access_token, s.claims.sub);
    s.refresh = {
      count: (s.refresh?.count ?? 0) + 1,
      access_token_changed: tokens.access_token !== before.access_token,
      refresh_token_rotated: !!tokens.refresh_token && tokens.refresh_token !== before.refresh_token,
      id_token_returned: !!claims,
      id_token_sub: claims?.sub ?? null,
      id_token_iat: claims?.iat ?? null,
      scope: tokens.scope ?? null,
      userinfo_sub: userinfo.sub,
    };
    s.tokens = { ...tokens, refresh_token: tokens.refresh_token ?? before.refresh_token };
    s.userinfo = userinfo;
    redirect(res, '/me');
  },

  'GET /m2m': async (_req, res, url) => {
    const audience = url.searchParams.get('audience');
    if (!audience) throw new Error('?audience= is required');
    const params = { audience };
    const scope = url.searchParams.get('scope');
    if (scope) params.scope = scope;
    const tokens = await client.clientCredentialsGrant(config, params);
    // Validate the access token the way a resource server would (RFC 9068):
    // signature against the provider's JWKS, typ at+jwt, iss, aud, exp, and the
    // presence and types of sub, client_id, iat, jti.
    const claims = await oauth.validateJwtAccessToken(
      config.serverMetadata(),
      new Request(audience, { headers: { authorization: `Bearer ${tokens.access_token}` } }),
      audience,
      { [oauth.allowInsecureRequests]: true },
    );
    const header = jwtHeader(tokens.access_token);
    sendJson(res, 200, {
      token_type: tokens.token_type,
      expires_in: tokens.expires_in,
      scope: tokens.scope ?? null,
      has_id_token: !!tokens.id_token,
      has_refresh_token: !!tokens.refresh_token,
      header,
      claims,
    });
  },

  'GET /logout': async (req, res) => {
    const s = session(req, res);
    if (!s.tokens?.id_token) throw new Error('not signed in: no ID token to send as id_token_hint');
    const state = client.randomState();
    const target = client.buildEndSessionUrl(config, {
      id_token_hint: s.tokens.id_token,
      post_logout_redirect_uri: `${BASE}/logged-out`,
      state,
    });
    // The RP's own session ends now; the provider's ends at its endpoint.
    for (const k of Object.keys(s)) if (k !== 'id') delete s[k];
    s.logoutState = state;
    redirect(res, target.href);
  },

  'GET /logged-out': async (req, res, url) => {
    const s = session(req, res);
    const stateOk = !!s.logoutState && url.searchParams.get('state') === s.logoutState;
    delete s.logoutState;
    if (!stateOk) throw new Error(`post-logout redirect with unexpected state ${JSON.stringify(url.searchParams.get('state'))}`);
    send(
      res,
      200,
      'text/html; charset=utf-8',
      page('Signed out', '<section><h1>Signed out</h1><p class="ok">The provider returned with the logout state.</p><a href="/login">Sign in again</a></section>'),
    );
  },
};

async function callback(req, res, url, body) {
  const s = session(req, res);
  const tx = s.tx;
  if (!tx) throw new Error('no authorization request in progress for this browser session');
  const method = body === null ? 'GET' : 'POST';
  const expectedMethod = tx.mode === 'form_post' ? 'POST' : 'GET';
  if (method !== expectedMethod) {
    throw new Error(`response_mode=${tx.mode} must arrive by ${expectedMethod}, got ${method}`);
  }
  delete s.tx; // one use
  const current =
    method === 'GET'
      ? new URL(req.url, BASE)
      : new Request(new URL(req.url, BASE), {
          method: 'POST',
          headers: { 'content-type': req.headers['content-type'] || '' },
          body,
        });
  const tokens = await client.authorizationCodeGrant(config, current, {
    pkceCodeVerifier: tx.codeVerifier,
    expectedState: tx.state,
    expectedNonce: tx.nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  const userinfo = await userinfoFor(tokens.access_token, claims.sub);
  s.tokens = tokens;
  s.claims = claims;
  s.scope = tokens.scope ?? null;
  s.userinfo = userinfo;
  s.login = { mode: tx.mode, method, nonce: tx.nonce, initiated: tx.initiated ?? null };
  delete s.refresh;
  redirect(res, '/me');
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, BASE);
  const handler = routes[`${req.method} ${url.pathname}`];
  if (!handler) return send(res, 404, 'text/plain', `no route ${req.method} ${url.pathname}\n`);
  try {
    await handler(req, res, url);
  } catch (err) {
    const detail = describeError(err);
    console.error(`openid-client-rp: ${req.method} ${url.pathname} failed:`, err);
    if (res.headersSent) return res.end();
    if (wantsJson(req, url) || url.pathname === '/m2m') return sendJson(res, 500, { error: detail });
    send(
      res,
      500,
      'text/html; charset=utf-8',
      page('Error', `<section><h1 class="bad">Relying party error</h1><pre id="error">${escapeHtml(JSON.stringify(detail, null, 2))}</pre></section>`),
    );
  }
});

server.listen(PORT, '127.0.0.1', () => {
  BASE = `http://127.0.0.1:${server.address().port}`;
  console.log(`RP_READY ${BASE}`);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
