//! What the server should know after each token request: codes, refresh
//! tokens and their grants, and how to mint a fresh code.

use super::*;

pub(super) struct CodeInfo {
    pub(super) client: &'static str,
    pub(super) redirect_uri: String,
    pub(super) pkce: bool,
    pub(super) used: bool,
    pub(super) grant: usize,
}

pub(super) struct RefreshInfo {
    pub(super) client: &'static str,
    pub(super) used: bool,
    pub(super) grant: usize,
}

pub(super) struct GrantInfo {
    pub(super) client: &'static str,
    pub(super) revoked: bool,
    pub(super) scope: Vec<String>,
    pub(super) access_tokens: Vec<String>,
}

/// What the server should know: codes, refresh tokens and their grants.
#[derive(Default)]
pub(crate) struct Model {
    pub(super) codes: Vec<(String, CodeInfo)>,
    pub(super) refresh: Vec<(String, RefreshInfo)>,
    pub(super) grants: Vec<GrantInfo>,
}

/// A fresh authorization code for `client` (sample-app or orders-spa).
pub(crate) async fn mint(
    s: &Server,
    cookie: &str,
    c: &Client,
    pkce: bool,
    model: &mut Model,
) -> String {
    let redirect_uri = c.callbacks[0].clone();
    let mut url = format!(
        "{}/authorize?client_id={}&response_type=code&scope=openid%20offline_access&state=m&redirect_uri={}",
        s.base,
        c.id,
        enc(&redirect_uri)
    );
    if pkce {
        url.push_str(&format!(
            "&code_challenge={CHALLENGE}&code_challenge_method=S256"
        ));
    }
    let res = client()
        .get(&url)
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND, "minting a code: {url}");
    let loc = header(res.headers(), LOCATION);
    let code = query_pairs(loc.split_once('?').map(|x| x.1).unwrap_or(""))
        .remove("code")
        .unwrap_or_else(|| panic!("no code in {loc}"));
    model.grants.push(GrantInfo {
        client: c.id,
        revoked: false,
        scope: vec!["openid".into(), "offline_access".into()],
        access_tokens: vec![],
    });
    model.codes.push((
        code.clone(),
        CodeInfo {
            client: c.id,
            redirect_uri,
            pkce,
            used: false,
            grant: model.grants.len() - 1,
        },
    ));
    code
}
