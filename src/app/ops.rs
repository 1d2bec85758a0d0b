//! The owner's commands (create-user, backup, check, sizes, ...), implemented once against the services.
//!
//! The CLI runs them directly when no server holds the database, and through the control
//! socket when one does; either way the same code runs and prints the same result.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::app::check;
use crate::app::services::Services;
use crate::audit::Actor;
use crate::auth::NewUser;
use crate::types::{Msisdn, Role};

/// A command the control socket accepts.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Request {
    Ping,
    CreateUser {
        role: Role,
        phone: String,
        name: String,
        email: Option<String>,
        password: String,
    },
    /// A backup written by this process (no server running).
    Backup {
        dest: PathBuf,
    },
    /// A backup sent back over the control socket, for the caller to write.
    BackupStream,
    Check,
    /// Where the database file's bytes go, per table and per order.
    Sizes,
    ImportCatalog {
        csv: String,
    },
    Reindex,
    /// Everything past its retention deleted now, as the nightly job does.
    Prune,
    Match {
        phrase: String,
        retailer_id: Option<u64>,
    },
    Preview {
        text: String,
        retailer_id: Option<u64>,
    },
    /// Forget failed logins (of one phone, or everyone's): the owner's way back in when an
    /// attacker has run a login limit up.
    ResetLogins {
        phone: Option<String>,
    },
    /// Write a day's Parquet export into a directory.
    Export {
        day: chrono::NaiveDate,
        out: PathBuf,
    },
    /// Build the analytics facts of a range of days again.
    AnalyticsRebuild {
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    },
}

/// A request as it may be logged: `create_user`'s password never shows.
impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Request::CreateUser {
                role,
                phone,
                name,
                email,
                ..
            } => f
                .debug_struct("CreateUser")
                .field("role", role)
                .field("phone", phone)
                .field("name", name)
                .field("email", email)
                .field("password", &"[redacted]")
                .finish(),
            other => {
                f.write_str(&serde_json::to_string(other).unwrap_or_else(|_| "request".into()))
            }
        }
    }
}

/// Runs a command against open services and returns its printable result.
pub async fn run(svc: &Services, req: Request) -> Result<Value, String> {
    match req {
        Request::Ping => Ok(json!({"pong": true})),
        Request::CreateUser {
            role,
            phone,
            name,
            email,
            password,
        } => create_user(svc, role, &phone, name, email, password).await,
        Request::Backup { dest } => backup(svc, &dest).await,
        Request::BackupStream => Err("the backup stream is sent by the control socket".into()),
        Request::Check => check_live(svc).await,
        Request::Sizes => sizes(svc).await,
        Request::ImportCatalog { csv } => import_catalog(svc, &csv).await,
        Request::Prune => {
            let keep = crate::retention::Retention::from_config(&svc.config().retention);
            let (w, r) = crate::retention::nightly(svc.store(), keep, svc.clock().now()).await;
            Ok(json!({
                "ok": w.skipped == 0 && r.failed == 0,
                "removed": w.done,
                "batches_failed": w.skipped,
                "repacked": r.rows,
                "repacks_failed": r.failed,
            }))
        }
        Request::Reindex => {
            let products = svc.catalog().reindex().await.map_err(|e| e.to_string())?;
            Ok(json!({"reindexed_products": products}))
        }
        Request::Match {
            phrase,
            retailer_id,
        } => {
            let decision = svc
                .match_phrase(&phrase, retailer_id)
                .await
                .map_err(|e| e.to_string())?;
            serde_json::to_value(decision).map_err(|e| e.to_string())
        }
        Request::Preview { text, retailer_id } => preview(svc, text, retailer_id).await,
        Request::Export { day, out } => {
            let done = svc
                .analytics()
                .export(day, Some(out))
                .await
                .map_err(|e| e.to_string())?;
            serde_json::to_value(done).map_err(|e| e.to_string())
        }
        Request::AnalyticsRebuild { from, to } => {
            let started = std::time::Instant::now();
            let built = svc
                .analytics()
                .rebuild(from, to)
                .await
                .map_err(|e| e.to_string())?;
            Ok(json!({"built": built, "seconds": started.elapsed().as_secs_f64()}))
        }
        Request::ResetLogins { phone } => {
            let phone = phone
                .as_deref()
                .map(Msisdn::parse)
                .transpose()
                .map_err(|e| format!("--phone: {e}"))?;
            svc.auth().reset_login_limits(phone.as_ref());
            Ok(json!({"reset": phone.map_or("every phone and address".into(), |p| p.to_string())}))
        }
    }
}

