"""Helpers shared by the benchmark scripts in bench/."""
import socket
import time
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_healthy(url, proc, log):
    """Waits up to 60 s for `url` to answer 200, failing at once if `proc` exits."""
    t0 = time.time()
    while time.time() - t0 < 60:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early; log:\n{open(log).read()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.05)
    raise SystemExit(f"{url} did not come up")
