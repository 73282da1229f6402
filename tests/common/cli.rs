//! Runs the `damm` binary of this build with arguments and optional stdin, for the CLI
//! tests (tests/cli.rs) and the hostile-input tests (tests/hostile.rs).

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// `damm args…`, with `stdin` written to its standard input (closed either way).
pub fn damm(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_damm"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        pipe.write_all(s.as_bytes()).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}
