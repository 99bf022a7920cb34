#!/usr/bin/env python3
"""The audit log with 1,000,000 events, run by scripts/bench. Writes a
Markdown section to the path given.

1. target/release/examples/bench_audit DB: seeds the events on SQLite (kept
   in DB) and on PostgreSQL, and times the console's filtered pages, the
   CSV export in the core (a process of its own, peak RSS measured) and
   the chain verification. One JSON line per backend.
2. The export through HTTP: target/release/masquerade on the SQLite
   database, GET /api/v1/audit/export?format=csv read to the end by curl,
   the server's VmRSS sampled from /proc/<pid>/status meanwhile.

Targets (the issue): filtered page p95 <= 25 ms; export of everything
<= 10 s with peak RSS growth <= 100 MB; verify <= 5 s.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

from common import free_port, wait_healthy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MASQ = os.path.join(ROOT, "target/release/masquerade")
BENCH = os.path.join(ROOT, "target/release/examples/bench_audit")
BOOT = ("bench-audit", "bench-audit-secret-0123456789abcdef")
FILTERS = [
    ("actor", "actor (one of 500)"),
    ("target", "target (one of 50,000)"),
    ("application", "application (one of 20)"),
    ("action_impersonation", "action: all impersonation events"),
    ("outcome", "outcome (success, denied, failure)"),
    ("range_7d", "a 7-day range"),
    ("ip", "IP (one of 300)"),
    ("text", "words in the reason or ticket"),
    ("combined_3", "three combined"),
]


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def http_export(db):
    """The server's export of the whole log over HTTP: seconds, bytes, RSS."""
    work = tempfile.mkdtemp()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASQUERADE_") and k != "RUST_LOG"}
    env.update(MASQUERADE_DATABASE_URL=f"sqlite:{db}", MASQUERADE_LISTEN=f"127.0.0.1:{port}",
               MASQUERADE_SITE_ROOT=os.path.join(ROOT, "target/site"),
               MASQUERADE_BOOTSTRAP_CLIENT_ID=BOOT[0], MASQUERADE_BOOTSTRAP_CLIENT_SECRET=BOOT[1],
               MASQUERADE_MASTER_KEY="62656e63682d61756469742d6d61737465722d6b65792d6e6f742d7365637265",
               RUST_LOG="warn")
    log = os.path.join(work, "server.log")
    proc = subprocess.Popen([MASQ], env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"{base}/healthz", proc, log)
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "audience": f"{base}/api/v1/"}).encode()
        req = urllib.request.Request(f"{base}/oauth/token", data=form)
        req.add_header("Authorization", "Basic " + base64.b64encode(f"{BOOT[0]}:{BOOT[1]}".encode()).decode())
        with urllib.request.urlopen(req, timeout=30) as r:
            token = json.loads(r.read())["access_token"]
        time.sleep(3)  # let start-up work (checkpoints, caches) settle
        before = rss_kb(proc.pid)
        peak = [before]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], rss_kb(proc.pid))
                time.sleep(0.005)
        t = threading.Thread(target=sample)
        t.start()
        t0 = time.perf_counter()
        out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                              "-H", f"Authorization: Bearer {token}",
                              f"{base}/api/v1/audit/export?format=csv"], capture_output=True, text=True)
        secs = time.perf_counter() - t0
        done.set()
        t.join()
        status, size = out.stdout.split()
        if status != "200":
            raise SystemExit(f"export answered {status}: {out.stderr}")
        return {"secs": round(secs, 2), "bytes": int(size), "rss_before_mb": round(before / 1024, 1),
                "rss_peak_mb": round(peak[0] / 1024, 1), "rss_growth_mb": round((peak[0] - before) / 1024, 1)}
    finally:
        proc.terminate()
        proc.wait()


def page2(s):
    p = s["page2"]
    return f"{p['p95_ms']} ms" if p["n"] else "— (one page)"


def met(ok):
    return "met" if ok else "**not met**"


