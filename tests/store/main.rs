//! Store tests, each run against SQLite and against PostgreSQL.

use masquerade::auth::{sign_in, BAD_CREDENTIALS};
use masquerade::bootstrap::{ensure_admin, ensure_defaults};
use masquerade::domain::{ApplicationInput, NewUser, UserPatch};
use masquerade::password::hash_password;
use masquerade::store::sessions::SessionPolicy;
use masquerade::store::{AuditContext, ChainCheck, ThrottlePolicy};
use masquerade::testing::{fresh_pg_url, fresh_sqlite_url};
use masquerade::{CoreError, Store};

const NOW: i64 = 1_800_000_000;

mod applications;
mod audit;
mod bootstrap;
mod impersonation_batches;
mod roles;
mod sign_in;
mod users;
mod users_search;

/// `module::test` runs as `sqlite::test` and `postgres::test`.
macro_rules! both_backends {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (url, _dir) = super::fresh_sqlite_url();
                let store = super::Store::open(&url).await.expect("open sqlite");
                super::$module::$name(store).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let url = super::fresh_pg_url().await;
                let store = super::Store::open(&url).await.expect("open postgres");
                super::$module::$name(store).await;
            })*
        }
    };
}

both_backends!(
    users::users_crud_and_case_insensitive_uniqueness,
    users_search::search_sort_filter_and_keyset_pagination,
    applications::applications_secrets_and_validation,
    applications::connections_and_enablement,
    sign_in::sessions_expire_and_end_on_block,
    sign_in::sign_in_throttles_per_account,
    audit::audit_chain_detects_tampering,
    audit::audit_columns_filters_and_pages,
    audit::retention_and_checkpoints,
    bootstrap::bootstrap_is_idempotent,
    impersonation_batches::batched_writes_commit_together_and_survive_a_failing_neighbour,
    impersonation_batches::batched_claims_and_token_records_decide_each_link_alone,
    roles::roles_permissions_and_members,
    roles::members_of_small_and_large_roles,
    roles::concurrent_membership_changes,
    roles::the_last_administrator_stays,
    roles::client_grants,
);

fn ctx() -> AuditContext {
    AuditContext {
        actor_id: Some("usr_test".into()),
        ip: "127.0.0.1".into(),
        user_agent: "tests".into(),
        grantable: masquerade::authz::PermSet::all(),
    }
}

async fn default_conn(store: &Store) -> String {
    ensure_defaults(store, NOW).await.expect("defaults")
}

fn new_user(email: &str, conn: &str) -> NewUser {
    NewUser {
        email: email.into(),
        name: "Test User".into(),
        connection_id: conn.into(),
        ..Default::default()
    }
}
