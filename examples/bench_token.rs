//! Token endpoint benchmark, run by `make bench` (scripts/bench) against
//! Masquerade and against oidc-provider with the same code.
//!
//! ```text
//! bench_token load --url URL [--method POST] --basic ID:SECRET --body FORM [--codes FILE]
//!                  [--concurrency 32] [--warmup 2] [--duration 10] [--threads 1]
//!                  [--expect TEXT] [--label NAME]
//! bench_token mint-codes --db sqlite:PATH --master-key-file FILE --public-url URL
//!                  --n N --out FILE
//! ```
//!
//! `load` keeps one HTTP/1.1 keep-alive connection per worker and posts the
//! form body as fast as answers come back. With `--codes`, `{code}` in the
//! body is replaced by the next code from a shared queue, so every code is
//! posted exactly once. Requests answered during the warm-up are not
//! measured. Any answer other than 200 (or one lacking `--expect`) stops the
//! run and exits 1. Prints one JSON line: requests per second and latency
//! percentiles over the measured window.
//!
//! `mint-codes` makes real authorization codes in a Masquerade database, as
//! `/authorize` does for a signed-in user (validate the request, then
//! `authorization_response`): the demo's sample-app, the demo administrator,
//! scope `openid profile email`, a nonce. Codes live 60 seconds.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::{engine::general_purpose::STANDARD, Engine};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn main() {
    let mut args = std::env::args().skip(1);
    let cmd = args.next().unwrap_or_default();
    let opts = parse_opts(args.collect());
    let threads: usize = opt(&opts, "threads", "1").parse().expect("--threads");
    let rt = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(threads);
        b
    }
    .enable_all()
    .build()
    .expect("runtime");
    match cmd.as_str() {
        "load" => rt.block_on(load(&opts)),
        "mint-codes" => rt.block_on(mint_codes(&opts)),
        _ => {
            eprintln!("usage: bench_token load|mint-codes --option value ... (see the source)");
            std::process::exit(2);
        }
    }
}

fn parse_opts(args: Vec<String>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let key = a
            .strip_prefix("--")
            .unwrap_or_else(|| panic!("unexpected argument {a}"));
        let value = it.next().unwrap_or_else(|| panic!("--{key} needs a value"));
        out.insert(key.to_string(), value);
    }
    out
}

fn opt<'a>(opts: &'a HashMap<String, String>, key: &str, default: &'a str) -> &'a str {
    opts.get(key).map(String::as_str).unwrap_or(default)
}

fn required<'a>(opts: &'a HashMap<String, String>, key: &str) -> &'a str {
    opts.get(key)
        .unwrap_or_else(|| panic!("--{key} is required"))
}

// ---------------------------------------------------------------- load ----

struct Target {
    method: String,
    addr: String,
    path: String,
    host: String,
    basic: Option<String>,
    body: String,
    expect: Option<String>,
}

