//! Generated `/authorize` requests: a valid one for a known client, then
//! random faults.

use super::*;

pub(super) struct AzCase {
    pub(super) post: bool,
    pub(super) content_type: Option<&'static str>,
    pub(super) session: bool,
    pub(super) body: Vec<u8>,
}

impl AzCase {
    pub(super) fn describe(&self) -> String {
        format!(
            "{} /authorize{} [{}{}] {}",
            if self.post { "POST" } else { "GET" },
            if self.post { "" } else { "?" },
            if self.session {
                "signed in"
            } else {
                "signed out"
            },
            self.content_type
                .map(|c| format!(", Content-Type: {c}"))
                .unwrap_or_default(),
            describe(&self.body)
        )
    }
}

/// Parameters with their values already percent-encoded.
#[derive(Default)]
pub(super) struct Params(pub(super) Vec<(String, String)>);

impl Params {
    pub(super) fn set(&mut self, k: &str, spec: &str) {
        let v = val(spec);
        match self.0.iter_mut().find(|p| p.0 == k) {
            Some(p) => p.1 = v,
            None => self.0.push((k.to_string(), v)),
        }
    }
    pub(super) fn remove(&mut self, k: &str) {
        self.0.retain(|p| p.0 != k);
    }
}

/// A valid request for sample-app or orders-spa, then up to four random
/// faults.
pub(super) fn gen_authorize(rng: &mut StdRng, base: &str, clients: &[Client]) -> AzCase {
    let spa = rng.gen_bool(0.35);
    let c = if spa { &clients[1] } else { &clients[0] };
    let mut p = Params::default();
    p.set("client_id", c.id);
    p.set("redirect_uri", &c.callbacks[0]);
    let rt = if spa {
        // Now and then one the SPA may not use: unauthorized_client.
        if rng.gen_bool(0.9) {
            "code"
        } else {
            pick(rng, &["token", "id_token", "code id_token"])
        }
    } else {
        pick(
            rng,
            &[
                "code",
                "code",
                "code",
                "code",
                "id_token",
                "token",
                "code id_token",
                "id_token token",
                "code id_token token",
                "code token",
            ],
        )
    };
    p.set("response_type", rt);
    p.set(
        "scope",
        pick(
            rng,
            &[
                "openid",
                "openid email",
                "openid email profile offline_access",
                "openid read:orders",
            ],
        ),
    );
    if rt.contains("id_token") || rng.gen_bool(0.3) {
        p.set("nonce", "n1");
    }
    if rng.gen_bool(0.8) {
        p.set(
            "state",
            pick(
                rng,
                &[
                    "xyz",
                    "a b&c=d#e?f",
                    "ünï-ćödé",
                    "<script>alert(1)</script>\"'",
                ],
            ),
        );
    }
    if spa || rng.gen_bool(0.3) {
        p.set("code_challenge", CHALLENGE);
        p.set("code_challenge_method", "S256");
    }
    if rng.gen_bool(0.35) {
        let modes: &[&str] = if rt.contains("token") {
            &["fragment", "form_post"]
        } else {
            &["query", "fragment", "form_post"]
        };
        p.set("response_mode", pick(rng, modes));
    }
    if rng.gen_bool(0.15) {
        p.set(
            "prompt",
            pick(rng, &["login", "consent", "select_account", "none", "none"]),
        );
    }
    if rng.gen_bool(0.08) {
        p.set("max_age", "3600");
    }
    if rng.gen_bool(0.1) {
        p.set(pick(rng, &["audience", "resource"]), ORDERS_API);
    }
    if rng.gen_bool(0.05) {
        p.set("login_hint", "someone@example.com");
    }
    let mut extra: Vec<String> = Vec::new();
    let faults = *[0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 4]
        .choose(rng)
        .unwrap();
    for _ in 0..faults {
        authorize_fault(rng, base, &mut p, &mut extra);
    }
    let mut segs: Vec<String> = p.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
    segs.extend(extra);
    segs.shuffle(rng);
    let mut body = segs.join("&").into_bytes();
    let post = rng.gen_bool(0.4);
    if post && rng.gen_bool(0.02) {
        body = vec![b'a'; BODY_LIMIT + 1024];
    } else if post && rng.gen_bool(0.03) {
        body.extend_from_slice(b"&\xff\xfe=\xc3");
    }
    AzCase {
        post,
        content_type: post.then(|| {
            *[FORM, FORM, FORM, FORM, FORM, FORM, "text/plain"]
                .choose(rng)
                .unwrap()
        }),
        session: rng.gen_bool(0.6),
        body,
    }
}

