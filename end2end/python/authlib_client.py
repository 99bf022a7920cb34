#!/usr/bin/env python3
"""A second, independent OpenID Connect client for Masquerade, built on Authlib.

Run by end2end/tests/authlib.spec.ts against the server the Playwright global
setup starts. It does two things and checks every step:

1. Authorization code flow with PKCE (S256), state and nonce, as a confidential
   client (client_secret_basic). The "browser" is a `requests` session that
   follows the provider's redirects and posts the hosted login form (the
   form's action and hidden `next` field are read from the login page's HTML).
   Authlib builds the authorization URL, checks `state` and exchanges the code;
   the ID token is validated with Authlib's JWT (`CodeIDToken`: iss, aud, exp,
   iat, nonce, at_hash) against the provider's JWKS. /userinfo must return the
   same `sub`.
2. client_credentials for an API (`audience`), with the access token validated
   with Authlib's JWT against the JWKS (typ at+jwt, iss, aud, exp, client_id,
   sub, scope).

Configuration (environment, all required except AUTHLIB_API_SCOPE):
  MASQUERADE_ISSUER        issuer URL, e.g. http://127.0.0.1:3000
  AUTHLIB_CLIENT_ID        a regular_web application with authorization_code and
  AUTHLIB_CLIENT_SECRET    client_credentials, authorized for the API
  AUTHLIB_REDIRECT_URI     a registered callback URL (never loaded: the
                           redirect to it is read, not followed)
  AUTHLIB_USER_EMAIL       a user who can sign in to the application
  AUTHLIB_USER_PASSWORD
  AUTHLIB_API_AUDIENCE     identifier of the API for client_credentials
  AUTHLIB_API_SCOPE        scope to request for it (space-separated; optional)

Progress goes to stderr. On success the last line on stdout is
`AUTHLIB_RESULT <json>` and the exit status is 0; any failure exits non-zero
with the reason on stderr.
"""

import base64
import json
import os
import re
import sys
import time
import warnings
from html import unescape
from urllib.parse import parse_qs, urljoin, urlparse

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

# authlib.jose is deprecated in favour of joserfc (not installed) but still
# supported throughout Authlib 1.x; keep its warning out of the output.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.oidc.core import CodeIDToken

TIMEOUT = 30  # seconds per HTTP request; debug builds hash passwords slowly
LEEWAY = 30  # seconds of clock skew allowed when checking exp/iat


class Failure(Exception):
    """A check failed; the message says which."""


def log(msg):
    print(f"authlib-client: {msg}", file=sys.stderr, flush=True)


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def env(name, required=True):
    v = os.environ.get(name, "")
    if required and not v:
        raise Failure(f"environment variable {name} is required")
    return v


def expect_redirect(res, what):
    check(
        res.status_code in (301, 302, 303, 307, 308) and "Location" in res.headers,
        f"{what}: expected a redirect, got {res.status_code}: {res.text[:500]}",
    )
    return urljoin(res.url, res.headers["Location"])


def login_form(html, page_url):
    """The hosted login page's form: its absolute action URL and its fields."""
    forms = re.findall(r"<form\b([^>]*)>(.*?)</form>", html, re.S | re.I)
    for attrs, body in forms:
        names = re.findall(r"<input\b[^>]*\bname=\"([^\"]+)\"", body, re.I)
        if "email" in names and "password" in names:
            action = re.search(r"\baction=\"([^\"]*)\"", attrs, re.I)
            method = re.search(r"\bmethod=\"([^\"]*)\"", attrs, re.I)
            check(action is not None, "the login form has no action")
            check(
                method is not None and method.group(1).lower() == "post",
                "the login form does not post",
            )
            hidden = {}
            for tag in re.findall(r"<input\b[^>]*>", body, re.I):
                if re.search(r"\btype=\"hidden\"", tag, re.I):
                    n = re.search(r"\bname=\"([^\"]+)\"", tag)
                    v = re.search(r"\bvalue=\"([^\"]*)\"", tag)
                    if n:
                        hidden[n.group(1)] = unescape(v.group(1)) if v else ""
            return urljoin(page_url, unescape(action.group(1))), hidden
    raise Failure(f"no login form with email and password fields on {page_url}")


