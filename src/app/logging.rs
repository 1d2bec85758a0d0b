//! Where logs go: stdout (or stderr for CLI commands, keeping stdout for results) and, for the
//! server, a daily-rotated JSON file in the data directory.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::LogConfig;

/// Where the logs of this process go.
pub enum LogTarget<'a> {
    /// The server: stdout plus the rotated file in `data_dir/logs` when enabled.
    Server { data_dir: &'a Path },
    /// A CLI command: stderr only, so stdout carries the result.
    Command,
}

type BoxedLayer = Box<dyn Layer<tracing_subscriber::Registry> + Send + Sync>;

/// Installs the global tracing subscriber; keep the guard alive to flush the file writer.
pub fn init_tracing(cfg: &LogConfig, target: LogTarget<'_>) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_new(&cfg.level).unwrap_or_else(|_| EnvFilter::new("info"));
    let mut layers: Vec<BoxedLayer> = Vec::new();
    let mut guard = None;
    let console = tracing_subscriber::fmt::layer().with_target(false);
    match (&target, cfg.json) {
        (LogTarget::Server { .. }, true) => layers.push(console.json().boxed()),
        (LogTarget::Server { .. }, false) => layers.push(console.boxed()),
        (LogTarget::Command, true) => {
            layers.push(console.json().with_writer(std::io::stderr).boxed())
        }
        (LogTarget::Command, false) => layers.push(console.with_writer(std::io::stderr).boxed()),
    }
    if let LogTarget::Server { data_dir } = target
        && cfg.file
    {
        match rolling_file(data_dir, cfg.keep_days) {
            Ok(appender) => {
                let (writer, g) = tracing_appender::non_blocking(appender);
                let layer = tracing_subscriber::fmt::layer().json().with_writer(writer);
                layers.push(layer.boxed());
                guard = Some(g);
            }
            Err(e) => eprintln!(
                "warning: cannot write log files in {}: {e}",
                data_dir.display()
            ),
        }
    }
    // One filter for every layer, as every layer logs the same level: the registry then asks it
    // once per call site, where a filter per layer was asked again at every span and event.
    // A second init (tests building several apps) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(layers)
        .with(filter)
        .try_init();
    guard
}

fn rolling_file(
    data_dir: &Path,
    keep: usize,
) -> Result<tracing_appender::rolling::RollingFileAppender, String> {
    let dir = data_dir.join("logs");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("khaacho.log")
        .max_log_files(keep)
        .build(dir)
        .map_err(|e| e.to_string())
}
