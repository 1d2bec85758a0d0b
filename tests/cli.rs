//! The real `khaacho` binary: commands print results on stdout, work with and without a
//! running server, and fail loudly when they must.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod cli_sizes;

fn khaacho(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_khaacho"));
    cmd.arg("--data-dir")
        .arg(dir)
        .env_remove("KHAACHO_LISTEN")
        .env("KHAACHO_LOG", "warn");
    cmd
}

fn with_stdin(mut cmd: Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn json_out(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn version_and_help_answer() {
    let dir = tempfile::tempdir().unwrap();
    let out = khaacho(dir.path()).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("khaacho "));
    for sub in ["serve", "create-user", "backup", "check", "sizes", "prune"] {
        let out = khaacho(dir.path()).args([sub, "--help"]).output().unwrap();
        assert!(out.status.success(), "{sub} --help");
    }
}

#[test]
fn check_without_a_database_fails_with_a_readable_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = khaacho(dir.path()).arg("check").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database"));
}

#[test]
fn create_user_without_a_server_creates_the_database_with_demo_data_and_check_passes() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = khaacho(dir.path());
    cmd.args([
        "create-user",
        "--role",
        "admin",
        "--phone",
        "+9779811000100",
        "--name",
        "Owner",
    ]);
    let out = with_stdin(cmd, "a long enough password\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let user = json_out(&out);
    assert_eq!(user["role"], "admin");
    let out = khaacho(dir.path()).arg("check").output().unwrap();
    assert!(out.status.success());
    let report = json_out(&out);
    assert_eq!(report["ok"], true);
    assert_eq!(report["counts"]["products"], 205);
    let mut cmd = khaacho(dir.path());
    cmd.args([
        "create-user",
        "--role",
        "operator",
        "--phone",
        "+9779811000101",
        "--name",
        "Op",
    ]);
    let out = with_stdin(cmd, "short\n");
    assert!(!out.status.success(), "a short password is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(dir: &Path) -> (Server, String) {
    let mut child = khaacho(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let line = lines.next().expect("server prints its address").unwrap();
        if let Some(addr) = line.strip_prefix("listening on ") {
            // Keep reading what the server prints, like a terminal would.
            std::thread::spawn(move || lines.for_each(drop));
            return (server, addr.to_string());
        }
    }
    panic!("the server did not start");
}

#[test]
fn commands_go_through_the_running_server_and_sigterm_stops_it_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr) = start_server(dir.path());
    assert!(addr.starts_with("http://127.0.0.1:"));

    let mut cmd = khaacho(dir.path());
    cmd.args([
        "create-user",
        "--role",
        "vendor",
        "--phone",
        "+9779801000003",
        "--name",
        "Maharjan",
    ]);
    let out = with_stdin(cmd, "a long enough password\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        json_out(&out)["linked"],
        true,
        "the demo vendor with that phone gets the login"
    );

    let backup = dir.path().join("nightly").join("khaacho.redb");
    let out = khaacho(dir.path())
        .arg("backup")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(json_out(&out)["rows"].as_u64().unwrap() > 1000);

    let out = khaacho(dir.path()).arg("check").output().unwrap();
    assert!(out.status.success());
    assert_eq!(json_out(&out)["ok"], true);

    // Nothing in a new database is past its retention; the server prunes on request.
    let out = khaacho(dir.path()).arg("prune").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pruned = json_out(&out);
    assert_eq!(
        (pruned["ok"].clone(), pruned["removed"].clone()),
        (true.into(), 0.into())
    );
    // It repacks too: credit scores whole (due at once), the tables in time order only
    // noted tonight; run again at once, nothing is due.
    assert_eq!(pruned["repacks_failed"], 0);
    assert!(pruned["repacked"].as_u64().is_some(), "{pruned}");
    let out = khaacho(dir.path()).arg("prune").output().unwrap();
    assert_eq!(json_out(&out)["repacked"], 0);

    // The server measures the file it holds; the backup is measured on its own.
    cli_sizes::measured_by_the_server_and_on_a_backup(dir.path(), &backup);

    // The backup is a database of its own: a fresh data directory serves it.
    let out = khaacho(dir.path())
        .args(["check", "--file"])
        .arg(&backup)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&backup, restored.path().join("khaacho.redb")).unwrap();
    let out = khaacho(restored.path()).arg("check").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = server.0.wait().unwrap();
    assert!(status.success(), "SIGTERM is a clean stop: {status:?}");
    assert!(
        !dir.path().join("khaacho.sock").exists(),
        "the control socket is removed"
    );
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The server as an unprivileged user (as under systemd's sandbox, which lets it write only
/// its state directory), and the backup written by the caller into a directory only the
/// caller can write. Needs root to switch users; skipped otherwise.
#[test]
fn a_backup_is_written_by_the_caller_where_the_server_cannot_write() {
    if !running_as_root() {
        eprintln!("skipped: needs root to run the server as another user");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("state");
    std::fs::create_dir(&data).unwrap();
    let own = |path: &Path, who: &str, mode: &str| {
        assert!(
            Command::new("chown")
                .args([who])
                .arg(path)
                .status()
                .unwrap()
                .success()
        );
        assert!(
            Command::new("chmod")
                .args([mode])
                .arg(path)
                .status()
                .unwrap()
                .success()
        );
    };
    own(dir.path(), "root:root", "0755");
    own(&data, "65534:65534", "0700");
    let mut child = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_khaacho"))
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("KHAACHO_LOG", "warn")
        .env("KHAACHO_LOG_FILE", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    assert!(
        lines
            .by_ref()
            .any(|l| l.unwrap().starts_with("listening on ")),
        "the server started"
    );
    std::thread::spawn(move || lines.for_each(drop));
    let private = tempfile::tempdir().unwrap();
    own(private.path(), "root:root", "0700");
    let dest = private.path().join("khaacho-nightly.redb");
    let out = khaacho(&data).arg("backup").arg(&dest).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(json_out(&out)["rows"].as_u64().unwrap() > 1000);
    let out = khaacho(&data)
        .args(["check", "--file"])
        .arg(&dest)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let leftovers: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".backup"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "the server removed its temporary snapshot"
    );
    // Another user reaching the socket (here through loosened modes) is refused by its
    // credentials, not only by the file's mode.
    own(&data, "65534:65534", "0711");
    own(&data.join("khaacho.sock"), "65534:65534", "0666");
    let out = Command::new("setpriv")
        .args(["--reuid=1", "--regid=1", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_khaacho"))
        .arg("--data-dir")
        .arg(&data)
        .args(["reset-logins"])
        .env("KHAACHO_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("permission denied"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
