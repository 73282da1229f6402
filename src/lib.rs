//! dAMM Lab: a Drift-style virtual AMM engine with reinforcement learning of repeg and k
//! policies. The engine modules are pure Rust with no browser dependency; `wasm` is the
//! thin WebAssembly binding used by the playground page (wasm32 only).

pub mod amm;
pub mod analysis;
pub mod charts;
pub mod config;
pub mod data;
pub mod display;
pub mod learn;
pub mod market;
pub mod mdp;
pub mod ml;
pub mod reward;
pub mod rng;
pub mod session;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
#[cfg(target_arch = "wasm32")]
pub mod wasm_whatif;
