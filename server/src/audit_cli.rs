//! `masquerade audit verify`: the console's "Verify integrity" for the
//! command line, so that a cron job or an auditor's script can check the
//! log without a browser. The exit status says the answer: 0 intact, 1
//! broken, 2 the database could not be read.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use masquerade::store::ChainCheck;
use masquerade::Store;

use crate::config::Config;

/// The checkpoints in a file of JSON Lines (`"type": "checkpoint"` lines;
/// the others are ignored): seq → hash.
fn checkpoints_in(path: &std::path::Path) -> Result<BTreeMap<i64, String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if let (Some("checkpoint"), Some(seq), Some(hash)) =
            (v["type"].as_str(), v["seq"].as_i64(), v["hash"].as_str())
        {
            out.insert(seq, hash.to_string());
        }
    }
    Ok(out)
}

pub async fn verify(cfg: &Config, external: Option<&std::path::Path>) -> ExitCode {
    if let Some(file) = cfg.sqlite_file() {
        // Opening would create an empty database, whose chain is intact.
        if !file.exists() {
            eprintln!("masquerade: no database at {}", file.display());
            return ExitCode::from(2);
        }
    }
    let store = match Store::open(&cfg.database_url).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("masquerade: cannot open the database: {e}");
            return ExitCode::from(2);
        }
    };
    let mut checkpoints = match external.map(checkpoints_in).transpose() {
        Ok(c) => c.unwrap_or_default(),
        Err(e) => {
            eprintln!("masquerade: {e}");
            return ExitCode::from(2);
        }
    };
    let from_file = checkpoints.len();
    match store.audit_checkpoints().await {
        // The file's copy is the one to trust when both have a seq.
        Ok(list) => {
            for c in list {
                checkpoints.entry(c.seq).or_insert(c.hash);
            }
        }
        Err(e) => {
            eprintln!("masquerade: cannot read the audit checkpoints: {e}");
            return ExitCode::from(2);
        }
    }
    if external.is_some() {
        eprintln!("{from_file} checkpoints read from the file");
    }
    let started = Instant::now();
    let mut shown = Instant::now();
    let mut printed = false;
    let checked = store
        .verify_audit_chain_against(&checkpoints, |done, total| {
            if shown.elapsed() >= Duration::from_millis(500) {
                shown = Instant::now();
                let pct = (done * 100).checked_div(total).unwrap_or(100);
                eprint!("\rverifying: {done} of {total} events ({pct}%)");
                let _ = std::io::stderr().flush();
                printed = true;
            }
        })
        .await;
    if printed {
        eprintln!();
    }
    match checked {
        Ok(check) => {
            println!(
                "{} ({:.1} s)",
                check.sentence(),
                started.elapsed().as_secs_f64()
            );
            match check {
                ChainCheck::Intact { .. } => ExitCode::SUCCESS,
                ChainCheck::BrokenAt { .. } => ExitCode::FAILURE,
            }
        }
        Err(e) => {
            eprintln!("masquerade: cannot read the audit log: {e}");
            ExitCode::from(2)
        }
    }
}
