//! The audit log's filters as they travel in a URL (the console page, its
//! export link and the REST API share these names), and what they mean.

use serde::{Deserialize, Serialize};

use crate::error::{CoreResult, Problems};
use crate::store::audit_query::AuditFilter;

/// Every field is a string as typed or linked; empty means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditParams {
    /// Who acted: a user id or `<client_id>@clients`.
    pub actor: String,
    /// What was acted on; for impersonation events, the impersonated user.
    pub target: String,
    /// An application's client id.
    pub app: String,
    /// An event type, or an area ending in `.` (`impersonation.`).
    pub action: String,
    /// success, denied or failure.
    pub outcome: String,
    /// 24h, 7d or 30d back from now; overrides `from` and `to`.
    pub range: String,
    /// First and last day (UTC, `YYYY-MM-DD`, both included).
    pub from: String,
    pub to: String,
    pub ip: String,
    /// Words in the reason or ticket.
    pub q: String,
    pub impersonation: String,
}

/// The presets of `range`, in seconds.
pub const RANGES: [(&str, i64); 3] = [("24h", 86_400), ("7d", 7 * 86_400), ("30d", 30 * 86_400)];

fn some(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

impl AuditParams {
    /// The filter these mean at `now`; a field error for each that cannot
    /// be read.
    pub fn filter(&self, now: i64) -> CoreResult<AuditFilter> {
        let mut p = Problems::default();
        let (mut from, mut to) = (None, None);
        match self.range.trim() {
            "" => {
                let day = |field: &str, s: &str, p: &mut Problems| match some(s) {
                    None => None,
                    Some(s) => {
                        let d = super::parse_day(&s);
                        if d.is_none() {
                            p.add(field, "A day is written YYYY-MM-DD.");
                        }
                        d
                    }
                };
                from = day("from", &self.from, &mut p);
                // The last day counts whole.
                to = day("to", &self.to, &mut p).map(|t| t + 86_400);
            }
            r => match RANGES.iter().find(|(name, _)| *name == r) {
                Some((_, secs)) => {
                    from = Some(now - secs);
                    to = Some(now + 1);
                }
                None => p.add("range", "The range is 24h, 7d or 30d."),
            },
        }
        let filter = AuditFilter {
            actor_id: some(&self.actor),
            target_id: some(&self.target),
            client_id: some(&self.app),
            impersonation_id: some(&self.impersonation),
            event_types: some(&self.action).into_iter().collect(),
            outcome: some(&self.outcome),
            from,
            to,
            ip: some(&self.ip),
            text: some(&self.q),
        };
        p.into_result()?;
        super::validate(&filter)?;
        Ok(filter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_days_and_blanks() {
        let now = 1_796_160_617;
        let f = AuditParams {
            range: "7d".into(),
            action: "impersonation.".into(),
            actor: "  ".into(),
            ..Default::default()
        }
        .filter(now)
        .unwrap();
        assert_eq!((f.from, f.to), (Some(now - 7 * 86_400), Some(now + 1)));
        assert_eq!(f.event_types, vec!["impersonation.".to_string()]);
        assert_eq!(f.actor_id, None, "blank is any");
        let f = AuditParams {
            from: "2026-12-01".into(),
            to: "2026-12-01".into(),
            ..Default::default()
        }
        .filter(now)
        .unwrap();
        assert_eq!(
            (f.from, f.to),
            (Some(1_796_083_200), Some(1_796_083_200 + 86_400))
        );
        let bad = AuditParams {
            from: "12/01/2026".into(),
            range: "".into(),
            outcome: "maybe".into(),
            ..Default::default()
        };
        let Err(crate::CoreError::Validation(errs)) = bad.filter(now) else {
            panic!()
        };
        assert_eq!(errs[0].field, "from");
        let Err(crate::CoreError::Validation(errs)) = AuditParams {
            range: "1y".into(),
            ..Default::default()
        }
        .filter(now) else {
            panic!()
        };
        assert_eq!(errs[0].field, "range");
    }
}
