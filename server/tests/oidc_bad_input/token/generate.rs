//! Generated `/oauth/token` requests: a valid one against the model, then
//! random faults.

use super::*;

pub(super) struct TokenCase {
    pub(super) content_type: Option<String>,
    pub(super) authorization: Option<String>,
    pub(super) body: Vec<u8>,
}

impl TokenCase {
    pub(super) fn describe(&self) -> String {
        format!(
            "POST /oauth/token [Content-Type: {:?}; Authorization: {:?}] {}",
            self.content_type,
            self.authorization.as_deref().map(|a| short(a, 80)),
            describe(&self.body)
        )
    }
}

pub(super) fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

pub(super) async fn gen_token(
    rng: &mut StdRng,
    s: &Server,
    cookie: &str,
    clients: &[Client],
    model: &mut Model,
) -> TokenCase {
    let client_id = pick(
        rng,
        &[
            "sample-app",
            "sample-app",
            "sample-app",
            "sample-app",
            "sample-app",
            "sample-app",
            "sample-app",
            "orders-spa",
            "orders-spa",
            "orders-spa",
            "orders-spa",
            BOOT_ID,
            BOOT_ID,
            BOOT_ID,
            BOOT_ID,
            "reporting-service",
            "reporting-service",
            "nope",
            "nope",
            "raw:%FFx",
            "raw:sample-app%00",
        ],
    );
    let known = find(clients, client_id);
    let machine = known.is_some_and(|c| c.allows("client_credentials"));
    let mut segs: Vec<String> = Vec::new();
    let r: f64 = rng.gen();
    let grant_type = match (machine, r) {
        (true, r) if r < 0.6 => "client_credentials",
        (false, r) if r < 0.5 => "authorization_code",
        (false, r) if r < 0.75 => "refresh_token",
        (_, r) if r < 0.85 => *["authorization_code", "refresh_token", "client_credentials"]
            .choose(rng)
            .unwrap(),
        (_, r) if r < 0.95 => pick(
            rng,
            &[
                "password",
                "implicit",
                "urn:ietf:params:oauth:grant-type:device_code",
                "AUTHORIZATION_CODE",
                "raw:authorization_code%FF",
                "~10k",
            ],
        ),
        _ => "",
    };
    if !grant_type.is_empty() {
        segs.push(seg("grant_type", grant_type));
    }
    let base = &s.base;
    match grant_type {
        "authorization_code" => {
            let roll: f64 = rng.gen();
            let used = model.codes.iter().filter(|c| c.1.used).count();
            let code_idx = if roll < 0.55 || (roll < 0.7 && used == 0) {
                let c = match known {
                    Some(c) if !c.callbacks.is_empty() => c,
                    _ => &clients[0],
                };
                let pkce = !c.confidential() || rng.gen_bool(0.5);
                mint(s, cookie, c, pkce, model).await;
                Some(model.codes.len() - 1)
            } else if roll < 0.7 {
                let used: Vec<usize> = (0..model.codes.len())
                    .filter(|&i| model.codes[i].1.used)
                    .collect();
                used.choose(rng).copied()
            } else {
                None
            };
            match code_idx {
                Some(i) => segs.push(format!("code={}", enc(&model.codes[i].0))),
                None if rng.gen_bool(0.8) => segs.push(seg(
                    "code",
                    pick(rng, &["garbage", "~4k", "~10k", "raw:%FF%FE", "raw:%00"]),
                )),
                None => {}
            }
            let (redirect, pkce) = match code_idx {
                Some(i) => (model.codes[i].1.redirect_uri.clone(), model.codes[i].1.pkce),
                None => (format!("{base}/sample-app/callback"), false),
            };
            if rng.gen_bool(0.8) {
                segs.push(seg("redirect_uri", &redirect));
            } else if rng.gen_bool(0.7) {
                let wrong = pick(rng, &["https://evil.example/cb", SPA_CALLBACK, "raw:%FF"]);
                segs.push(seg("redirect_uri", wrong));
            }
            let verifier = if pkce && rng.gen_bool(0.75) || !pkce && rng.gen_bool(0.1) {
                Some(VERIFIER)
            } else if pkce && rng.gen_bool(0.7) {
                Some(pick(rng, &[WRONG_VERIFIER, "short", "~10k", "raw:%FF"]))
            } else {
                None
            };
            if let Some(v) = verifier {
                segs.push(seg("code_verifier", v));
            }
        }
        "refresh_token" => {
            let roll: f64 = rng.gen();
            let mine: Vec<usize> = (0..model.refresh.len())
                .filter(|&i| !model.refresh[i].1.used && model.refresh[i].1.client == client_id)
                .collect();
            let used: Vec<usize> = (0..model.refresh.len())
                .filter(|&i| model.refresh[i].1.used)
                .collect();
            let idx = if roll < 0.55 {
                mine.choose(rng).copied().or_else(|| {
                    (0..model.refresh.len())
                        .collect::<Vec<_>>()
                        .choose(rng)
                        .copied()
                })
            } else if roll < 0.7 {
                used.choose(rng).copied()
            } else {
                None
            };
            match idx {
                Some(i) => segs.push(format!("refresh_token={}", enc(&model.refresh[i].0))),
                None if rng.gen_bool(0.7) => segs.push(seg(
                    "refresh_token",
                    pick(rng, &["garbage", "~10k", "raw:%FF"]),
                )),
                None => {}
            }
            if rng.gen_bool(0.25) {
                segs.push(seg(
                    "scope",
                    pick(
                        rng,
                        &[
                            "openid",
                            "openid offline_access",
                            "openid email",
                            "offline_access",
                        ],
                    ),
                ));
            }
        }
        "client_credentials" => {
            let mgmt = format!("{base}/api/v1/");
            let target = *[
                mgmt.as_str(),
                mgmt.as_str(),
                mgmt.as_str(),
                mgmt.as_str(),
                mgmt.as_str(),
                mgmt.as_str(),
                ORDERS_API,
                "https://unknown.example/",
                "raw:https%3A%2F%2Fapi.orders.example%2F%00",
                "",
                "",
            ]
            .choose(rng)
            .unwrap();
            if !target.is_empty() {
                let name = if rng.gen_bool(0.8) {
                    "audience"
                } else {
                    "resource"
                };
                segs.push(seg(name, target));
            }
            if rng.gen_bool(0.4) {
                segs.push(seg(
                    "scope",
                    pick(
                        rng,
                        &[
                            "users:read",
                            "users:read apis:read",
                            "users:read bogus:perm",
                            "openid",
                        ],
                    ),
                ));
            }
        }
        _ => {}
    }

    // Client authentication.
    let good_secret = match known.map(|c| c.secret) {
        Some(Secret::Known(s)) => s,
        _ => "not-the-secret",
    };
    let id = if let Some(raw) = client_id.strip_prefix("raw:") {
        url::form_urlencoded::parse(format!("x={raw}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    } else {
        client_id.to_string()
    };
    let public = known.is_some_and(|c| !c.confidential());
    let mut authorization = None;
    let r: f64 = rng.gen();
    if r < 0.32 {
        if public {
            segs.push(format!("client_id={}", val(client_id)));
        } else {
            authorization = Some(basic(&id, good_secret));
        }
    } else if r < 0.55 {
        segs.push(format!("client_id={}", val(client_id)));
        if !public {
            segs.push(seg("client_secret", good_secret));
        }
    } else if r < 0.63 {
        authorization = Some(basic(&id, "wrong-secret"));
    } else if r < 0.71 {
        segs.push(format!("client_id={}", val(client_id)));
        segs.push(seg("client_secret", "wrong-secret"));
    } else if r < 0.77 {
        segs.push(format!("client_id={}", val(client_id)));
    } else if r < 0.82 {
        // No client authentication at all.
    } else if r < 0.87 {
        authorization = Some(basic(&id, good_secret));
        segs.push(seg("client_secret", good_secret));
    } else if r < 0.92 {
        authorization = Some(
            pick(
                rng,
                &[
                    "Basic !!!",
                    "Bearer abc",
                    "Basic",
                    "Basic bm8tY29sb24=",
                    "Basic /w==",
                    "Digest username=\"x\"",
                ],
            )
            .to_string(),
        );
    } else if r < 0.96 {
        authorization = Some(basic(&id, good_secret));
        segs.push(seg("client_id", "someone-else"));
    } else {
        authorization = Some(basic(&id, ""));
    }

    mutate(
        rng,
        &mut segs,
        &[
            "raw:foo=bar",
            "raw:x%FF=1",
            "raw:client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer",
            "raw:nonce=abc",
            "raw:bare",
            "raw:",
            "raw:%%%",
        ],
    );
    let mut body = segs.join("&").into_bytes();
    let r: f64 = rng.gen();
    let content_type = if r < 0.86 {
        Some(FORM.to_string())
    } else if r < 0.9 {
        Some(format!("{FORM}; charset=UTF-8"))
    } else if r < 0.94 {
        let form = Form::parse(&body);
        body = serde_json::to_vec(&form.map).unwrap();
        Some("application/json".to_string())
    } else if r < 0.96 {
        None
    } else if r < 0.98 {
        Some("text/plain".to_string())
    } else {
        Some("multipart/form-data; boundary=x".to_string())
    };
    let r: f64 = rng.gen();
    if r < 0.05 {
        body = pick(
            rng,
            &[
                &b"{\"grant_type\":\"client_credentials\"}"[..],
                &b"\xff\xfe\x00garbage=\xff"[..],
                &b"grant_type=client_credentials&\xff\xfe=1"[..],
                &b"%%%%&&=="[..],
                &b""[..],
                &b"\x00\x00"[..],
            ],
        )
        .to_vec();
    } else if r < 0.06 {
        body = vec![b'a'; BODY_LIMIT + 1024];
    } else if r < 0.08 {
        body.extend_from_slice(b"&note=\xc3\x28\xff");
    }
    TokenCase {
        content_type,
        authorization,
        body,
    }
}