impl Target {
    fn request(&self, code: Option<&str>) -> Vec<u8> {
        let body = match code {
            Some(c) => self.body.replace("{code}", c),
            None => self.body.clone(),
        };
        let mut req = format!(
            "{} {} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n",
            self.method, self.path, self.host
        );
        if self.method != "GET" {
            req.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        if let Some(b) = &self.basic {
            req.push_str("Authorization: Basic ");
            req.push_str(b);
            req.push_str("\r\n");
        }
        req.push_str("\r\n");
        if self.method != "GET" {
            req.push_str(&body);
        }
        req.into_bytes()
    }
}

struct Shared {
    target: Target,
    codes: Option<Vec<String>>,
    next_code: AtomicUsize,
    stop: AtomicBool,
    failure: Mutex<Option<String>>,
}

impl Shared {
    fn fail(&self, message: String) {
        let mut f = self.failure.lock().unwrap();
        if f.is_none() {
            *f = Some(message);
        }
        self.stop.store(true, Ordering::SeqCst);
    }
}

async fn load(opts: &HashMap<String, String>) {
    let url = url::Url::parse(required(opts, "url")).expect("--url");
    assert_eq!(url.scheme(), "http", "only http:// on loopback");
    let host = url.host_str().expect("host").to_string();
    let port = url.port_or_known_default().expect("port");
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let codes = opts.get("codes").map(|f| {
        std::fs::read_to_string(f)
            .expect("--codes file")
            .lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect::<Vec<_>>()
    });
    let shared = Arc::new(Shared {
        target: Target {
            method: opt(opts, "method", "POST").to_string(),
            addr: format!("{host}:{port}"),
            host: format!("{host}:{port}"),
            path,
            basic: opts.get("basic").map(|b| STANDARD.encode(b.as_bytes())),
            body: opt(opts, "body", "").to_string(),
            expect: opts.get("expect").cloned(),
        },
        codes,
        next_code: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        failure: Mutex::new(None),
    });
    let concurrency: usize = opt(opts, "concurrency", "32")
        .parse()
        .expect("--concurrency");
    let warmup = Duration::from_secs_f64(opt(opts, "warmup", "2").parse().expect("--warmup"));
    let duration =
        Duration::from_secs_f64(opt(opts, "duration", "10").parse().expect("--duration"));

    let started = Instant::now();
    let measure_from = started + warmup;
    let measure_to = measure_from + duration;
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let shared = shared.clone();
        workers.push(tokio::spawn(async move {
            worker(&shared, measure_from, measure_to).await
        }));
    }
    let mut latencies_us: Vec<u32> = Vec::new();
    let mut last_done = measure_from;
    let mut warmup_requests = 0usize;
    for w in workers {
        let r = w.await.expect("worker panicked");
        latencies_us.extend(r.latencies_us);
        last_done = last_done.max(r.last_done);
        warmup_requests += r.warmup_requests;
    }
    if let Some(f) = shared.failure.lock().unwrap().take() {
        eprintln!("bench_token: FAILED: {f}");
        std::process::exit(1);
    }
    // With codes the run may end early when the queue is empty: the window
    // is then up to the last answer.
    let window = last_done
        .min(measure_to)
        .saturating_duration_since(measure_from);
    let exhausted = shared
        .codes
        .as_ref()
        .is_some_and(|c| shared.next_code.load(Ordering::SeqCst) >= c.len());
    if latencies_us.is_empty() || window < Duration::from_secs(1) {
        eprintln!(
            "bench_token: FAILED: measured window too short ({:.2} s, {} requests; more codes needed?)",
            window.as_secs_f64(),
            latencies_us.len()
        );
        std::process::exit(1);
    }
    latencies_us.sort_unstable();
    let pct = |p: f64| {
        latencies_us[((latencies_us.len() as f64 - 1.0) * p).round() as usize] as f64 / 1000.0
    };
    println!(
        "{{\"label\":\"{}\",\"concurrency\":{concurrency},\"seconds\":{:.2},\"warmup_requests\":{warmup_requests},\
         \"requests\":{},\"rps\":{:.0},\"p50_ms\":{:.2},\"p90_ms\":{:.2},\"p99_ms\":{:.2},\"max_ms\":{:.2},\
         \"errors\":0,\"codes_exhausted\":{exhausted}}}",
        opt(opts, "label", "run"),
        window.as_secs_f64(),
        latencies_us.len(),
        latencies_us.len() as f64 / window.as_secs_f64(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0),
    );
}

struct WorkerResult {
    latencies_us: Vec<u32>,
    last_done: Instant,
    warmup_requests: usize,
}

async fn worker(shared: &Shared, measure_from: Instant, measure_to: Instant) -> WorkerResult {
    let mut result = WorkerResult {
        latencies_us: Vec::with_capacity(1 << 16),
        last_done: measure_from,
        warmup_requests: 0,
    };
    let mut conn = match Conn::open(&shared.target.addr).await {
        Ok(c) => c,
        Err(e) => {
            shared.fail(format!("connect {}: {e}", shared.target.addr));
            return result;
        }
    };
    while !shared.stop.load(Ordering::Relaxed) {
        let code = match &shared.codes {
            Some(codes) => match codes.get(shared.next_code.fetch_add(1, Ordering::SeqCst)) {
                Some(c) => Some(c.as_str()),
                None => break,
            },
            None => None,
        };
        let req = shared.target.request(code);
        let t0 = Instant::now();
        if t0 >= measure_to {
            break;
        }
        match conn.exchange(&req).await {
            Ok((200, body)) => {
                if let Some(e) = &shared.target.expect {
                    if !contains(&body, e.as_bytes()) {
                        shared.fail(format!(
                            "200 without {e:?}: {}",
                            String::from_utf8_lossy(&body)
                        ));
                        break;
                    }
                }
            }
            Ok((status, body)) => {
                shared.fail(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)));
                break;
            }
            Err(e) => {
                shared.fail(format!("I/O error: {e}"));
                break;
            }
        }
        let done = Instant::now();
        if t0 >= measure_from && done <= measure_to {
            result
                .latencies_us
                .push(done.duration_since(t0).as_micros().min(u32::MAX as u128) as u32);
            result.last_done = done;
        } else if t0 < measure_from {
            result.warmup_requests += 1;
        }
    }
    result
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// One HTTP/1.1 keep-alive connection, one request at a time.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

fn io_err(m: impl Into<String>) -> std::io::Error {
    std::io::Error::other(m.into())
}

