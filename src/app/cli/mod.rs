//! The command line: `serve` (the default), `create-user`, `backup`, `check`, `sizes`, ...
//!
//! Every command but `serve` prints its result on stdout (JSON where it is data) and its logs
//! on stderr. Commands that need the database go through the running server's control socket
//! when there is one, and open the file themselves when there is not.

mod run;
mod tools;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::logging::{LogTarget, init_tracing};
use crate::config::Config;
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

#[derive(Debug, Clone, Subcommand)]
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
    /// Where the database file's bytes go: per table, rows and bytes (stored, metadata,
    /// fragmented), and bytes per order, as JSON. Read-only; works while the server runs.
    Sizes {
        /// Measure this database file (a backup, say) instead of the data directory's.
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
    /// Delete now what is past its retention (what the nightly job does: message texts and
    /// phone numbers, webhook records, idle conversations, expired refresh tokens, routing
    /// decisions). Works while the server runs.
    Prune,
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
    /// Backtest every forecasting method and the per-series choice on a long CSV
    /// (`unique_id,ds,y`); prints one JSON object of mean MASE, RMSSE and MAE. Needs no
    /// database.
    ForecastEval(ForecastEvalArgs),
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
    /// Fill the database (new or demo) with a realistic history of the DAYS days before today,
    /// made through the real order, payment and listing doors; deterministic for a seed.
    /// Prints a JSON report. The server must be stopped (it holds the file).
    Simulate {
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Shops to simulate: the existing ones and new ones up to this number.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        retailers: Option<u32>,
        /// Orders per ordinary day across all shops (else each shop's own rhythm).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        orders_per_day: Option<u32>,
        /// Do not load the demo data set if this command creates the database.
        #[arg(long)]
        no_demo: bool,
    },
    /// Write one Nepal day's orders and daily facts as Parquet (`orders-DAY.parquet`,
    /// `daily_facts-DAY.parquet`, region in every row) into DIR, for a national roll-up.
    /// With a server running, the server writes the files.
    Export {
        #[arg(long, value_name = "YYYY-MM-DD")]
        day: chrono::NaiveDate,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Analytics: rebuild the stored daily facts of a range of Nepal days.
    Analytics {
        #[command(subcommand)]
        command: AnalyticsCommand,
    },
    /// Read an order message the way the WhatsApp conversation does and print the items as JSON.
    /// The message is the arguments, or stdin when there are none.
    Parse {
        /// The message, e.g. "chamal 25 kg 2 bora, chini 5 kg"
        message: Vec<String>,
    },
}

/// `khaacho forecast-eval`'s arguments; `--h`, `--step` and `--windows` mean what
/// statsforecast's `cross_validation` means by `h`, `step_size` and `n_windows`.
#[derive(Debug, Clone, clap::Args)]
pub struct ForecastEvalArgs {
    /// The long CSV: a header with `unique_id`, `ds` and `y` (other columns ignored).
    #[arg(long)]
    pub series: PathBuf,
    /// Periods forecast in each window.
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=3660))]
    pub h: usize,
    /// Season length in periods (7 for daily data, 12 for monthly, 1 for none).
    #[arg(long, default_value_t = 1, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=366))]
    pub season: usize,
    /// Number of backtest windows.
    #[arg(long, default_value_t = 1, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000))]
    pub windows: usize,
    /// Periods between window starts (default: h, windows side by side).
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=3660))]
    pub step: Option<usize>,
    /// Lag of the in-sample seasonal naive that scales MASE.
    #[arg(long, default_value_t = 1, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=366))]
    pub mase_lag: usize,
    /// Train each window from the series' first sale on.
    #[arg(long)]
    pub drop_leading_zeros: bool,
    /// How many of the best methods the per-series choice averages.
    #[arg(long, default_value_t = 1, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10))]
    pub combine: usize,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AnalyticsCommand {
    /// Build the daily facts of FROM..=TO again (idempotent; days after yesterday are live).
    Rebuild {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: chrono::NaiveDate,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: chrono::NaiveDate,
    },
    /// Measure the credit score's ranking power on a simulated history (in a throwaway
    /// database): the AUC for "30+ days late within the next 90 days", printed as JSON.
    ScoreEval {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Days of history; the score is taken 90 days before its end.
        #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(120..=3650))]
        days: u32,
        #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(20..=100_000))]
        retailers: u32,
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

/// Runs the command line: reads the configuration, sets up logging, runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Commands that need no data directory run before any configuration is read.
    match &cli.command {
        Some(Command::Parse { message }) => return tools::parse_command(message),
        Some(Command::MatchEval {
            catalog,
            queries,
            log,
        }) => return tools::match_eval(catalog, queries, log.as_deref()),
        Some(Command::ForecastEval(args)) => return tools::forecast_eval(args),
        _ => {}
    }
    let data_dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    let (config, command) = match configure(&cli, &data_dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("khaacho: {e}");
            return ExitCode::from(2);
        }
    };
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
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
        runtime.worker_threads(request_threads());
    }
    match runtime.enable_all().build() {
        Ok(runtime) => runtime.block_on(run::run(config, command)),
        Err(e) => {
            eprintln!("khaacho: cannot start the runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Threads answering requests: one fewer than the cores (at least one), since the single
/// writer thread keeps a core busy under load. On a 2-core box one request thread answered
/// 3–10 % more orders than two (BENCHMARKS.md, eleventh pass). `TOKIO_WORKER_THREADS`
/// overrides it.
fn request_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
}

/// The configuration for the data directory, with `serve --listen` applied, and the command
/// (`serve` when none is given).
fn configure(cli: &Cli, data_dir: &Path) -> Result<(Config, Command), crate::config::ConfigError> {
    let mut config = Config::load(data_dir, cli.config.as_deref(), &|k| std::env::var(k).ok())?;
    let command = cli.command.clone().unwrap_or(Command::Serve {
        listen: None,
        no_demo: false,
    });
    if let Command::Serve {
        listen: Some(l), ..
    } = &command
    {
        config.listen = l.clone();
        config.validate()?;
    }
    Ok((config, command))
}

/// Used by tests: the data directory a `Cli` resolves to.
pub fn resolve_data_dir(explicit: Option<&Path>) -> PathBuf {
    explicit.map_or_else(default_data_dir, Path::to_path_buf)
}
