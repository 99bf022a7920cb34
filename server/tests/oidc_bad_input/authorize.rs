//! `/authorize`: generated requests checked against the specifications.

mod check;
mod generate;
mod oracle;

use super::*;
use check::*;
use generate::*;
use oracle::*;

async fn run_authorize_case(
    s: &Server,
    cookie: &str,
    clients: &[Client],
    case: &AzCase,
) -> Result<String, String> {
    let url = format!("{}/authorize", s.base);
    if !case.post && case.body.len() > 65_000 {
        // Longer than an `http::Uri` may be: reqwest cannot send it, and
        // the server's HTTP layer must refuse it before our code runs.
        let q = String::from_utf8_lossy(&case.body);
        let status = raw_get(&s.base, &format!("/authorize?{q}"));
        return match status {
            Some(400 | 414 | 431) => Ok("uri-too-long".into()),
            other => Err(format!("a {} byte URI got {other:?}", case.body.len())),
        };
    }
    let mut req = if case.post {
        let mut r = client().post(&url).body(case.body.clone());
        if let Some(ct) = case.content_type {
            r = r.header(CONTENT_TYPE, ct);
        }
        r
    } else {
        let q = String::from_utf8(case.body.clone()).expect("GET cases are ASCII");
        client().get(format!("{url}?{q}"))
    };
    if case.session {
        req = req.header(COOKIE, cookie);
    }
    let res = req
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.text().await.unwrap_or_default();
    let form = Form::parse(&case.body);
    let oracle = authorize_oracle(&form, clients, case.body.len() > BODY_LIMIT);
    let outcome = az_outcome(&oracle, status, &headers, &body)?;
    if let AzOutcome::Login(l) = &outcome {
        // The login page itself must cope with whatever it is asked to resume.
        let page = client()
            .get(format!("{}{l}", s.base))
            .send()
            .await
            .map_err(|e| format!("login page: {e}"))?;
        let status = page.status();
        // Read it all, as a browser would.
        let _ = page.text().await;
        if status.is_server_error() {
            return Err(format!("the login page answers {status}"));
        }
    }
    check_authorize(&s.base, case, &oracle, outcome)
}

/// The status of a GET sent over a plain socket.
fn raw_get(base: &str, target: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .ok()?;
    let req = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    // The server may answer and close before reading everything.
    let _ = stream.write_all(req.as_bytes());
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

#[tokio::test]
async fn authorize_property() {
    let s = server().await;
    let cookie = s.sign_in(ADMIN.0, ADMIN.1).await;
    let clients = clients(&s.base);
    let seed = seed();
    let n = case_count(400);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut failures = Vec::new();
    let mut tally: HashMap<String, usize> = HashMap::new();
    for i in 0..n {
        let case = gen_authorize(&mut rng, &s.base, &clients);
        match run_authorize_case(&s, &cookie, &clients, &case).await {
            Ok(label) => *tally.entry(label).or_default() += 1,
            Err(m) => failures.push(format!("#{i}: {}\n    {m}", case.describe())),
        }
    }
    finish("/authorize", seed, n, &failures, &tally);
    // The generator must actually reach every kind of outcome.
    if n >= 400 {
        for label in [
            "page",
            "login",
            "error:invalid_scope",
            "error:request_not_supported",
            "success:Query",
            "success:Fragment",
            "success:FormPost",
            "error:invalid_request",
            "error:unsupported_response_type",
            "error:unauthorized_client",
            "error:login_required",
            "error:invalid_target",
        ] {
            assert!(
                tally.get(label).copied().unwrap_or(0) >= 2,
                "the generator rarely produces {label}: {tally:?}"
            );
        }
    }
}
