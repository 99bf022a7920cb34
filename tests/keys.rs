//! Key ring tests on SQLite and PostgreSQL: publication before use, rotation,
//! retirement, several instances on one database.

use masquerade::keys::{Alg, JwtError, KeyRing, MasterKey};
use masquerade::testing::{fresh_pg_url, fresh_sqlite_url};
use masquerade::Store;
use serde_json::{json, Value};

const NOW: i64 = 1_800_000_000;

async fn rotation_lifecycle(url: &str) {
    let store = Store::open(url).await.unwrap();
    let secret = MasterKey::generate();
    let ring = KeyRing::open(store.clone(), MasterKey::parse(&secret).unwrap(), NOW)
        .await
        .unwrap();
    let jwks: Value = serde_json::from_str(&ring.jwks_json()).unwrap();
    assert_eq!(
        jwks["keys"].as_array().unwrap().len(),
        6,
        "current and next for each of three algorithms"
    );
    assert!(
        jwks.to_string().find("\"d\"").is_none(),
        "no private material in the JWKS"
    );

    let claims = json!({"sub": "u1", "exp": NOW + 600});
    let old = ring.sign(Alg::ES256, "at+jwt", &claims).unwrap();
    let next_kid = ring
        .summaries()
        .into_iter()
        .find(|k| k.alg == "ES256" && k.state == "next")
        .unwrap()
        .kid;

    // A second instance on the same database adds no keys.
    let ring2 = KeyRing::open(store.clone(), MasterKey::parse(&secret).unwrap(), NOW)
        .await
        .unwrap();
    assert_eq!(ring2.summaries().len(), 6);
    let v: Value = ring2.verify(&old, Some("at+jwt"), NOW).await.unwrap();
    assert_eq!(v["sub"], "u1");

    let ctx = masquerade::store::AuditContext {
        actor_id: Some("usr_admin".into()),
        ..Default::default()
    };
    let current_kid = ring
        .summaries()
        .into_iter()
        .find(|k| k.alg == "ES256" && k.state == "current")
        .unwrap()
        .kid;
    ring.rotate(&ctx, Alg::ES256, 3600, NOW + 10).await.unwrap();
    let event = store
        .audit_recent(1)
        .await
        .unwrap()
        .pop()
        .expect("rotation is audited");
    assert_eq!(event.event_type, "signing_keys.rotated");
    assert_eq!(event.actor_id.as_deref(), Some("usr_admin"));
    let data: Value = serde_json::from_str(&event.data).unwrap();
    assert_eq!(data["alg"], "ES256");
    assert_eq!(data["current"], json!(next_kid));
    assert_eq!(data["previous"], json!(current_kid));
    let previous = ring
        .summaries()
        .into_iter()
        .find(|k| k.kid == current_kid)
        .unwrap();
    assert_eq!(previous.state, "previous");
    assert_eq!(previous.deactivated_at, NOW + 10);
    let new = ring.sign(Alg::ES256, "at+jwt", &claims).unwrap();
    let new_kid = jsonwebtoken::decode_header(&new).unwrap().kid.unwrap();
    assert_eq!(
        new_kid, next_kid,
        "the key published as next is the one that signs after rotation"
    );
    assert!(
        ring.verify::<Value>(&old, Some("at+jwt"), NOW + 20)
            .await
            .is_ok(),
        "previous key still verifies"
    );
    assert_eq!(ring.summaries().len(), 7);

    // The other instance learns of the rotation on refresh.
    ring2.refresh(NOW + 20).await.unwrap();
    assert!(ring2
        .verify::<Value>(&new, Some("at+jwt"), NOW + 20)
        .await
        .is_ok());

    assert_eq!(
        ring.retire_expired(3600, NOW + 100).await.unwrap(),
        0,
        "not before the longest lifetime"
    );
    assert_eq!(ring.retire_expired(3600, NOW + 3700).await.unwrap(), 1);
    let retired = store.retired_keys(10).await.unwrap();
    assert_eq!(retired.len(), 1);
    assert_eq!(retired[0].kid, current_kid);
    assert_eq!(retired[0].retired_at, NOW + 3700);
    assert_eq!(
        ring.verify::<Value>(&old, None, NOW + 3700)
            .await
            .unwrap_err(),
        JwtError::UnknownKey
    );

    let wrong = KeyRing::open(
        store,
        MasterKey::parse(&MasterKey::generate()).unwrap(),
        NOW,
    )
    .await;
    assert!(wrong.is_err(), "a wrong master key is refused at start-up");
}

#[tokio::test]
async fn sqlite_rotation_lifecycle() {
    let (url, _dir) = fresh_sqlite_url();
    rotation_lifecycle(&url).await;
}

#[tokio::test]
async fn postgres_rotation_lifecycle() {
    rotation_lifecycle(&fresh_pg_url().await).await;
}
