//! What every `damm` subcommand shares for its output: the error type (a message for
//! stderr) and `emit`, which writes a JSON document to stdout or to `--out`. Not for
//! argument parsing (cli.rs) or progress bars.

use std::fs;
use std::path::Path;

use serde_json::Value;

/// A subcommand's result: the error is the message printed on stderr.
pub(crate) type CliResult<T> = Result<T, String>;

/// Writes `value` as pretty JSON to `out`, or to stdout without `--out`.
pub(crate) fn emit(value: &Value, out: Option<&Path>) -> CliResult<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    match out {
        Some(p) => fs::write(p, text + "\n").map_err(|e| format!("{}: {e}", p.display())),
        None => {
            println!("{text}");
            Ok(())
        }
    }
}
