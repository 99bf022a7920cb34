//! Bodies on the wire: serde_qs' form encoding (`a[b][0]=c`), JSON,
//! multipart, and splicing raw bytes into them.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::Value;

use super::functions::Codec;

/// The body, and whether a key was repeated.
pub fn encode(
    rng: &mut StdRng,
    codec: Codec,
    args: &Value,
    damage: &mut Vec<String>,
) -> (Vec<u8>, bool) {
    match codec {
        Codec::Json => (serde_json::to_vec(args).unwrap(), false),
        Codec::Form => {
            let mut segs = Vec::new();
            form_pairs("", args, &mut segs);
            let repeat = !segs.is_empty() && rng.gen_bool(0.1);
            if repeat {
                let dup = segs.choose(rng).unwrap().clone();
                damage.push(format!("repeated {}", super::short(&dup, 40)));
                segs.push(dup);
            }
            (segs.join("&").into_bytes(), repeat)
        }
    }
}

/// The body for `args` as the console's own client sends it.
#[allow(dead_code)]
pub fn plain(codec: Codec, args: &Value) -> Vec<u8> {
    match codec {
        Codec::Json => serde_json::to_vec(args).unwrap(),
        Codec::Form => {
            let mut segs = Vec::new();
            form_pairs("", args, &mut segs);
            segs.join("&").into_bytes()
        }
    }
}

/// serde_qs' encoding: `a[b][0]=c`.
fn form_pairs(prefix: &str, v: &Value, out: &mut Vec<String>) {
    let name = |k: &str| {
        if prefix.is_empty() {
            form_escape(k)
        } else {
            format!("{prefix}[{}]", form_escape(k))
        }
    };
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                form_pairs(&name(k), child, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                form_pairs(&name(&i.to_string()), child, out);
            }
        }
        Value::String(s) => out.push(format!("{prefix}={}", form_escape(s))),
        Value::Null => out.push(format!("{prefix}=")),
        other => out.push(format!("{prefix}={other}")),
    }
}

pub fn form_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub fn multipart(args: &Value) -> Vec<u8> {
    let mut body = String::new();
    if let Value::Object(m) = args {
        for (k, v) in m {
            let text = v
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| v.to_string());
            body.push_str(&format!(
                "--XYZ\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{text}\r\n"
            ));
        }
    }
    body.push_str("--XYZ--\r\n");
    body.into_bytes()
}

pub fn replace(hay: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    match hay.windows(needle.len()).position(|w| w == needle) {
        Some(i) => [&hay[..i], with, &hay[i + needle.len()..]].concat(),
        None => hay.to_vec(),
    }
}
