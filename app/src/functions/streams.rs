//! Settings → Log streams from the console: audit retention and the log
//! streams (saved whole), where each stream stands, resume, and the test
//! event. Each function checks permission through the core and maps its
//! answer; bad input is a 422 with the field named (`streams[0].url`).

use leptos::prelude::*;

use crate::dto::streams::{
    AuditStreamSettingsDto, AuditStreamStatusesDto, AuditStreamsView, StreamTestResult,
};
use crate::error::AppError;

#[cfg(feature = "ssr")]
mod map {
    use crate::dto::streams::{
        AuditStreamDto, AuditStreamSettingsDto, AuditStreamStatusDto, AuditStreamStatusesDto,
        KIND_FILE, KIND_WEBHOOK,
    };
    use masquerade::audit::streams::{AuditSettings, Stream, StreamStatus, Target};
    use masquerade::FieldError;

    pub fn settings_dto(s: AuditSettings) -> AuditStreamSettingsDto {
        AuditStreamSettingsDto {
            retention_days: s.retention_days,
            streams: s
                .streams
                .into_iter()
                .map(|st| {
                    let (kind, file, url, secret_set) = match st.target {
                        Target::File { file } => (KIND_FILE, file, String::new(), false),
                        // The core hands secrets back blank; a webhook
                        // always has one (it is refused without).
                        Target::Webhook { url, .. } => (KIND_WEBHOOK, String::new(), url, true),
                    };
                    AuditStreamDto {
                        id: st.id,
                        name: st.name,
                        kind: kind.into(),
                        file,
                        url,
                        secret: String::new(),
                        secret_set,
                        enabled: st.enabled,
                        pause_after_minutes: st.pause_after_minutes,
                    }
                })
                .collect(),
        }
    }

    /// The core's settings, or the fields whose kind is neither.
    pub fn settings(d: AuditStreamSettingsDto) -> Result<AuditSettings, Vec<FieldError>> {
        let mut problems = Vec::new();
        let streams = d
            .streams
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let target = match s.kind.as_str() {
                    KIND_WEBHOOK => Target::Webhook {
                        url: s.url.trim().to_string(),
                        secret: s.secret,
                    },
                    KIND_FILE => Target::File {
                        file: s.file.trim().to_string(),
                    },
                    _ => {
                        problems.push(FieldError::new(
                            format!("streams[{i}].kind"),
                            "Choose a JSON Lines file or an HTTPS webhook.",
                        ));
                        Target::File {
                            file: String::new(),
                        }
                    }
                };
                Stream {
                    id: s.id,
                    name: s.name,
                    target,
                    enabled: s.enabled,
                    pause_after_minutes: s.pause_after_minutes,
                }
            })
            .collect();
        if problems.is_empty() {
            Ok(AuditSettings {
                retention_days: d.retention_days,
                streams,
            })
        } else {
            Err(problems)
        }
    }

    pub fn statuses_dto(list: Vec<StreamStatus>, now: i64) -> AuditStreamStatusesDto {
        AuditStreamStatusesDto {
            now,
            statuses: list
                .into_iter()
                .map(|s| AuditStreamStatusDto {
                    id: s.id,
                    delivered_seq: s.delivered_seq,
                    delivered_at: s.delivered_at,
                    lag: s.lag,
                    last_error: s.last_error,
                    failing_since: s.failing_since,
                    paused: s.paused,
                })
                .collect(),
        }
    }
}

/// The form has "Keep every event" for 0; its number of days is 1 to 3650.
#[cfg(feature = "ssr")]
fn in_form_words(mut errs: Vec<masquerade::FieldError>) -> Vec<masquerade::FieldError> {
    for e in &mut errs {
        if e.field == "retention_days" {
            e.message =
                "Enter a whole number of days from 1 to 3650, or choose Keep every event.".into();
        }
    }
    errs
}

