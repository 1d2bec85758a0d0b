//! The control socket: how commands run while the server holds the database.
//!
//! A Unix socket in the data directory (mode 0600, so only the service's user can use it)
//! takes one JSON request line and answers one JSON line. redb lets one process hold the file,
//! so `create-user`, `backup` and `check` ask the running server to do the work.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use crate::ops::{self, Request};
use crate::services::Services;

pub const SOCKET_FILE: &str = "khaacho.sock";
/// Largest request line (a catalog import travels inside one).
const MAX_REQUEST: u64 = 64 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
pub struct Response {
    pub ok: bool,
    #[serde(default)]
    pub result: Value,
    #[serde(default)]
    pub error: Option<String>,
}

pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET_FILE)
}

/// Binds the socket, replacing a stale file left by a server that died.
pub fn bind(data_dir: &Path) -> std::io::Result<UnixListener> {
    use std::os::unix::fs::PermissionsExt;
    let path = socket_path(data_dir);
    if path.exists() {
        // We hold the database lock, so no live server owns this file.
        std::fs::remove_file(&path)?;
    }
    let listener = UnixListener::bind(&path)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// Answers requests until the listener is dropped (the server's task is aborted on shutdown).
pub async fn serve(listener: UnixListener, svc: Arc<Services>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "control socket accept failed");
                continue;
            }
        };
        let svc = svc.clone();
        tokio::spawn(async move {
            if let Err(e) = handle(stream, &svc).await {
                tracing::warn!(error = %e, "control socket connection failed");
            }
        });
    }
}

async fn handle(stream: UnixStream, svc: &Services) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read.take(MAX_REQUEST))
        .read_line(&mut line)
        .await?;
    let response = match serde_json::from_str::<Request>(&line) {
        Ok(req) => {
            tracing::info!(command = command_name(&req), "control command");
            match ops::run(svc, req).await {
                Ok(result) => Response {
                    ok: true,
                    result,
                    error: None,
                },
                Err(e) => Response {
                    ok: false,
                    result: Value::Null,
                    error: Some(e),
                },
            }
        }
        Err(e) => Response {
            ok: false,
            result: Value::Null,
            error: Some(format!("bad request: {e}")),
        },
    };
    let mut out = serde_json::to_vec(&response).unwrap_or_else(|_| b"{\"ok\":false}".to_vec());
    out.push(b'\n');
    write.write_all(&out).await?;
    write.shutdown().await
}

fn command_name(req: &Request) -> &'static str {
    match req {
        Request::Ping => "ping",
        Request::CreateUser { .. } => "create_user",
        Request::Backup { .. } => "backup",
        Request::Check => "check",
        Request::ImportCatalog { .. } => "import_catalog",
        Request::Reindex => "reindex",
        Request::Match { .. } => "match",
        Request::Preview { .. } => "preview",
        Request::ResetLogins { .. } => "reset_logins",
    }
}

/// Sends a request to the server running on `data_dir`. `Ok(None)`: no server is listening.
pub async fn call(data_dir: &Path, req: &Request) -> Result<Option<Response>, String> {
    let path = socket_path(data_dir);
    let stream = match UnixStream::connect(&path).await {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Ok(None);
        }
        Err(e) => {
            return Err(format!(
                "cannot reach the server at {}: {e}",
                path.display()
            ));
        }
    };
    let (read, mut write) = stream.into_split();
    let mut line = serde_json::to_vec(req).map_err(|e| e.to_string())?;
    line.push(b'\n');
    write.write_all(&line).await.map_err(|e| e.to_string())?;
    let mut answer = String::new();
    BufReader::new(read)
        .read_line(&mut answer)
        .await
        .map_err(|e| format!("the server did not answer: {e}"))?;
    serde_json::from_str(&answer)
        .map(Some)
        .map_err(|e| format!("unreadable answer from the server: {e}"))
}