def main(out, saved=None):
    if saved:
        # Only the Markdown, from the lines of an earlier run.
        text, http, load = open(saved).read(), None, None
    else:
        work = tempfile.mkdtemp()
        db = os.path.join(work, "audit.db")
        load = os.getloadavg()[0]
        p = subprocess.run([BENCH, db], stdout=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise SystemExit("bench_audit failed")
        text = p.stdout
        http = http_export(db) if os.path.exists(MASQ) else None
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    for line in lines:
        print(json.dumps(line), flush=True)
    print("http export:", http, flush=True)
    events = lines[0]["events"] if lines else 0
    with open(out, "w") as f:
        f.write(f"## Audit log with {events:,} events\n\n")
        f.write("Events generated as the product writes them, through the store's write path (so the hash chain is the "
                "real one): 500 staff, 50,000 customers, 20 applications, 300 IP addresses, 90 days; Sign in as User "
                "links with their redemptions, tokens and revocations, refusals, console sign-ins and failed ones, user "
                "and role changes (about 4 % denied, 5 % failed). "
                "A filtered page is the work behind the Audit log screen (`audit::search`: a page of 50 and the total, "
                "exact to 10,000), measured in the store over 50 varied values per filter after one warm-up pass; the "
                "second page follows the keyset cursor. The export is every event as CSV through the core the REST "
                "route streams (`export::begin`, then 1,000-event batches), into a sink that counts bytes, in a process "
                "of its own whose peak RSS growth is measured; verification is what `masquerade audit verify` runs.\n\n")
        if load is not None:
            f.write(f"Load average before: {load:.2f}. ")
        f.write("Targets: filtered page p95 ≤ 25 ms; export ≤ 10 s with peak RSS growth ≤ 100 MB; verify ≤ 5 s.\n\n")
        for line in lines:
            b = line["backend"]
            fl = line["filters"]
            f.write(f"### {'SQLite' if b == 'sqlite' else 'PostgreSQL'}\n\n")
            f.write("| filter | p50 | p95 | max | second page p95 | target |\n| --- | --- | --- | --- | --- | --- |\n")
            for key, label in FILTERS:
                s = fl.get(key)
                if not s:
                    continue
                f.write(f"| {label} | {s['p50_ms']} ms | {s['p95_ms']} ms | {s['max_ms']} ms | "
                        f"{page2(s)} | {met(s['p95_ms'] <= 25)} |\n")
            e = line["export"]
            f.write(f"\nExport: {e['rows']:,} rows, {e['bytes'] / 1e6:,.0f} MB of CSV in **{e['secs']} s** "
                    f"({met(e['secs'] <= 10)}; {e.get('cpu_s', '?')} s of CPU in the process); peak RSS growth **{e['rss_growth_mb']} MB** "
                    f"({e['rss_before_mb']} → {e['rss_peak_mb']} MB; {met(e['rss_growth_mb'] <= 100)}). "
                    f"Verify: {line['verified']:,} events in **{line['verify_s']} s** ({met(line['verify_s'] <= 5)}; "
                    f"{line.get('verify_cpu_s', '?')} s of CPU in the process). "
                    f"Seeding took {line['seed_s']:.0f} s.\n\n")
        if http:
            f.write(f"Export over HTTP from the release server on the SQLite database (`GET /api/v1/audit/export?format=csv`, "
                    f"read by curl): {http['bytes'] / 1e6:,.0f} MB in **{http['secs']} s** ({met(http['secs'] <= 10)}); "
                    f"the server's peak RSS growth **{http['rss_growth_mb']} MB** ({http['rss_before_mb']} → "
                    f"{http['rss_peak_mb']} MB; {met(http['rss_growth_mb'] <= 100)}).\n\n")
        f.write("CPU seconds are the benchmark process's own (user + system, all threads; PostgreSQL's server "
                "processes not included): the cost of the work apart from what else the machine runs.\n\n")
        f.write("Command: `python3 bench/audit.py OUT` (runs `target/release/examples/bench_audit DB`, then the "
                "server on DB and curl).\n\n")


if __name__ == "__main__":
    # bench/audit.py OUT [LINES]: LINES, bench_audit's output saved, only
    # renders it.
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