pub(super) fn authorize_fault(
    rng: &mut StdRng,
    base: &str,
    p: &mut Params,
    extra: &mut Vec<String>,
) {
    let mgmt = format!("{base}/api/v1/");
    let sample_cb = format!("{base}/sample-app/callback");
    let kind = rng.gen_range(0..20);
    let remove = rng.gen_bool(0.15);
    let mut set = |p: &mut Params, k: &str, pool: &[&str]| {
        if remove {
            p.remove(k);
        } else {
            p.set(k, pick(rng, pool));
        }
    };
    match kind {
        0 => set(
            p,
            "client_id",
            &[
                "sample-app",
                "orders-spa",
                "reporting-service",
                "nope",
                "Sample-App",
                "sample-app ",
                "raw:%FF%FEsample",
                "raw:sample-app%00",
                "~10k",
            ],
        ),
        1 => set(
            p,
            "redirect_uri",
            &[
                "https://evil.example/cb",
                &format!("{sample_cb}/"),
                &format!("{sample_cb}?x=1"),
                &sample_cb.to_uppercase(),
                SPA_CALLBACK,
                &sample_cb,
                "javascript:alert(1)",
                "raw:%FF",
                "raw:http%3A%2F%2Flocalhost%3A5173%2Fcallback%FF",
                "~10k",
            ],
        ),
        2 => set(
            p,
            "response_type",
            &[
                "code",
                "token",
                "id_token",
                "code id_token token",
                "token code",
                "code code",
                "banana",
                "none",
                "CODE",
                "code\tid_token",
                "raw:code%FF",
            ],
        ),
        3 => set(
            p,
            "response_mode",
            &["query", "fragment", "form_post", "jwt", "Query", "raw:%FF"],
        ),
        4 => set(
            p,
            "scope",
            &[
                "profile",
                "openid unknown:scope",
                "  openid  ",
                "raw:openid%FF",
                "~4k",
            ],
        ),
        5 => set(p, "state", &["~4k", "raw:%FF%FE", "xyz"]),
        6 => set(p, "nonce", &["n-ü", "~4k"]),
        7 => set(
            p,
            "code_challenge",
            &[
                CHALLENGE,
                "short",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM",
            ],
        ),
        8 => set(p, "code_challenge_method", &["S256", "plain", "s256"]),
        9 => set(
            p,
            "prompt",
            &["none", "login", "none login", "login consent", "bogus"],
        ),
        10 => set(
            p,
            "max_age",
            &["0", "-1", "abc", "99999999999999999999", "1.5"],
        ),
        11 => {
            let k = pick(rng, &["audience", "resource"]);
            let v = pick(rng, &[ORDERS_API, "https://unknown.example/", &mgmt]);
            p.set(k, v);
        }
        12 => extra.push(val(pick(
            rng,
            &[
                "raw:foo=bar",
                "raw:claims=%7B%22userinfo%22%3Anull%7D",
                "raw:x%FF=1",
                "raw:registration=abc",
                "raw:mq_auth_after=abc",
                "raw:mq_auth_after=99999999999",
                "raw:bare",
                "raw:",
                "raw:ui_locales=fr",
                "raw:%26%3D=%3D%26",
                "raw:%%%",
            ],
        ))),
        13 if !p.0.is_empty() => {
            // A repeated parameter, with the same or another value.
            let (k, v) = p.0[rng.gen_range(0..p.0.len())].clone();
            extra.push(if rng.gen_bool(0.5) {
                format!("{k}={v}")
            } else {
                format!("{k}=other")
            });
        }
        14 if !p.0.is_empty() => {
            // An empty value counts as absent.
            let i = rng.gen_range(0..p.0.len());
            p.0[i].1.clear();
        }
        15 if !p.0.is_empty() => {
            let i = rng.gen_range(0..p.0.len());
            p.0[i].1 = val(pick(rng, &["~4k+1", "~10k", "~100k"]));
        }
        16 => extra.extend((0..MAX_PARAMS + 5).map(|i| format!("extra{i}=1"))),
        17 => extra.push(format!("{}=1", "k".repeat(200))),
        18 => extra.push(val(pick(
            rng,
            &[
                "raw:request=eyJhbGciOiJub25lIn0.e30.",
                "raw:request_uri=https%3A%2F%2Fevil.example%2Fr",
            ],
        ))),
        _ => p.set("login_hint", "~4k"),
    }
}
