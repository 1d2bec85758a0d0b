//! The `khaacho` binary: everything lives in the library; see `khaacho::cli`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    khaacho::cli::main()
}
