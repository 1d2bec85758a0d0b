//! Running a command: the server, or one of the owner's commands through the running server's
//! control socket (or on the file when no server runs).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::Value;

use super::{Command, tools};
use crate::app::control;
use crate::app::ops::{self, Request};
use crate::app::services::Services;
use crate::app::{App, AppOptions, shutdown_signal};
use crate::config::Config;
use crate::support::clock::SystemClock;

pub(super) async fn run(config: Config, command: Command) -> ExitCode {
    let result = match command {
        Command::Serve { no_demo, .. } => return serve(config, !no_demo).await,
        Command::Parse { message } => return tools::parse_command(&message),
        Command::MatchEval {
            catalog,
            queries,
            log,
        } => return tools::match_eval(&catalog, &queries, log.as_deref()),
        Command::Backup { dest } => match std::path::absolute(&dest) {
            Ok(dest) => backup(&config, dest).await,
            Err(e) => Err(format!("{}: {e}", dest.display())),
        },
        Command::Check { file } => check(&config, file).await,
        Command::Sizes { file } => sizes(&config, file).await,
        Command::Analytics {
            command:
                super::AnalyticsCommand::ScoreEval {
                    seed,
                    days,
                    retailers,
                },
        } => crate::app::simulate::score_eval::score_eval(seed, days, retailers)
            .await
            .and_then(|r| serde_json::to_value(r).map_err(|e| e.to_string())),
        Command::Simulate {
            days,
            seed,
            retailers,
            orders_per_day,
            no_demo,
        } => {
            let opts = crate::app::simulate::Options {
                days,
                seed,
                retailers,
                orders_per_day,
                load_demo: !no_demo,
                score_at: None,
            };
            simulate(config, opts).await
        }
        owner => match owner_request(owner) {
            Ok((req, load_demo)) => remote_or_local(&config, req, load_demo).await,
            Err(e) => Err(e),
        },
    };
    finish(result)
}

/// The owner's request a command makes, and whether a database it creates gets the demo data.
fn owner_request(command: Command) -> Result<(Request, bool), String> {
    Ok(match command {
        Command::CreateUser {
            role,
            phone,
            name,
            email,
            no_demo,
        } => {
            let password = read_password()?;
            let req = Request::CreateUser {
                role,
                phone,
                name,
                email,
                password,
            };
            (req, !no_demo)
        }
        Command::ImportCatalog { file, no_demo } => {
            let csv = tools::read_catalog(&file)?;
            (Request::ImportCatalog { csv }, !no_demo)
        }
        Command::Reindex => (Request::Reindex, true),
        Command::Prune => (Request::Prune, true),
        Command::Analytics {
            command: super::AnalyticsCommand::Rebuild { from, to },
        } => (Request::AnalyticsRebuild { from, to }, true),
        Command::Export { day, out } => {
            let out = std::path::absolute(&out).map_err(|e| format!("{}: {e}", out.display()))?;
            (Request::Export { day, out }, true)
        }
        Command::ResetLogins { phone } => (Request::ResetLogins { phone }, true),
        Command::Preview {
            message,
            retailer_id,
        } => {
            let text = tools::message_text(&message)?;
            (Request::Preview { text, retailer_id }, true)
        }
        Command::Match {
            phrase,
            retailer_id,
        } => {
            let phrase = phrase.join(" ");
            (
                Request::Match {
                    phrase,
                    retailer_id,
                },
                true,
            )
        }
        other => return Err(format!("{other:?} is not an owner's request")),
    })
}

