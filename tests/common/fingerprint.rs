//! Fingerprints of seeded runs, shared by the native test (tests/determinism.rs) and the
//! wasm test in headless Chromium (tests/web.rs): a 64-bit FNV-1a hash of the JSON of what
//! a run produces (snapshot with Q, Q*, history and trajectory; the evaluation table with
//! every seed's net; a two-point sweep). serde_json writes f64 with `float_roundtrip`, so
//! equal hashes mean bit-identical numbers. Not a cryptographic hash.

use damm::config::Config;
use damm::session::sweep::{run_point, Axis, Grid};
use damm::session::Session;

/// FNV-1a, 64 bit.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The run every fingerprint is taken of: `preset`, seed 77, few episodes and seeds so the
/// wasm test stays quick.
pub fn config(preset: &str) -> Config {
    let json = format!(
        r#"{{"preset": "{preset}", "seed": 77, "learn": {{"episodes": 300, "qstar_every": 50}},
            "eval": {{"seeds": 12, "first_seed": 900}}}}"#
    );
    let cfg: Config = serde_json::from_str(&json).expect("fingerprint config");
    cfg.validate().expect("fingerprint config is valid");
    cfg
}

/// `(name, hash)` for training, evaluation and a sweep of `preset`.
pub fn fingerprints(preset: &str) -> Vec<(String, u64)> {
    let cfg = config(preset);
    let mut s = Session::new(cfg.clone()).expect("session");
    s.advance_episodes(cfg.learn.episodes);
    s.compute_q_star();
    let snap = serde_json::to_string(&s.snapshot()).expect("snapshot json");
    let eval = serde_json::to_string(&s.evaluate()).expect("eval json");
    let grid = Grid {
        axes: vec![Axis::parse("mdp.episode_len=20,40").expect("axis")],
    };
    let rows: Vec<_> = (0..grid.len())
        .map(|i| run_point(&cfg, &grid, i).expect("sweep point"))
        .collect();
    let sweep = serde_json::to_string(&rows).expect("sweep json");
    vec![
        (format!("{preset}/train"), fnv1a(snap.as_bytes())),
        (format!("{preset}/eval"), fnv1a(eval.as_bytes())),
        (format!("{preset}/sweep"), fnv1a(sweep.as_bytes())),
    ]
}

/// Every preset's fingerprints, in a fixed order.
pub fn all() -> Vec<(String, u64)> {
    ["paper", "control", "band"]
        .iter()
        .flat_map(|p| fingerprints(p))
        .collect()
}