/// The owner's preview: for the given shop, or the first one.
async fn preview(svc: &Services, text: String, retailer_id: Option<u64>) -> Result<Value, String> {
    let id = match retailer_id {
        Some(id) => id,
        None => svc
            .store()
            .read(crate::retailers::store::first_id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("there is no retailer yet: create one first")?,
    };
    let owner = crate::auth::Principal::owner();
    let p = svc
        .preview(&owner, id, text)
        .await
        .map_err(|e| e.to_string())?;
    serde_json::to_value(p).map_err(|e| e.to_string())
}

async fn create_user(
    svc: &Services,
    role: Role,
    phone: &str,
    name: String,
    email: Option<String>,
    password: String,
) -> Result<Value, String> {
    let phone = Msisdn::parse(phone)?;
    let new = NewUser {
        phone,
        name,
        email,
        role,
        password,
        must_change_password: false,
    };
    let user = svc
        .auth()
        .create_user(&Actor::Cli, new)
        .await
        .map_err(|e| e.to_string())?;
    Ok(json!({
        "id": user.id,
        "phone": user.phone,
        "name": user.name,
        "role": user.role,
        "linked": user.party.is_some(),
    }))
}

async fn backup(svc: &Services, dest: &Path) -> Result<Value, String> {
    let report = svc
        .store()
        .snapshot_to(dest.to_path_buf())
        .await
        .map_err(|e| format!("backup to {}: {e}", dest.display()))?;
    serde_json::to_value(report).map_err(|e| e.to_string())
}

/// Checks the live database: a snapshot is written next to it and checked on its own, so the
/// server keeps serving and the check sees one consistent moment.
async fn check_live(svc: &Services) -> Result<Value, String> {
    let tmp = svc
        .config()
        .data_dir
        .join(format!(".check-{}.redb", std::process::id()));
    svc.store()
        .snapshot_to(tmp.clone())
        .await
        .map_err(|e| format!("snapshot for check: {e}"))?;
    let result = tokio::task::spawn_blocking({
        let tmp = tmp.clone();
        move || check::check_file(&tmp)
    })
    .await
    .map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&tmp);
    let mut report = result?.map_err(|e| e.to_string())?;
    report.file = svc.store().path().display().to_string();
    serde_json::to_value(report).map_err(|e| e.to_string())
}

/// Where the served file's bytes go, measured by the server that holds it.
async fn sizes(svc: &Services) -> Result<Value, String> {
    let sizes = svc.store().sizes().await.map_err(|e| e.to_string())?;
    serde_json::to_value(sizes).map_err(|e| e.to_string())
}

/// Validates every row; reports all bad rows (line, column, reason) and writes nothing, or
/// imports them all in one transaction.
async fn import_catalog(svc: &Services, csv: &str) -> Result<Value, String> {
    match crate::catalog::import::parse(csv) {
        Ok(rows) => {
            let (created, updated) = svc
                .catalog()
                .import(Actor::Cli, rows)
                .await
                .map_err(|e| e.to_string())?;
            Ok(json!({"ok": true, "created": created, "updated": updated}))
        }
        Err(errors) => Ok(json!({"ok": false, "errors": errors, "written": 0})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_create_user_request_never_shows_its_password_in_debug() {
        let req = Request::CreateUser {
            role: Role::Admin,
            phone: "+9779800000001".into(),
            name: "Owner".into(),
            email: None,
            password: "hunter2 hunter2".into(),
        };
        let shown = format!("{req:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("[redacted]"),
            "{shown}"
        );
        assert!(format!("{:?}", Request::Reindex).contains("reindex"));
    }
}
