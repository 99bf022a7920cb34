//! Generated requests: a function's base arguments with noise the server
//! may ignore (unknown fields, control characters, long but allowed
//! strings) and, usually, one piece of damage that decides the answer (a
//! missing or mistyped argument, invalid UTF-8, an oversized body, the
//! wrong content type or method, an empty body). A repeated form key is
//! noise that decides too: serde_qs refuses it.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use reqwest::Method;
use serde_json::{json, Value};

use super::encode::{encode, form_escape, multipart, replace};
use super::functions::{Codec, Fun, Kind};

pub struct Case {
    pub method: Method,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// What was done to the request, for the failure report.
    pub damage: Vec<String>,
    /// The damage that decides the answer, if any.
    pub decisive: Option<Decisive>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decisive {
    /// A missing or mistyped argument, a body of the wrong encoding: 400.
    Undecodable,
    /// Invalid UTF-8, raw or behind escapes: 400.
    NotUtf8,
    TooLarge,
    UnsupportedType,
    WrongMethod,
}

const CONTROL: &[&str] = &[
    "\u{0}",
    "a\u{0}b",
    "a\u{1}b",
    "\u{1b}[31mred",
    "x\r\nX-Injected: 1",
    "\u{7f}",
    "\u{202e}gnp.exe",
    "\u{feff}bom",
    "🦀\u{0}",
];

const EXTRA_KEYS: &[&str] = &["unexpected", "__proto__", "id2", "a\u{0}b", "x[y][z]"];

/// Stands for a string the encoder writes raw (invalid UTF-8 and the like).
const MARK: &str = "@@MARK@@";

pub fn generate(rng: &mut StdRng, fun: &Fun) -> Case {
    let mut args = (fun.base)();
    let mut damage = Vec::new();
    add_noise(rng, &mut args, &mut damage);
    let must = fun.kind == Kind::Session;
    let choices = decisive_choices(fun, &args);
    let pick = (must || rng.gen_bool(0.7)).then(|| *choices.choose(rng).unwrap());
    let mut case = Case {
        method: Method::POST,
        content_type: Some(content_type(fun.codec).into()),
        body: Vec::new(),
        damage,
        decisive: None,
    };
    let mut marked: Option<Vec<u8>> = None;
    let mut empty = false;
    let mut codec = fun.codec;
    match pick {
        None => {}
        Some(Damage::Missing) => {
            let removable = required_keys(fun, &args);
            let n = rng.gen_range(1..=removable.len().min(2));
            for ptr in removable.choose_multiple(rng, n) {
                remove(&mut args, ptr);
                case.damage.push(format!("without {ptr}"));
            }
            case.decisive = Some(Decisive::Undecodable);
        }
        Some(Damage::WrongType) => {
            let leaves = leaves(&args);
            let ptr = leaves.choose(rng).unwrap().clone();
            let v = args.pointer_mut(&ptr).unwrap();
            *v = wrong_type(rng, v, fun.codec);
            case.damage.push(format!("{ptr} as {v}"));
            case.decisive = Some(Decisive::Undecodable);
        }
        Some(Damage::Huge) => {
            set_string(rng, &mut args, "z".repeat(1024 * 1024));
            case.damage.push("a 1 MiB string".into());
            case.decisive = Some(Decisive::TooLarge);
        }
        Some(Damage::RawUtf8) => {
            let bytes: &[u8] = [
                b"\xff".as_slice(),
                b"\xc3\x28",
                b"\xed\xa0\x80",
                b"a\xf0\x9f",
            ]
            .choose(rng)
            .unwrap();
            set_string(rng, &mut args, MARK.into());
            marked = Some(bytes.to_vec());
            case.damage.push(format!("raw bytes {bytes:?}"));
            case.decisive = Some(Decisive::NotUtf8);
        }
        Some(Damage::EscapedUtf8) => {
            let text = match fun.codec {
                Codec::Form => *["%FF", "%C3%28", "%ED%A0%80", "%F4%90%80%80", "a%C0%AF"]
                    .choose(rng)
                    .unwrap(),
                Codec::Json => *["\\udc00", "\\ud800x", "\\ud800\\u0041"]
                    .choose(rng)
                    .unwrap(),
            };
            // serde_json does not look inside the escapes of fields it
            // skips, so in JSON the escape goes into an argument.
            match (fun.codec, string_leaves(&args).choose(rng)) {
                (Codec::Json, Some(ptr)) => *args.pointer_mut(ptr).unwrap() = json!(MARK),
                _ => set_string(rng, &mut args, MARK.into()),
            }
            marked = Some(text.as_bytes().to_vec());
            case.damage.push(format!("escaped {text}"));
            case.decisive = Some(Decisive::NotUtf8);
        }
        Some(Damage::Empty) => {
            empty = true;
            case.damage.push("an empty body".into());
            case.decisive = Some(Decisive::Undecodable);
        }
        Some(Damage::Swapped) => {
            codec = match fun.codec {
                Codec::Form => Codec::Json,
                Codec::Json => Codec::Form,
            };
            case.content_type = Some(content_type(codec).into());
            case.damage.push(format!("sent as {codec:?}"));
            case.decisive = Some(Decisive::Undecodable);
        }
        Some(Damage::OtherType) => {
            let (ct, what) = *[
                (Some("text/plain"), "text/plain"),
                (Some("multipart/form-data; boundary=XYZ"), "multipart"),
                (Some("application/xml"), "XML"),
                (None, "no content type"),
            ]
            .choose(rng)
            .unwrap();
            case.content_type = ct.map(String::from);
            case.damage.push(format!("sent as {what}"));
            case.decisive = Some(Decisive::UnsupportedType);
        }
        Some(Damage::Method) => {
            case.method = [Method::GET, Method::PUT, Method::DELETE, Method::PATCH]
                .choose(rng)
                .unwrap()
                .clone();
            case.damage.push(format!("with {}", case.method));
            case.decisive = Some(Decisive::WrongMethod);
        }
    }
    let (body, repeated) = encode(rng, codec, &args, &mut case.damage);
    case.body = body;
    // serde_qs refuses a repeated key, known or not.
    if repeated && !empty && matches!(case.decisive, None | Some(Decisive::NotUtf8)) {
        case.decisive = Some(Decisive::Undecodable);
    }
    if let Some(raw) = marked {
        let mark = match codec {
            Codec::Form => form_escape(MARK).into_bytes(),
            Codec::Json => MARK.as_bytes().to_vec(),
        };
        case.body = replace(&case.body, &mark, &raw);
    }
    if case.content_type.as_deref() == Some("multipart/form-data; boundary=XYZ") {
        case.body = multipart(&args);
    }
    if empty {
        case.body.clear();
    }
    case
}

#[derive(Clone, Copy, Debug)]
enum Damage {
    Missing,
    WrongType,
    Huge,
    RawUtf8,
    EscapedUtf8,
    Empty,
    Swapped,
    OtherType,
    Method,
}

/// The damage that must decide the answer for this function: everything
/// applies everywhere except what needs arguments to break.
fn decisive_choices(fun: &Fun, args: &Value) -> Vec<Damage> {
    let mut all = vec![
        Damage::Huge,
        Damage::RawUtf8,
        Damage::EscapedUtf8,
        Damage::OtherType,
        Damage::Method,
    ];
    let needs_args = !required_keys(fun, args).is_empty();
    if needs_args {
        all.extend([Damage::Missing, Damage::Empty, Damage::Swapped]);
    } else if fun.codec == Codec::Json {
        all.push(Damage::Empty);
    }
    if !leaves(args).is_empty() {
        all.push(Damage::WrongType);
    }
    all
}

fn add_noise(rng: &mut StdRng, args: &mut Value, damage: &mut Vec<String>) {
    if rng.gen_bool(0.3) {
        let key = *EXTRA_KEYS.choose(rng).unwrap();
        let target = match args.get_mut("form") {
            Some(form) if rng.gen_bool(0.5) => form,
            _ => &mut *args,
        };
        target[key] = json!("extra");
        damage.push(format!("extra field {key:?}"));
    }
    if rng.gen_bool(0.35) {
        let value = *CONTROL.choose(rng).unwrap();
        if let Some(ptr) = string_leaves(args).choose(rng) {
            *args.pointer_mut(ptr).unwrap() = json!(value);
            damage.push(format!("{ptr} = {value:?}"));
        }
    }
    if rng.gen_bool(0.08) {
        if let Some(ptr) = string_leaves(args).choose(rng) {
            *args.pointer_mut(ptr).unwrap() = json!("y".repeat(100 * 1024));
            damage.push(format!("{ptr} = 100 KiB"));
        }
    }
}

/// Puts `s` into a random string argument, or into an extra field when
/// there is none (or by chance).
fn set_string(rng: &mut StdRng, args: &mut Value, s: String) {
    let leaves = string_leaves(args);
    match leaves.choose(rng) {
        Some(ptr) if rng.gen_bool(0.7) => *args.pointer_mut(ptr).unwrap() = json!(s),
        _ => args["filler"] = json!(s),
    }
}

fn wrong_type(rng: &mut StdRng, v: &Value, codec: Codec) -> Value {
    let form = codec == Codec::Form;
    let pool: Vec<Value> = match v {
        Value::String(_) if form => vec![json!({"x": "1"})],
        Value::String(_) => vec![json!(123), json!(true), json!({"x": 1}), json!(["a"])],
        Value::Bool(_) if form => vec![json!("maybe"), json!("2"), json!("truee")],
        Value::Bool(_) => vec![json!("true"), json!(1), json!({})],
        Value::Number(_) if form => vec![
            json!("1.5"),
            json!("abc"),
            json!("99999999999999999999"),
            json!("1e3"),
        ],
        Value::Number(_) => vec![json!("1"), json!(1.5), json!(true), json!(1e300)],
        Value::Array(_) if form => vec![json!({"0": {"x": "1"}})],
        Value::Array(_) => vec![json!("x"), json!(1), json!({"a": 1})],
        _ => vec![json!("x"), json!(1), json!([])],
    };
    pool.choose(rng).unwrap().clone()
}

/// JSON pointers to every object key, at any depth.
fn keys(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let ptr = format!("{at}/{k}");
                out.push(ptr.clone());
                keys(child, &ptr, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                keys(child, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Keys the function cannot do without: leaving one out must be refused.
fn required_keys(fun: &Fun, args: &Value) -> Vec<String> {
    let mut all = Vec::new();
    keys(args, "", &mut all);
    all.into_iter()
        .filter(|ptr| {
            let dotted: Vec<&str> = ptr
                .trim_start_matches('/')
                .split('/')
                .filter(|s| s.parse::<usize>().is_err())
                .collect();
            let dotted = dotted.join(".");
            !fun.is_optional(&dotted) && !is_noise(ptr)
        })
        .collect()
}

/// Fields the generator added, which the function does not know.
fn is_noise(ptr: &str) -> bool {
    ptr.split('/')
        .any(|seg| seg == "filler" || EXTRA_KEYS.contains(&seg))
}

/// JSON pointers to every argument value that is not an object.
fn leaves(args: &Value) -> Vec<String> {
    let mut all = Vec::new();
    keys(args, "", &mut all);
    all.into_iter()
        .filter(|p| !is_noise(p) && !args.pointer(p).unwrap().is_object())
        .collect()
}

fn string_leaves(args: &Value) -> Vec<String> {
    let mut all = Vec::new();
    keys(args, "", &mut all);
    // Strings inside arrays too.
    let mut out: Vec<String> = Vec::new();
    for p in all.into_iter().filter(|p| !is_noise(p)) {
        match args.pointer(&p).unwrap() {
            Value::String(_) => out.push(p),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if item.is_string() {
                        out.push(format!("{p}/{i}"));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn remove(args: &mut Value, ptr: &str) {
    let (parent, key) = ptr.rsplit_once('/').unwrap();
    if let Some(Value::Object(m)) = args.pointer_mut(parent) {
        m.remove(key);
    }
}

fn content_type(codec: Codec) -> &'static str {
    match codec {
        Codec::Form => "application/x-www-form-urlencoded",
        Codec::Json => "application/json",
    }
}