def load_jwks(url):
    res = requests.get(url, timeout=TIMEOUT)
    res.raise_for_status()
    keys = res.json()
    check(keys.get("keys"), f"{url} has no keys")
    return JsonWebKey.import_key_set(keys)


def jwt_header(token):
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


# Only asymmetric algorithms: an HS256 token signed with a public key as the
# secret must never verify.
JWT = JsonWebToken(["ES256", "RS256", "EdDSA"])


def code_flow(meta, jwks, cfg):
    issuer = cfg["issuer"]
    client_id = cfg["client_id"]
    oauth = OAuth2Session(
        client_id,
        cfg["client_secret"],
        scope="openid email profile",
        redirect_uri=cfg["redirect_uri"],
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    code_verifier = generate_token(64)
    nonce = generate_token(32)
    auth_url, state = oauth.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=code_verifier, nonce=nonce
    )
    q = parse_qs(urlparse(auth_url).query)
    check(q.get("code_challenge_method") == ["S256"], f"no S256 challenge in {auth_url}")
    log(f"authorization request: {auth_url}")

    browser = requests.Session()
    res = browser.get(auth_url, allow_redirects=False, timeout=TIMEOUT)
    login_url = expect_redirect(res, "GET /authorize while signed out")
    check(
        urlparse(login_url).path == "/login",
        f"signed out, /authorize should send the browser to /login, not {login_url}",
    )
    res = browser.get(login_url, timeout=TIMEOUT)
    check(res.status_code == 200, f"GET {login_url}: {res.status_code}")
    action, hidden = login_form(res.text, login_url)
    # The page's script fills the hidden `next` field from the page URL's
    # `next` parameter (the server-rendered HTML leaves it empty); do the same.
    next_in_html = hidden.get("next", "")
    hidden["next"] = parse_qs(urlparse(login_url).query).get("next", [""])[0]
    check(
        hidden["next"].startswith("/authorize?"),
        f"the login page does not continue to /authorize: next={hidden['next']!r}",
    )
    log(f"posting the hosted login form to {action}")
    res = browser.post(
        action,
        data={**hidden, "email": cfg["email"], "password": cfg["password"]},
        # What a browser sends for a plain (script-less) form submission.
        headers={"Origin": issuer, "Accept": "text/html"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    resume = expect_redirect(res, "POST of the login form")
    check(
        urlparse(resume).path == "/authorize",
        f"after signing in the browser should resume /authorize, not {resume}",
    )
    res = browser.get(resume, allow_redirects=False, timeout=TIMEOUT)
    callback = expect_redirect(res, "GET /authorize while signed in")
    check(
        callback.split("?")[0] == cfg["redirect_uri"],
        f"redirected to {callback}, not the redirect_uri",
    )
    cq = parse_qs(urlparse(callback).query)
    check("error" not in cq, f"authorization error: {cq}")
    # RFC 9207: the issuer identifies itself in the authorization response.
    check(cq.get("iss") == [issuer], f"iss in the authorization response is {cq.get('iss')}")
    log("got the authorization code; exchanging it")

    # Authlib checks `state` against the one it generated, and sends the
    # code_verifier with the code.
    token = oauth.fetch_token(
        meta["token_endpoint"],
        authorization_response=callback,
        state=state,
        code_verifier=code_verifier,
    )
    check(token.get("token_type", "").lower() == "bearer", f"token_type {token.get('token_type')}")
    check("id_token" in token, "no id_token in the token response")

    claims = JWT.decode(
        token["id_token"],
        jwks,
        claims_cls=CodeIDToken,
        claims_options={
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": client_id},
            "sub": {"essential": True},
        },
        claims_params={"nonce": nonce, "client_id": client_id, "access_token": token["access_token"]},
    )
    claims.validate(now=int(time.time()), leeway=LEEWAY)
    check(claims.get("nonce") == nonce, "nonce mismatch")
    check("at_hash" in claims, "the ID token has no at_hash")
    check(
        claims.get("email") == cfg["email"],
        f"ID token email {claims.get('email')!r}, expected {cfg['email']!r}",
    )
    log(f"ID token valid: sub={claims['sub']} alg={claims.header.get('alg')}")

    res = oauth.get(meta["userinfo_endpoint"], timeout=TIMEOUT)
    check(res.status_code == 200, f"userinfo: {res.status_code} {res.text[:300]}")
    userinfo = res.json()
    check(userinfo.get("sub") == claims["sub"], f"userinfo sub {userinfo.get('sub')} != {claims['sub']}")
    return {
        "state_checked": True,
        "login_form_next_in_html": next_in_html,
        "pkce": "S256",
        "id_token_header": dict(claims.header),
        "id_token_claims": dict(claims),
        "expected_nonce": nonce,
        "token_scope": token.get("scope"),
        "userinfo": userinfo,
    }


def client_credentials(meta, jwks, cfg):
    issuer = cfg["issuer"]
    audience = cfg["api_audience"]
    kwargs = {"scope": cfg["api_scope"]} if cfg["api_scope"] else {}
    m2m = OAuth2Session(
        cfg["client_id"],
        cfg["client_secret"],
        token_endpoint_auth_method="client_secret_basic",
        **kwargs,
    )
    token = m2m.fetch_token(
        meta["token_endpoint"], grant_type="client_credentials", audience=audience
    )
    at = token["access_token"]
    header = jwt_header(at)
    # RFC 9068 §2.1: JWT access tokens are typed at+jwt.
    check(header.get("typ", "").lower() in ("at+jwt", "application/at+jwt"), f"typ is {header.get('typ')}")
    claims = JWT.decode(
        at,
        jwks,
        claims_options={
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": audience},
            "exp": {"essential": True},
            "iat": {"essential": True},
            "sub": {"essential": True},
            "client_id": {"essential": True, "value": cfg["client_id"]},
            "jti": {"essential": True},
        },
    )
    claims.validate(now=int(time.time()), leeway=LEEWAY)
    log(f"client_credentials access token valid: aud={claims['aud']} scope={claims.get('scope')!r}")
    return {
        "token_type": token.get("token_type"),
        "expires_in": token.get("expires_in"),
        "scope": token.get("scope"),
        "has_refresh_token": "refresh_token" in token,
        "has_id_token": "id_token" in token,
        "header": header,
        "claims": dict(claims),
    }


def main():
    cfg = {
        "issuer": env("MASQUERADE_ISSUER").rstrip("/"),
        "client_id": env("AUTHLIB_CLIENT_ID"),
        "client_secret": env("AUTHLIB_CLIENT_SECRET"),
        "redirect_uri": env("AUTHLIB_REDIRECT_URI"),
        "email": env("AUTHLIB_USER_EMAIL"),
        "password": env("AUTHLIB_USER_PASSWORD"),
        "api_audience": env("AUTHLIB_API_AUDIENCE"),
        "api_scope": env("AUTHLIB_API_SCOPE", required=False),
    }
    res = requests.get(f"{cfg['issuer']}/.well-known/openid-configuration", timeout=TIMEOUT)
    res.raise_for_status()
    meta = res.json()
    check(meta.get("issuer") == cfg["issuer"], f"discovery issuer {meta.get('issuer')!r} != {cfg['issuer']!r}")
    check("S256" in meta.get("code_challenge_methods_supported", []), "the provider does not list S256")
    jwks = load_jwks(meta["jwks_uri"])

    result = {
        "authlib_version": __import__("authlib").__version__,
        "code_flow": code_flow(meta, jwks, cfg),
        "client_credentials": client_credentials(meta, jwks, cfg),
    }
    print("AUTHLIB_RESULT " + json.dumps(result, sort_keys=True), flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - report everything, then fail
        import traceback

        traceback.print_exc(file=sys.stderr)
        print(f"authlib-client: FAILED: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
