#!/usr/bin/env python3
"""Token endpoint benchmark: Masquerade and oidc-provider side by side.

Run by scripts/bench (after the release build and `bench_token`), or alone:

    python3 bench/token.py OUT.md

Starts target/release/masquerade (temporary SQLite database, --demo, a
bootstrap machine-to-machine client) and bench/oidc-provider/server.mjs
(NODE_ENV=production, ES256 JWT access tokens) on loopback, and drives both
with the same load generator (target/release/examples/bench_token):

  client_credentials   BENCH_ROUNDS rounds, alternating the two servers,
                       BENCH_CONCURRENCY workers, warm-up then BENCH_SECONDS
  authorization_code   the same, each round on freshly minted codes
                       (BENCH_CODES of them), each code posted once

Each server runs in its own session, as a daemon would: with the kernel's
autogroup scheduling the load generator's CPU time is then not taken from
the server it measures.

Writes a Markdown section to OUT.md and prints one JSON line per run.
Exits non-zero if a server misbehaves (any answer but 200, a reused code
accepted), not when a target is missed.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from common import free_port, wait_healthy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.path.join(ROOT, "target/release/examples/bench_token")
MASQ = os.path.join(ROOT, "target/release/masquerade")
PEER = os.path.join(ROOT, "bench/oidc-provider/server.mjs")

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "2"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
CODES = int(os.environ.get("BENCH_CODES", "80000"))

M2M_ID, M2M_SECRET = "bench-m2m", "bench-m2m-secret-0123456789abcdef"
SAMPLE_ID, SAMPLE_SECRET = "sample-app", "sample-app-demo-secret-change-me"
PEER_WEB_ID, PEER_WEB_SECRET = "bench-web", "bench-web-secret-0123456789abcdef"
PEER_RESOURCE = "https://api.bench.example/"
PEER_REDIRECT = "http://127.0.0.1/callback"

CC_TARGET_RATIO = 8.0
CODE_TARGET_RPS = 3000.0
CODE_TARGET_P99_MS = 10.0


class Server:
    """A server process this benchmark started; stopped on the way out."""

    def stop(self):
        if self in SERVERS:
            SERVERS.remove(self)
        self.proc.terminate()
        self.proc.wait()


class Masquerade(Server):
    def __init__(self, work):
        self.dir = os.path.join(work, "idp")
        os.makedirs(self.dir, exist_ok=True)
        # Started through a link with a neutral name: on a shared machine a
        # stray `pkill -f masquerade` must not stop the server mid-run.
        exe = os.path.join(self.dir, "idp-under-test")
        os.symlink(MASQ, exe)
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.db = f"sqlite:{self.dir}/token.db"
        self.log = os.path.join(self.dir, "server.log")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MASQUERADE_") and k != "RUST_LOG"}
        env.update(
            MASQUERADE_DATABASE_URL=self.db,
            MASQUERADE_LISTEN=f"127.0.0.1:{port}",
            MASQUERADE_SITE_ROOT=os.path.join(ROOT, "target/site"),
            MASQUERADE_BOOTSTRAP_CLIENT_ID=M2M_ID,
            MASQUERADE_BOOTSTRAP_CLIENT_SECRET=M2M_SECRET,
        )
        self.proc = subprocess.Popen([exe, "--demo"], env=env, stdout=open(self.log, "w"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        wait_healthy(f"{self.base}/healthz", self.proc, self.log)
        SERVERS.append(self)


class Peer(Server):
    def __init__(self, work, codes=0):
        self.dir = os.path.join(work, "oidc-provider")
        os.makedirs(self.dir, exist_ok=True)
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.codes = os.path.join(self.dir, "codes.txt")
        self.log = os.path.join(self.dir, "server.log")
        env = dict(os.environ, NODE_ENV="production", PORT=str(port), BENCH_CODES=str(codes), BENCH_CODES_FILE=self.codes)
        t0 = time.time()
        self.proc = subprocess.Popen(["node", PEER], env=env, stdout=subprocess.PIPE, stderr=open(self.log, "w"), text=True,
                                     start_new_session=True)
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            raise SystemExit(f"oidc-provider did not start: {line!r}; log:\n{open(self.log).read()}")
        self.mint_s = time.time() - t0
        wait_healthy(f"{self.base}/.well-known/openid-configuration", self.proc, self.log)
        SERVERS.append(self)


def post(url, form, user, secret):
    req = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    req.add_header("Authorization", "Basic " + __import__("base64").b64encode(f"{user}:{secret}".encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def jose_header(token):
    import base64

    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def check_token(who, body, want_id_token):
    at = jose_header(body["access_token"])
    if at.get("alg") != "ES256" or at.get("typ", "").lower() != "at+jwt":
        raise SystemExit(f"{who}: access token header {at}, expected ES256 at+jwt")
    if want_id_token and jose_header(body["id_token"]).get("alg") != "ES256":
        raise SystemExit(f"{who}: ID token not ES256")


SERVERS = []


def gen(*args):
    p = subprocess.run([GEN, *args], capture_output=True, text=True)
    if p.returncode != 0:
        gone = [f"{s.__class__.__name__} exited with {s.proc.returncode}; log:\n{open(s.log).read()[-2000:]}"
                for s in SERVERS if s.proc.poll() is not None]
        raise SystemExit(f"bench_token {' '.join(args[:1])} failed:\n{p.stdout}\n{p.stderr}\n" + "\n".join(gone))
    sys.stderr.write(p.stderr)
    return json.loads(p.stdout.strip().splitlines()[-1])


def load(label, url, basic, body, expect, codes=None):
    args = ["load", "--label", label, "--url", url, "--basic", basic, "--body", body, "--expect", expect,
            "--concurrency", str(CONCURRENCY), "--warmup", str(WARMUP), "--duration", str(SECONDS)]
    if codes:
        args += ["--codes", codes]
    r = gen(*args)
    print(json.dumps(r), flush=True)
    return r


def split_first(path):
    """The first code (for the checks around the run) and PATH.rest with the others (for the run)."""
    lines = open(path).read().split()
    with open(path + ".rest", "w") as f:
        f.write("\n".join(lines[1:]) + "\n")
    return lines[0]


def q(s):
    return urllib.parse.quote(s, safe="")


def main():
    out_md = sys.argv[1]
    for path in (GEN, MASQ):
        if not os.path.exists(path):
            raise SystemExit(f"missing {path}: build it first (see scripts/bench)")
    work = tempfile.mkdtemp(prefix="token-bench-")
    load_before = os.getloadavg()
    results = {"cc": {"masquerade": [], "oidc-provider": []}, "code": {"masquerade": [], "oidc-provider": []}}
    masq = Masquerade(work)
    peer = Peer(work)
    try:
        mgmt = f"{masq.base}/api/v1/"
        # Correctness first: the tokens are what the comparison says they are.
        s, b = post(f"{masq.base}/oauth/token", {"grant_type": "client_credentials", "audience": mgmt}, M2M_ID, M2M_SECRET)
        assert s == 200, (s, b)
        check_token("masquerade", b, False)
        s, b = post(f"{peer.base}/token", {"grant_type": "client_credentials", "resource": PEER_RESOURCE}, M2M_ID, M2M_SECRET)
        assert s == 200, (s, b)
        check_token("oidc-provider", b, False)

        # client_credentials, alternating servers round by round.
        for i in range(ROUNDS):
            results["cc"]["masquerade"].append(load(
                f"cc-masquerade-{i + 1}", f"{masq.base}/oauth/token", f"{M2M_ID}:{M2M_SECRET}",
                f"grant_type=client_credentials&audience={q(mgmt)}", "access_token"))
            results["cc"]["oidc-provider"].append(load(
                f"cc-oidc-provider-{i + 1}", f"{peer.base}/token", f"{M2M_ID}:{M2M_SECRET}",
                f"grant_type=client_credentials&resource={q(PEER_RESOURCE)}", "access_token"))
        peer.stop()
        peer = None

        # authorization_code: fresh codes every round (they live 60 s).
        redirect = f"{masq.base}/sample-app/callback"
        for i in range(ROUNDS):
            codes = os.path.join(masq.dir, "codes.txt")
            t0 = time.time()
            subprocess.run([GEN, "mint-codes", "--db", masq.db, "--master-key-file", os.path.join(masq.dir, "master.key"),
                            "--public-url", masq.base, "--n", str(CODES), "--out", codes], check=True)
            mint_s = time.time() - t0
            first = split_first(codes)
            s, b = post(f"{masq.base}/oauth/token", {"grant_type": "authorization_code", "code": first, "redirect_uri": redirect},
                        SAMPLE_ID, SAMPLE_SECRET)
            assert s == 200, (s, b)
            check_token("masquerade", b, True)
            r = load(f"code-masquerade-{i + 1}", f"{masq.base}/oauth/token", f"{SAMPLE_ID}:{SAMPLE_SECRET}",
                     f"grant_type=authorization_code&code={{code}}&redirect_uri={q(redirect)}", "id_token", codes + ".rest")
            s, b = post(f"{masq.base}/oauth/token", {"grant_type": "authorization_code", "code": first, "redirect_uri": redirect},
                        SAMPLE_ID, SAMPLE_SECRET)
            if s != 400 or b.get("error") != "invalid_grant":
                raise SystemExit(f"masquerade accepted a used code: {s} {b}")
            r["mint_s"] = round(mint_s, 1)
            results["code"]["masquerade"].append(r)

            p = Peer(work, CODES)
            try:
                first = split_first(p.codes)
                s, b = post(f"{p.base}/token", {"grant_type": "authorization_code", "code": first, "redirect_uri": PEER_REDIRECT},
                            PEER_WEB_ID, PEER_WEB_SECRET)
                assert s == 200, (s, b)
                check_token("oidc-provider", b, True)
                r = load(f"code-oidc-provider-{i + 1}", f"{p.base}/token", f"{PEER_WEB_ID}:{PEER_WEB_SECRET}",
                         f"grant_type=authorization_code&code={{code}}&redirect_uri={q(PEER_REDIRECT)}", "id_token", p.codes + ".rest")
                s, b = post(f"{p.base}/token", {"grant_type": "authorization_code", "code": first, "redirect_uri": PEER_REDIRECT},
                            PEER_WEB_ID, PEER_WEB_SECRET)
                if s != 400:
                    raise SystemExit(f"oidc-provider accepted a used code: {s} {b}")
                r["mint_s"] = round(p.mint_s, 1)
                results["code"]["oidc-provider"].append(r)
            finally:
                p.stop()
    finally:
        if peer:
            peer.stop()
        masq.stop()
        shutil.rmtree(work, ignore_errors=True)
    load_after = os.getloadavg()
    write_markdown(out_md, results, load_before, load_after)


def med(runs, key):
    return statistics.median(r[key] for r in runs)


def rates(runs, p99=False):
    return ", ".join("%s%s" % (format(r["rps"], ",.0f"), " (%.1f ms)" % r["p99_ms"] if p99 else "") for r in runs)


def write_markdown(path, res, load_before, load_after):
    cc_m, cc_p = res["cc"]["masquerade"], res["cc"]["oidc-provider"]
    co_m, co_p = res["code"]["masquerade"], res["code"]["oidc-provider"]
    cc_ratio = med(cc_m, "rps") / med(cc_p, "rps")
    code_ratio = med(co_m, "rps") / med(co_p, "rps")
    code_ok = med(co_m, "rps") >= CODE_TARGET_RPS and med(co_m, "p99_ms") <= CODE_TARGET_P99_MS
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    peer_version = json.load(open(os.path.join(ROOT, "node_modules/oidc-provider/package.json")))["version"]
    yes = lambda ok: "**pass**" if ok else "**FAIL**"  # noqa: E731
    L = []
    L.append("## Token endpoint: Masquerade and oidc-provider side by side")
    L.append("")
    L.append(f"Both servers on loopback on this machine ({os.cpu_count()} cores; load average "
             f"{load_before[0]:.2f} before, {load_after[0]:.2f} after), driven by the same load generator "
             f"(`examples/bench_token.rs`: {CONCURRENCY} workers, one HTTP/1.1 keep-alive connection each, "
             f"one runtime thread, every answer must be 200). Each run: {WARMUP:g} s warm-up, then {SECONDS:g} s measured; "
             f"{ROUNDS} rounds alternating the two servers; the tables give the median of the rounds.")
    L.append("")
    L.append(f"- Masquerade: `target/release/masquerade --demo` on a fresh SQLite database (WAL), default log level.")
    L.append(f"- Peer: oidc-provider {peer_version} on Node.js {node}, `NODE_ENV=production`, one process, "
             "in-memory storage, ES256 key, JWT access tokens (`accessTokenFormat: 'jwt'`, ES256) for a resource "
             "indicator (`bench/oidc-provider/server.mjs`).")
    L.append("")
    L.append("### client_credentials")
    L.append("")
    L.append("Basic client authentication, an audience (Masquerade: the Management API; oidc-provider: `resource`), "
             "answer: an ES256 `at+jwt` access token. Target: Masquerade ≥ 8× oidc-provider's requests per second.")
    L.append("")
    L.append("| server | requests/s | p50 | p99 | max |")
    L.append("| --- | --- | --- | --- | --- |")
    for name, runs in (("Masquerade", cc_m), ("oidc-provider", cc_p)):
        L.append(f"| {name} | {med(runs, 'rps'):,.0f} | {med(runs, 'p50_ms'):.2f} ms | {med(runs, 'p99_ms'):.2f} ms | {med(runs, 'max_ms'):.2f} ms |")
    L.append("")
    L.append(f"Ratio: **{cc_ratio:.1f}×** (target ≥ {CC_TARGET_RATIO:g}×): {yes(cc_ratio >= CC_TARGET_RATIO)}. "
             f"Rounds, requests/s: Masquerade {rates(cc_m)}; oidc-provider {rates(cc_p)}.")
    L.append("")
    L.append("### authorization_code exchange (SQLite)")
    L.append("")
    L.append(f"Each round first mints {CODES:,} real codes (Masquerade: `bench_token mint-codes`, the same "
             "validate + `authorization_response` path as `/authorize`, into the server's database; oidc-provider: "
             "its own Grant and AuthorizationCode models), then posts each code once: confidential client with Basic "
             "authentication, `openid profile email`, answer: ES256 ID token plus ES256 access token. After the run "
             "the first code is posted again and must be refused. "
             f"Target: Masquerade ≥ {CODE_TARGET_RPS:,.0f} per second with p99 ≤ {CODE_TARGET_P99_MS:g} ms at {CONCURRENCY} concurrent requests.")
    L.append("")
    L.append("| server | requests/s | p50 | p99 | max |")
    L.append("| --- | --- | --- | --- | --- |")
    for name, runs in (("Masquerade", co_m), ("oidc-provider", co_p)):
        L.append(f"| {name} | {med(runs, 'rps'):,.0f} | {med(runs, 'p50_ms'):.2f} ms | {med(runs, 'p99_ms'):.2f} ms | {med(runs, 'max_ms'):.2f} ms |")
    L.append("")
    L.append(f"Masquerade: {yes(code_ok)} (≥ {CODE_TARGET_RPS:,.0f}/s and p99 ≤ {CODE_TARGET_P99_MS:g} ms). "
             f"Ratio to oidc-provider: {code_ratio:.1f}×. "
             f"Rounds, requests/s (p99): Masquerade {rates(co_m, True)}; oidc-provider {rates(co_p, True)}.")
    if any(r["codes_exhausted"] for r in co_m + co_p):
        L.append("Some runs used up their codes before the measured time was over; their window ends at the last answer.")
    L.append("")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")
    summary = {"cc_ratio": round(cc_ratio, 2), "cc_masquerade_rps": med(cc_m, "rps"), "cc_peer_rps": med(cc_p, "rps"),
               "code_masquerade_rps": med(co_m, "rps"), "code_masquerade_p99_ms": med(co_m, "p99_ms"),
               "code_peer_rps": med(co_p, "rps"), "code_ratio": round(code_ratio, 2)}
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