#[cfg(feature = "ssr")]
async fn view_of(
    svc: &masquerade::Services,
    principal: &masquerade::authz::Principal,
    settings: masquerade::audit::streams::AuditSettings,
) -> Result<AuditStreamsView, AppError> {
    use super::ctx::fail;
    let now = masquerade::unix_now();
    let statuses = masquerade::audit::streams::statuses(svc, principal)
        .await
        .map_err(fail)?;
    Ok(AuditStreamsView {
        settings: map::settings_dto(settings),
        status: map::statuses_dto(statuses, now),
        file_streams: svc.config.audit_stream_dir.is_some(),
    })
}

/// Retention, the streams (webhook secrets blank: they are write-only) and
/// where each stands; needs `settings:read`.
#[server(endpoint = "audit_stream_settings")]
pub async fn audit_stream_settings() -> Result<AuditStreamsView, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::SettingsRead).await?;
    let svc = &admin.state.services;
    let s = masquerade::audit::streams::get(svc, &admin.principal)
        .await
        .map_err(fail)?;
    view_of(svc, &admin.principal, s).await
}

/// Where each stream stands, for the page to poll; needs `settings:read`.
#[server(endpoint = "audit_stream_statuses")]
pub async fn audit_stream_statuses() -> Result<AuditStreamStatusesDto, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::SettingsRead).await?;
    let list = masquerade::audit::streams::statuses(&admin.state.services, &admin.principal)
        .await
        .map_err(fail)?;
    Ok(map::statuses_dto(list, masquerade::unix_now()))
}

/// Saves retention and every stream at once; needs `settings:write`. A
/// stream without an id is new; one left out is removed; a webhook sent
/// with its secret blank keeps the one it has.
#[server(input = leptos::server_fn::codec::Json, endpoint = "save_audit_stream_settings")]
pub async fn save_audit_stream_settings(
    settings: AuditStreamSettingsDto,
) -> Result<AuditStreamsView, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    use masquerade::CoreError;
    let admin = require(Permission::SettingsWrite).await?;
    let svc = &admin.state.services;
    let next = map::settings(settings).map_err(|errs| fail(CoreError::Validation(errs)))?;
    let saved = masquerade::audit::streams::save(
        svc,
        &admin.principal,
        &admin.audit,
        next,
        masquerade::unix_now(),
    )
    .await;
    let saved = match saved {
        Err(CoreError::Validation(errs)) => {
            return Err(fail(CoreError::Validation(in_form_words(errs))))
        }
        other => other.map_err(fail)?,
    };
    view_of(svc, &admin.principal, saved).await
}

/// "Send test event": one record of type `test` to the stream now, and how
/// it went; needs `settings:write`.
#[server(endpoint = "send_test_stream_record")]
pub async fn send_test_stream_record(id: String) -> Result<StreamTestResult, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::SettingsWrite).await?;
    let svc = &admin.state.services;
    // The same delivery as the background worker's and REST's.
    let sent =
        masquerade::audit::delivery::send_test(svc, &admin.principal, &id, masquerade::unix_now())
            .await
            .map_err(fail)?;
    Ok(match sent {
        Ok(()) => StreamTestResult {
            delivered: true,
            error: String::new(),
        },
        Err(error) => StreamTestResult {
            delivered: false,
            error,
        },
    })
}

/// Unpauses a stream: it is tried again at once, from where it stopped.
/// Needs `settings:write`; answers the fresh statuses.
#[server(endpoint = "resume_audit_stream")]
pub async fn resume_audit_stream(id: String) -> Result<AuditStreamStatusesDto, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::SettingsWrite).await?;
    let svc = &admin.state.services;
    masquerade::audit::streams::resume(svc, &admin.principal, &id)
        .await
        .map_err(fail)?;
    let list = masquerade::audit::streams::statuses(svc, &admin.principal)
        .await
        .map_err(fail)?;
    Ok(map::statuses_dto(list, masquerade::unix_now()))
}