impl Conn {
    async fn open(addr: &str) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(8192),
        })
    }

    async fn fill(&mut self) -> std::io::Result<()> {
        let mut chunk = [0u8; 16384];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io_err("connection closed by the server"));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    async fn exchange(&mut self, req: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        self.stream.write_all(req).await?;
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end])
            .map_err(|_| io_err("response head is not UTF-8"))?
            .to_string();
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io_err(format!("bad status line in {head:?}")))?;
        let mut length = None;
        let mut chunked = false;
        let mut close = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            }
        }
        if close {
            return Err(io_err("the server closed the keep-alive connection"));
        }
        self.buf.drain(..head_end);
        let body = if chunked {
            let mut body = Vec::new();
            loop {
                let line_end = loop {
                    if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                        break i;
                    }
                    self.fill().await?;
                };
                let size = usize::from_str_radix(
                    std::str::from_utf8(&self.buf[..line_end])
                        .unwrap_or("")
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim(),
                    16,
                )
                .map_err(|_| io_err("bad chunk size"))?;
                while self.buf.len() < line_end + 2 + size + 2 {
                    self.fill().await?;
                }
                body.extend_from_slice(&self.buf[line_end + 2..line_end + 2 + size]);
                self.buf.drain(..line_end + 2 + size + 2);
                if size == 0 {
                    break body;
                }
            }
        } else {
            let n = length.ok_or_else(|| io_err("response without Content-Length"))?;
            while self.buf.len() < n {
                self.fill().await?;
            }
            self.buf.drain(..n).collect()
        };
        Ok((status, body))
    }
}

// ---------------------------------------------------------- mint-codes ----

async fn mint_codes(opts: &HashMap<String, String>) {
    use masquerade::demo::{DEMO_ADMIN_EMAIL, SAMPLE_APP_CLIENT_ID};
    use masquerade::keys::{KeyRing, MasterKey};
    use masquerade::oidc::authorize::validate;
    use masquerade::oidc::issue::authorization_response;
    use masquerade::{RuntimeConfig, Services, Store};

    let public_url = required(opts, "public-url")
        .trim_end_matches('/')
        .to_string();
    let n: usize = required(opts, "n").parse().expect("--n");
    let store = Store::open(required(opts, "db"))
        .await
        .expect("open database");
    let master = MasterKey::parse(
        &std::fs::read_to_string(required(opts, "master-key-file")).expect("master key file"),
    )
    .expect("master key");
    let now = masquerade::unix_now();
    let keys = KeyRing::open(store.clone(), master, now)
        .await
        .expect("keys");
    let svc = Services {
        store: store.clone(),
        config: RuntimeConfig::new(&public_url),
        keys,
    };
    let app = store
        .get_application(SAMPLE_APP_CLIENT_ID)
        .await
        .expect("the demo's sample-app (start the server with --demo)");
    let login = store
        .login_record(DEMO_ADMIN_EMAIL)
        .await
        .expect("user lookup")
        .expect("the demo administrator");
    let user = store.get_user(&login.id).await.expect("user");
    let audiences = store
        .audiences_for_client(&app.client_id)
        .await
        .expect("audiences");
    let redirect_uri = format!("{public_url}/sample-app/callback");
    let started = Instant::now();
    let mut out =
        std::io::BufWriter::new(std::fs::File::create(required(opts, "out")).expect("--out file"));
    for i in 0..n {
        let params: HashMap<String, String> = [
            ("response_type", "code".to_string()),
            ("client_id", app.client_id.clone()),
            ("redirect_uri", redirect_uri.clone()),
            ("scope", "openid profile email".to_string()),
            ("nonce", format!("n-{i}")),
            ("state", format!("s-{i}")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let req = validate(&params, &app, redirect_uri.clone(), &audiences)
            .unwrap_or_else(|e| panic!("authorize request refused: {e:?}"));
        let now = masquerade::unix_now();
        let resp = authorization_response(
            &svc,
            &req,
            &app,
            masquerade::oidc::issue::Subject {
                user: &user,
                auth_time: now,
                actor: None,
            },
            None,
            now,
        )
        .await
        .unwrap_or_else(|e| panic!("authorization response failed: {e:?}"));
        let code = resp
            .iter()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v)
            .expect("a code in the response");
        writeln!(out, "{code}").expect("write");
    }
    out.flush().expect("write");
    store.close().await;
    // The burst of inserts above is the benchmark's doing, not the server's:
    // fold it into the database file now rather than leave the server's
    // background checkpoints copying it during the measured run.
    if let Some(path) = required(opts, "db").strip_prefix("sqlite:") {
        use sqlx::{Connection, Executor};
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{path}"))
            .await
            .expect("open for checkpoint");
        conn.execute("PRAGMA busy_timeout = 5000; PRAGMA wal_checkpoint(TRUNCATE);")
            .await
            .expect("checkpoint");
        conn.close().await.expect("close");
    }
    eprintln!(
        "bench_token: minted {n} codes in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
