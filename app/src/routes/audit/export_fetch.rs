//! The export's transfer, in the browser only: fetch `/audit/export` with
//! the console's session cookie (same origin), read the body as it streams,
//! count the rows as they arrive, and hand the bytes over as a download.

use js_sys::{Array, Reflect, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Blob, BlobPropertyBag, HtmlAnchorElement, ReadableStreamDefaultReader,
    RequestCache, RequestCredentials, RequestInit, Response, Url,
};

use super::export::ExportRun;
use super::progress::RowCounter;

const LOST: &str = "The export stopped: the connection to the server was lost. Try again.";

/// What a refusal means, in words (the server's own text only when it
/// explains the filters).
async fn refusal(res: &Response) -> String {
    match res.status() {
        401 => "Your session has ended. Sign in again, then export.".into(),
        403 => "You need the audit:read permission to export the audit log.".into(),
        400 => {
            let said = match res.text() {
                Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()),
                Err(_) => None,
            };
            match said.filter(|t| !t.is_empty() && t.len() <= 500) {
                Some(t) => format!("The export cannot use these filters: {t}"),
                None => "The export cannot use these filters.".into(),
            }
        }
        _ => "The export could not start. Try again.".into(),
    }
}

/// `masquerade-audit-….csv` from `attachment; filename="…"`.
fn file_name(res: &Response, csv: bool) -> String {
    let fallback = if csv {
        "masquerade-audit.csv"
    } else {
        "masquerade-audit.jsonl"
    };
    res.headers()
        .get("content-disposition")
        .ok()
        .flatten()
        .and_then(|v| {
            let (_, rest) = v.split_once("filename=\"")?;
            let (name, _) = rest.split_once('"')?;
            // Only a plain name: no path, nothing odd.
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                .then(|| name.to_string())
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| fallback.into())
}

pub async fn download(
    href: &str,
    csv: bool,
    label: &'static str,
    signal: &AbortSignal,
    run: RwSignal<ExportRun>,
) -> Result<(u64, String), String> {
    let window = web_sys::window().ok_or(LOST)?;
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_credentials(RequestCredentials::SameOrigin);
    init.set_cache(RequestCache::NoStore);
    init.set_signal(Some(signal));
    let res: Response = JsFuture::from(window.fetch_with_str_and_init(href, &init))
        .await
        .map_err(|_| "The server could not be reached. Check the connection and try again.")?
        .dyn_into()
        .map_err(|_| LOST)?;
    if !res.ok() {
        return Err(refusal(&res).await);
    }
    let total = res
        .headers()
        .get("x-total-rows")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    let file = file_name(&res, csv);
    let content_type = res
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
    let reader: ReadableStreamDefaultReader = res
        .body()
        .ok_or(LOST)?
        .get_reader()
        .dyn_into()
        .map_err(|_| LOST)?;
    let started = js_sys::Date::now();
    let chunks = Array::new();
    let mut counter = RowCounter::new(csv);
    run.set(ExportRun::Running {
        label,
        rows: 0,
        total,
        elapsed_ms: 0.0,
    });
    loop {
        let next = JsFuture::from(reader.read()).await.map_err(|_| LOST)?;
        // Cancelled: stop reading, whatever is still on its way.
        if signal.aborted() {
            let _ = reader.cancel();
            return Err(LOST.into());
        }
        if Reflect::get(&next, &JsValue::from_str("done"))
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true)
        {
            break;
        }
        let chunk: Uint8Array = Reflect::get(&next, &JsValue::from_str("value"))
            .map_err(|_| LOST)?
            .dyn_into()
            .map_err(|_| LOST)?;
        counter.feed(&chunk.to_vec());
        chunks.push(&chunk);
        run.set(ExportRun::Running {
            label,
            rows: counter.rows(),
            total,
            elapsed_ms: js_sys::Date::now() - started,
        });
    }
    // The server ends the body early when it fails half-way.
    if total.is_some_and(|t| counter.rows() < t) {
        return Err(LOST.into());
    }
    save(&chunks, &content_type, &file)?;
    Ok((counter.rows(), file))
}

/// Hands the bytes over as a download named `file`.
fn save(chunks: &Array, content_type: &str, file: &str) -> Result<(), String> {
    let failed = || "The file could not be saved. Try again.".to_string();
    let props = BlobPropertyBag::new();
    props.set_type(content_type);
    let blob =
        Blob::new_with_u8_array_sequence_and_options(chunks, &props).map_err(|_| failed())?;
    let url = Url::create_object_url_with_blob(&blob).map_err(|_| failed())?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(failed)?;
    let a: HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| failed())?
        .dyn_into()
        .map_err(|_| failed())?;
    a.set_href(&url);
    a.set_download(file);
    a.set_hidden(true);
    let body = document.body().ok_or_else(failed)?;
    body.append_child(&a).map_err(|_| failed())?;
    a.click();
    a.remove();
    // Give the browser time to start reading it before it goes.
    set_timeout(
        move || {
            let _ = Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(60),
    );
    Ok(())
}
