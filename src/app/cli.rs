//! The command line: `serve` (the default), `create-user`, `backup`, `check`.
//!
//! Every command but `serve` prints its result on stdout (JSON where it is data) and its logs
//! on stderr. Commands that need the database go through the running server's control socket
//! when there is one, and open the file themselves when there is not.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use serde_json::Value;

use crate::app::control;
use crate::app::logging::{LogTarget, init_tracing};
use crate::app::ops::{self, Request};
use crate::app::services::Services;
use crate::app::{App, AppOptions, shutdown_signal};
use crate::config::Config;
use crate::support::clock::SystemClock;
use crate::types::Role;

#[derive(Debug, Parser)]
#[command(
    name = "khaacho",
    version,
    about = "Khaacho: B2B wholesale ordering for Nepal's shops, in one binary."
)]
pub struct Cli {
    /// Where the database, keys, logs and config live [default: $STATE_DIRECTORY or ./data/state]
    #[arg(long, global = true, env = "KHAACHO_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Configuration file [default: DATA_DIR/khaacho.toml]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web UI, the REST API and the webhooks (the default command).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:3000
        #[arg(long, env = "KHAACHO_LISTEN", value_name = "ADDR")]
        listen: Option<String>,
        /// Do not load the demo data set when this start creates the database.
        #[arg(long)]
        no_demo: bool,
    },
    /// Create a user. The password is read from the first line of stdin when piped, else prompted.
    CreateUser {
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// E.164 phone number, e.g. +9779812345678
        #[arg(long)]
        phone: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
        /// Do not load the demo data set if this command creates the database.
        #[arg(long)]
        no_demo: bool,
    },
    /// Write a consistent copy of the database to DEST (works while the server runs).
    Backup {
        /// The snapshot file to write, e.g. /var/backups/khaacho/khaacho-2026-11-26.redb
        dest: PathBuf,
    },
    /// Verify the database: redb integrity and every domain invariant. Exit 1 when anything is wrong.
    Check {
        /// Check this database file (a backup, say) instead of the data directory's.
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
    },
    /// Import a catalog CSV (header row; columns sku,name and optionally brand,category,
    /// pack_size,unit,aliases with aliases separated by `|`). Every row is checked first;
    /// nothing is written unless all are good. Existing skus are updated.
    ImportCatalog {
        file: PathBuf,
        /// Do not load the demo data set if this command creates the database.
        #[arg(long)]
        no_demo: bool,
    },
    /// Rebuild the search index from the database.
    Reindex,
    /// Forget the running server's failed-login counts, of one phone or of everyone (the way
    /// back in when someone has locked a login out on purpose). Needs the server running.
    ResetLogins {
        /// Only this phone's failures.
        #[arg(long)]
        phone: Option<String>,
    },
    /// Match a phrase against the catalog and print the decision as JSON.
    Match {
        /// e.g. "suger 1kg"
        phrase: Vec<String>,
        /// Lift what this retailer ordered before.
        #[arg(long)]
        retailer_id: Option<u64>,
    },
    /// Measure matching on a catalog CSV and a queries TSV (header, then query<TAB>expected_sku);
    /// prints one JSON object of counts and latencies. Builds a throwaway index.
    MatchEval {
        #[arg(long)]
        catalog: PathBuf,
        #[arg(long)]
        queries: PathBuf,
        /// Also write each query's outcome as JSON lines here.
        #[arg(long)]
        log: Option<PathBuf>,
    },
    /// The priced preview a shop would get on WhatsApp for an order message, as JSON (the same
    /// as `POST /api/v1/orders/preview`); writes nothing. The message is the arguments, or
    /// stdin when there are none.
    Preview {
        /// The message, e.g. "2 bora chamal, wai wai 2 carton"
        message: Vec<String>,
        /// The shop it is for (its prices, credit and language); the first shop when omitted.
        #[arg(long)]
        retailer_id: Option<u64>,
    },
    /// Read an order message the way the WhatsApp conversation does and print the items as JSON.
    /// The message is the arguments, or stdin when there are none.
    Parse {
        /// The message, e.g. "chamal 25 kg 2 bora, chini 5 kg"
        message: Vec<String>,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

/// Where state lives when `--data-dir` is not given.
pub fn default_data_dir() -> PathBuf {
    match std::env::var_os("STATE_DIRECTORY") {
        // systemd may pass several directories separated by ':'; ours is the first.
        Some(v) if !v.is_empty() => {
            PathBuf::from(v.to_string_lossy().split(':').next().unwrap_or(""))
        }
        _ => PathBuf::from("data/state"),
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Commands that need no data directory run before any configuration is read.
    match &cli.command {
        Some(Command::Parse { message }) => return parse_command(message),
        Some(Command::MatchEval {
            catalog,
            queries,
            log,
        }) => return match_eval(catalog, queries, log.as_deref()),
        _ => {}
    }
    let data_dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    let mut config =
        match Config::load(&data_dir, cli.config.as_deref(), &|k| std::env::var(k).ok()) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("khaacho: {e}");
                return ExitCode::from(2);
            }
        };
    let command = cli.command.unwrap_or(Command::Serve {
        listen: None,
        no_demo: false,
    });
    if let Command::Serve {
        listen: Some(l), ..
    } = &command
    {
        config.listen = l.clone();
        if let Err(e) = config.validate() {
            eprintln!("khaacho: {e}");
            return ExitCode::from(2);
        }
    }
    let target = match command {
        Command::Serve { .. } => LogTarget::Server {
            data_dir: &data_dir,
        },
        _ => LogTarget::Command,
    };
    if matches!(target, LogTarget::Server { .. }) && std::fs::create_dir_all(&data_dir).is_err() {
        eprintln!(
            "khaacho: cannot create data directory {}",
            data_dir.display()
        );
        return ExitCode::FAILURE;
    }
    let _guard = init_tracing(&config.log, target);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("khaacho: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(config, command))
}

async fn run(config: Config, command: Command) -> ExitCode {
    let result = match command {
        Command::Serve { no_demo, .. } => return serve(config, !no_demo).await,
        Command::CreateUser {
            role,
            phone,
            name,
            email,
            no_demo,
        } => match read_password() {
            Ok(password) => {
                let req = Request::CreateUser {
                    role,
                    phone,
                    name,
                    email,
                    password,
                };
                remote_or_local(&config, req, !no_demo).await
            }
            Err(e) => Err(e),
        },
        Command::Backup { dest } => match std::path::absolute(&dest) {
            Ok(dest) => backup(&config, dest).await,
            Err(e) => Err(format!("{}: {e}", dest.display())),
        },
        Command::Check { file } => check(&config, file).await,
        Command::Parse { message } => return parse_command(&message),
        Command::MatchEval {
            catalog,
            queries,
            log,
        } => return match_eval(&catalog, &queries, log.as_deref()),
        Command::ImportCatalog { file, no_demo } => match read_catalog(&file) {
            Ok(csv) => remote_or_local(&config, Request::ImportCatalog { csv }, !no_demo).await,
            Err(e) => Err(e),
        },
        Command::Reindex => remote_or_local(&config, Request::Reindex, true).await,
        Command::ResetLogins { phone } => {
            remote_or_local(&config, Request::ResetLogins { phone }, true).await
        }
        Command::Preview {
            message,
            retailer_id,
        } => match message_text(&message) {
            Ok(text) => {
                remote_or_local(&config, Request::Preview { text, retailer_id }, true).await
            }
            Err(e) => Err(e),
        },
        Command::Match {
            phrase,
            retailer_id,
        } => {
            let phrase = phrase.join(" ");
            remote_or_local(
                &config,
                Request::Match {
                    phrase,
                    retailer_id,
                },
                true,
            )
            .await
        }
    };
    finish(result)
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
    match control::call(&config.data_dir, &req).await? {
        Some(resp) if resp.ok => return Ok(resp.result),
        Some(resp) => return Err(resp.error.unwrap_or_else(|| "the server refused".into())),
        None => {}
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

async fn check(config: &Config, file: Option<PathBuf>) -> Result<Value, String> {
    if file.is_none() {
        match control::call(&config.data_dir, &Request::Check).await? {
            Some(resp) if resp.ok => return Ok(resp.result),
            Some(resp) => return Err(resp.error.unwrap_or_else(|| "the server refused".into())),
            None => {}
        }
    }
    let path = file.unwrap_or_else(|| config.data_dir.join(crate::storage::DB_FILE));
    let report = tokio::task::spawn_blocking(move || crate::app::check::check_file(&path))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    serde_json::to_value(report).map_err(|e| e.to_string())
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

/// Used by tests: the data directory a `Cli` resolves to.
pub fn resolve_data_dir(explicit: Option<&Path>) -> PathBuf {
    explicit.map_or_else(default_data_dir, Path::to_path_buf)
}

/// A message given as arguments, or read from stdin when there are none.
fn message_text(args: &[String]) -> Result<String, String> {
    if !args.is_empty() {
        return Ok(args.join(" "));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
        .map_err(|e| format!("reading stdin: {e}"))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn parse_command(args: &[String]) -> ExitCode {
    let text = match message_text(args) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("khaacho: {e}");
            return ExitCode::FAILURE;
        }
    };
    let parsed = crate::parsing::parse_message(&text);
    match serde_json::to_string(&parsed) {
        Ok(json) => {
            let _ = writeln!(std::io::stdout(), "{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("khaacho: {e}");
            ExitCode::FAILURE
        }
    }
}

fn read_catalog(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    String::from_utf8(bytes)
        .map_err(|_| format!("{}: not UTF-8 text; save the CSV as UTF-8", path.display()))
}

fn match_eval(catalog: &Path, queries: &Path, log: Option<&Path>) -> ExitCode {
    let report = match log {
        None => crate::matching::eval::run(catalog, queries),
        Some(path) => match std::fs::File::create(path) {
            Ok(mut file) => crate::matching::eval::run_with_log(catalog, queries, Some(&mut file)),
            Err(e) => {
                eprintln!("khaacho: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
    };
    match report
        .map_err(|e| e.to_string())
        .and_then(|r| serde_json::to_string(&r).map_err(|e| e.to_string()))
    {
        Ok(json) => {
            let _ = writeln!(std::io::stdout(), "{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("khaacho: match-eval: {e}");
            ExitCode::from(2)
        }
    }
}
