use serde::{Deserialize, Serialize};

use crate::error::{CoreResult, Problems};
use crate::password::check_strength;
use crate::validate::{check_email, check_metadata, check_text, MAX_NAME_LEN, MAX_URL_LEN};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub picture: Option<String>,
    pub connection_id: String,
    pub connection_name: String,
    pub blocked: bool,
    pub has_password: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// Unix seconds of the last sign-in; 0 means never (kept non-null so that
    /// it can be a keyset sort column).
    pub last_login_at: i64,
    pub login_count: i64,
    pub app_metadata: serde_json::Value,
    pub user_metadata: serde_json::Value,
    /// Never impersonated (administrators never are, flag or not).
    #[serde(default)]
    pub protected: bool,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub connection_id: String,
    pub password: Option<String>,
    pub picture: Option<String>,
    pub app_metadata: Option<String>,
    pub user_metadata: Option<String>,
}

impl NewUser {
    /// Checks every field and returns all problems at once.
    pub fn validate(&self) -> CoreResult<(serde_json::Value, serde_json::Value)> {
        let mut p = Problems::default();
        check_email(&mut p, "email", &self.email);
        check_text(&mut p, "name", &self.name, false, MAX_NAME_LEN);
        p.check(
            !self.connection_id.trim().is_empty(),
            "connection",
            "Choose a connection.",
        );
        if let Some(pw) = &self.password {
            check_strength(&mut p, "password", pw);
        }
        if let Some(pic) = &self.picture {
            check_picture(&mut p, pic);
        }
        let app = check_metadata(
            &mut p,
            "app_metadata",
            self.app_metadata.as_deref().unwrap_or(""),
        );
        let user = check_metadata(
            &mut p,
            "user_metadata",
            self.user_metadata.as_deref().unwrap_or(""),
        );
        p.into_result()?;
        Ok((app.unwrap_or_default(), user.unwrap_or_default()))
    }
}

/// Fields an administrator may change on an existing user.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UserPatch {
    pub email: String,
    pub name: String,
    pub picture: String,
    pub app_metadata: String,
    pub user_metadata: String,
}

impl UserPatch {
    pub fn validate(&self) -> CoreResult<(serde_json::Value, serde_json::Value)> {
        let mut p = Problems::default();
        check_email(&mut p, "email", &self.email);
        check_text(&mut p, "name", &self.name, false, MAX_NAME_LEN);
        if !self.picture.trim().is_empty() {
            check_picture(&mut p, self.picture.trim());
        }
        let app = check_metadata(&mut p, "app_metadata", &self.app_metadata);
        let user = check_metadata(&mut p, "user_metadata", &self.user_metadata);
        p.into_result()?;
        Ok((app.unwrap_or_default(), user.unwrap_or_default()))
    }
}

fn check_picture(p: &mut Problems, pic: &str) {
    if pic.len() > MAX_URL_LEN
        || !(pic.starts_with("https://") || pic.starts_with("http://"))
        || url::Url::parse(pic).is_err()
    {
        p.add("picture", "The picture must be an absolute http(s) URL.");
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum UserSort {
    #[default]
    Email,
    Name,
    Created,
    LastLogin,
}

impl UserSort {
    pub fn parse(s: &str) -> Self {
        match s {
            "name" => UserSort::Name,
            "created" => UserSort::Created,
            "last_login" => UserSort::LastLogin,
            _ => UserSort::Email,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            UserSort::Email => "email",
            UserSort::Name => "name",
            UserSort::Created => "created",
            UserSort::LastLogin => "last_login",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UserQuery {
    /// Each word must start a word of the user's name or email (or the
    /// whole email, the domain, or the id).
    pub search: String,
    pub connection_id: Option<String>,
    pub blocked: Option<bool>,
    /// Only holders of this role (a role's Users tab).
    #[serde(default)]
    pub role_id: Option<String>,
    pub sort: UserSort,
    pub descending: bool,
    /// Opaque cursor from the previous page; `None` for the first page.
    pub after: Option<String>,
    pub limit: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserPage {
    pub users: Vec<User>,
    pub total: i64,
    /// The search matched more than `total` users; only this many were counted.
    pub total_capped: bool,
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_user_reports_every_problem() {
        let u = NewUser {
            email: "nope".into(),
            name: "x".repeat(300),
            connection_id: "".into(),
            password: Some("short".into()),
            app_metadata: Some("[]".into()),
            ..Default::default()
        };
        let crate::error::CoreError::Validation(errs) = u.validate().unwrap_err() else {
            panic!("expected validation error");
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["email", "name", "connection", "password", "app_metadata"]
        );
    }

    #[test]
    fn sort_parsing_defaults_to_email() {
        assert_eq!(UserSort::parse("name"), UserSort::Name);
        assert_eq!(UserSort::parse("bogus"), UserSort::Email);
    }
}