fn finish(result: Result<Value, String>) -> ExitCode {
    match result {
        Ok(value) => {
            let failed = value.get("ok") == Some(&Value::Bool(false));
            let text = serde_json::to_string_pretty(&value).unwrap_or_default();
            let _ = writeln!(std::io::stdout(), "{text}");
            if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("khaacho: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config, load_demo: bool) -> ExitCode {
    let opts = AppOptions {
        clock: Arc::new(SystemClock),
        load_demo,
        background: true,
    };
    let app = match App::build(config, opts).await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            eprintln!("khaacho: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Scripts started with `--listen 127.0.0.1:0` read the real address from this line.
    // Writes to stdout may fail (a closed pipe): the server must keep serving regardless.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on http://{}", app.local_addr());
    if let Some((phone, password)) = &app.bootstrap_admin {
        let _ = writeln!(
            out,
            "\n  Created the first admin. Log in at http://{} with\n    phone:    {phone}\n    password: {password}\n  This password is shown only once; you will be asked to change it when you first log in.\n",
            app.local_addr()
        );
        tracing::info!(phone = %phone.masked(), "created the first admin (password printed to the console)");
    }
    let _ = out.flush();
    match app.run(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("khaacho: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a command through the running server, or directly on the file when none runs.
async fn remote_or_local(config: &Config, req: Request, load_demo: bool) -> Result<Value, String> {
    if let Some(result) = from_server(config, &req).await? {
        return Ok(result);
    }
    let (svc, startup) = Services::open(config.clone(), Arc::new(SystemClock), load_demo)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(demo) = startup.demo {
        tracing::info!(?demo, "created the database with the demo data set");
    }
    ops::run(&svc, req).await
}

/// A backup from the running server, written here by this process; without a server, taken
/// from the file directly.
async fn backup(config: &Config, dest: PathBuf) -> Result<Value, String> {
    match control::backup_to(&config.data_dir, &dest).await? {
        Some(report) => Ok(report),
        None => remote_or_local(config, Request::Backup { dest }, false).await,
    }
}

async fn simulate(config: Config, opts: crate::app::simulate::Options) -> Result<Value, String> {
    if control::call(&config.data_dir, &Request::Check)
        .await?
        .is_some()
    {
        return Err(
            "the server is running: stop it first (simulate writes history into the file)".into(),
        );
    }
    let report = crate::app::simulate::run(config, opts, chrono::Utc::now()).await?;
    serde_json::to_value(report).map_err(|e| e.to_string())
}

/// The running server's answer to `req`; `Ok(None)` when no server runs.
async fn from_server(config: &Config, req: &Request) -> Result<Option<Value>, String> {
    match control::call(&config.data_dir, req).await? {
        Some(resp) if resp.ok => Ok(Some(resp.result)),
        Some(resp) => Err(resp.error.unwrap_or_else(|| "the server refused".into())),
        None => Ok(None),
    }
}

async fn check(config: &Config, file: Option<PathBuf>) -> Result<Value, String> {
    server_or_file(config, file, Request::Check, crate::app::check::check_file).await
}

/// The running server measures the file it holds; without one (or with `--file`) the file is
/// opened here, read and left as it was.
async fn sizes(config: &Config, file: Option<PathBuf>) -> Result<Value, String> {
    server_or_file(config, file, Request::Sizes, crate::storage::sizes::of_file).await
}

/// Asks the running server (which holds the data directory's file), or without one, or for
/// another file (`--file`), opens the file here and runs `local` on it.
async fn server_or_file<T: serde::Serialize + Send + 'static>(
    config: &Config,
    file: Option<PathBuf>,
    req: Request,
    local: fn(&std::path::Path) -> Result<T, crate::storage::StoreError>,
) -> Result<Value, String> {
    if file.is_none()
        && let Some(answer) = from_server(config, &req).await?
    {
        return Ok(answer);
    }
    let path = file.unwrap_or_else(|| config.data_dir.join(crate::storage::DB_FILE));
    let found = tokio::task::spawn_blocking(move || local(&path))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    serde_json::to_value(found).map_err(|e| e.to_string())
}

fn read_password() -> Result<String, String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("reading the password: {e}"))?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_string());
    }
    let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
    let again = rpassword::prompt_password("Password again: ").map_err(|e| e.to_string())?;
    if first != again {
        return Err("the two passwords differ".into());
    }
    Ok(first)
}
