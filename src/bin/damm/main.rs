//! `damm`: the dAMM Lab engine on the command line. All output is JSON on stdout unless
//! `--out` is given; human-readable tables and progress go to stderr. Native only: on
//! wasm32 (where `cargo test --target wasm32-unknown-unknown` builds every target) the
//! binary is an empty stub.

#[cfg(not(target_arch = "wasm32"))]
mod bench;
#[cfg(not(target_arch = "wasm32"))]
mod cli;
#[cfg(not(target_arch = "wasm32"))]
mod minimal;
#[cfg(not(target_arch = "wasm32"))]
mod output;
#[cfg(not(target_arch = "wasm32"))]
mod param_args;
#[cfg(not(target_arch = "wasm32"))]
mod sweep;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
