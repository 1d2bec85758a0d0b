//! Tools that need no database: reading a message as the parser does, and the matcher's
//! evaluation.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// A message given as arguments, or read from stdin when there are none.
pub(super) fn message_text(args: &[String]) -> Result<String, String> {
    if !args.is_empty() {
        return Ok(args.join(" "));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
        .map_err(|e| format!("reading stdin: {e}"))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

pub(super) fn parse_command(args: &[String]) -> ExitCode {
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

pub(super) fn read_catalog(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    String::from_utf8(bytes)
        .map_err(|_| format!("{}: not UTF-8 text; save the CSV as UTF-8", path.display()))
}

pub(super) fn match_eval(catalog: &Path, queries: &Path, log: Option<&Path>) -> ExitCode {
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
