//! The `khaacho` binary: everything lives in the library; see `khaacho::app::cli`.
#![forbid(unsafe_code)]

/// mimalloc: a request allocates many small strings and vectors (parsing, matching, JSON);
/// the system allocator spent a third of a preview's time in malloc and free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    khaacho::app::cli::main()
}
