//! The control socket: how commands run while the server holds the database.
//!
//! A Unix socket in the data directory takes one JSON request line and answers one JSON line.
//! redb lets one process hold the file, so `create-user`, `backup` and `check` ask the running
//! server to do the work. Only the service's own user and root may talk to it (the file mode,
//! and the peer's credentials checked on every connection); a client that says nothing is
//! dropped after a timeout. A backup comes back over the socket as a header line and the
//! snapshot's bytes: the caller writes the file, so the server never needs to write outside
//! its state directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use crate::app::ops::{self, Request};
use crate::app::services::Services;

pub const SOCKET_FILE: &str = "khaacho.sock";
/// Largest request line (a catalog import travels inside one).
const MAX_REQUEST: u64 = 64 * 1024 * 1024;
/// How long a client may take to send its request line.
const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

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
/// Accept errors (out of file descriptors, say) back off instead of spinning.
pub async fn serve(listener: UnixListener, svc: Arc<Services>) {
    let mut backoff = std::time::Duration::from_millis(100);
    loop {
        let stream = match listener.accept().await {
            Ok((s, _)) => {
                backoff = std::time::Duration::from_millis(100);
                s
            }
            Err(e) => {
                tracing::warn!(error = %e, "control socket accept failed");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(std::time::Duration::from_secs(2));
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

/// Whether the peer may use the socket: root, or the user this server runs as (the owner of
/// the socket file it created).
fn peer_allowed(stream: &UnixStream, data_dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(cred) = stream.peer_cred() else {
        return false;
    };
    let own = std::fs::metadata(socket_path(data_dir)).map(|m| m.uid());
    cred.uid() == 0 || own.is_ok_and(|uid| uid == cred.uid())
}

async fn handle(stream: UnixStream, svc: &Services) -> std::io::Result<()> {
    if !peer_allowed(&stream, &svc.config().data_dir) {
        tracing::warn!("control socket: a connection from another user was refused");
        let (read, mut write) = stream.into_split();
        // Take (and drop) what it sent, so it reads the refusal instead of a broken pipe.
        let mut ignored = String::new();
        let mut reader = BufReader::new(read.take(64 * 1024));
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(1),
            reader.read_line(&mut ignored),
        )
        .await;
        return answer(&mut write, &refused("permission denied")).await;
    }
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let mut reader = BufReader::new(read.take(MAX_REQUEST));
    match tokio::time::timeout(READ_TIMEOUT, reader.read_line(&mut line)).await {
        Ok(read) => read?,
        Err(_) => return answer(&mut write, &refused("no request before the timeout")).await,
    };
    let req = match serde_json::from_str::<Request>(&line) {
        Ok(req) => req,
        Err(e) => return answer(&mut write, &refused(&format!("bad request: {e}"))).await,
    };
    tracing::info!(command = command_name(&req), "control command");
    match req {
        Request::BackupStream => stream_backup(svc, &mut write).await,
        // A server writes only inside its own state directory: a backup to a path is taken
        // by the caller, from the stream.
        Request::Backup { .. } => {
            answer(
                &mut write,
                &refused("ask for the backup stream; the caller writes the file"),
            )
            .await
        }
        req => {
            let response = match ops::run(svc, req).await {
                Ok(result) => Response {
                    ok: true,
                    result,
                    error: None,
                },
                Err(e) => refused(&e),
            };
            answer(&mut write, &response).await
        }
    }
}

fn refused(why: &str) -> Response {
    Response {
        ok: false,
        result: Value::Null,
        error: Some(why.to_string()),
    }
}

async fn answer(
    write: &mut (impl AsyncWriteExt + Unpin),
    response: &Response,
) -> std::io::Result<()> {
    let mut out = serde_json::to_vec(response).unwrap_or_else(|_| b"{\"ok\":false}".to_vec());
    out.push(b'\n');
    write.write_all(&out).await?;
    write.shutdown().await
}

/// A snapshot into the state directory, sent as a header line (its report, with `bytes`)
/// and its bytes, then removed.
async fn stream_backup(
    svc: &Services,
    write: &mut (impl AsyncWriteExt + Unpin),
) -> std::io::Result<()> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = svc
        .config()
        .data_dir
        .join(format!(".backup-{}-{n}.redb", std::process::id()));
    let report = match svc.store().snapshot_to(tmp.clone()).await {
        Ok(r) => r,
        Err(e) => return answer(write, &refused(&format!("snapshot: {e}"))).await,
    };
    let sent = async {
        let mut file = tokio::fs::File::open(&tmp).await?;
        let header = Response {
            ok: true,
            result: serde_json::json!({"rows": report.rows, "bytes": report.bytes}),
            error: None,
        };
        let mut line = serde_json::to_vec(&header).unwrap_or_default();
        line.push(b'\n');
        write.write_all(&line).await?;
        let copied = tokio::io::copy(&mut file, write).await?;
        if copied != report.bytes {
            return Err(std::io::Error::other(
                "the snapshot changed size while being sent",
            ));
        }
        write.shutdown().await
    }
    .await;
    let _ = tokio::fs::remove_file(&tmp).await;
    sent
}

fn command_name(req: &Request) -> &'static str {
    match req {
        Request::Ping => "ping",
        Request::CreateUser { .. } => "create_user",
        Request::Backup { .. } => "backup",
        Request::Check => "check",
        Request::Sizes => "sizes",
        Request::ImportCatalog { .. } => "import_catalog",
        Request::Reindex => "reindex",
        Request::Prune => "prune",
        Request::Match { .. } => "match",
        Request::Preview { .. } => "preview",
        Request::BackupStream => "backup",
        Request::ResetLogins { .. } => "reset_logins",
        Request::AnalyticsRebuild { .. } => "analytics_rebuild",
        Request::Export { .. } => "export",
    }
}

/// Both halves of a connection to the server: the write half is kept open while the answer
/// is read.
type Halves = (
    tokio::net::unix::OwnedReadHalf,
    tokio::net::unix::OwnedWriteHalf,
);

/// Sends one request line to the server running on `data_dir`; the half of the connection
/// its answer comes on. `Ok(None)`: no server is listening.
async fn send(data_dir: &Path, req: &Request) -> Result<Option<Halves>, String> {
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
    Ok(Some((read, write)))
}

/// Sends a request to the server running on `data_dir`. `Ok(None)`: no server is listening.
pub async fn call(data_dir: &Path, req: &Request) -> Result<Option<Response>, String> {
    let Some((read, _write)) = send(data_dir, req).await? else {
        return Ok(None);
    };
    let mut answer = String::new();
    BufReader::new(read)
        .read_line(&mut answer)
        .await
        .map_err(|e| format!("the server did not answer: {e}"))?;
    serde_json::from_str(&answer)
        .map(Some)
        .map_err(|e| format!("unreadable answer from the server: {e}"))
}

/// Takes a backup from the server running on `data_dir` and writes it to `dest` as the
/// caller: into a temporary file beside it, synced, renamed into place, the directory synced.
/// `Ok(None)`: no server is listening.
pub async fn backup_to(data_dir: &Path, dest: &Path) -> Result<Option<Value>, String> {
    let Some((read, _write)) = send(data_dir, &Request::BackupStream).await? else {
        return Ok(None);
    };
    let mut reader = BufReader::new(read);
    let mut header = String::new();
    reader
        .read_line(&mut header)
        .await
        .map_err(|e| format!("the server did not answer: {e}"))?;
    let header: Response =
        serde_json::from_str(&header).map_err(|e| format!("unreadable answer: {e}"))?;
    if !header.ok {
        return Err(header.error.unwrap_or_else(|| "the server refused".into()));
    }
    let bytes = header.result["bytes"].as_u64().unwrap_or(0);
    write_received(&mut reader, bytes, dest).await?;
    let mut result = header.result;
    result["path"] = Value::String(dest.display().to_string());
    Ok(Some(result))
}

/// Copies `from` into `file`, syncing every [`UNSYNCED_BYTES`] so the pages waiting for the
/// disk stay bounded: a backup is often written to the database's own disk while the server
/// commits orders there.
///
/// [`UNSYNCED_BYTES`]: crate::storage::snapshot::UNSYNCED_BYTES
async fn copy_synced(
    from: &mut (impl AsyncReadExt + Unpin),
    file: &mut tokio::fs::File,
) -> std::io::Result<u64> {
    use tokio::io::AsyncWriteExt;
    let mut buf = vec![0u8; 1 << 20];
    let (mut copied, mut unsynced) = (0u64, 0usize);
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            return Ok(copied);
        }
        file.write_all(&buf[..n]).await?;
        copied += n as u64;
        unsynced += n;
        if unsynced >= crate::storage::snapshot::UNSYNCED_BYTES {
            file.sync_data().await?;
            unsynced = 0;
        }
    }
}

async fn write_received(
    from: &mut (impl AsyncReadExt + Unpin),
    bytes: u64,
    dest: &Path,
) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt;
    let fail = |e: std::io::Error| format!("writing {}: {e}", dest.display());
    let dir = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    tokio::fs::create_dir_all(&dir).await.map_err(fail)?;
    let name = dest
        .file_name()
        .ok_or_else(|| format!("{} is not a file path", dest.display()))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let std_file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(fail)?;
    let mut file = tokio::fs::File::from_std(std_file);
    let copied = copy_synced(&mut from.take(bytes), &mut file)
        .await
        .map_err(fail)?;
    if copied != bytes {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(format!(
            "the backup stream ended after {copied} of {bytes} bytes; nothing was written"
        ));
    }
    file.sync_all().await.map_err(fail)?;
    drop(file);
    tokio::fs::rename(&tmp, dest).await.map_err(fail)?;
    std::fs::File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(fail)?;
    Ok(())
}
