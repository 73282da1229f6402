//! Hostile inputs at every native entry point: config JSON, the URL hash, CLI flags,
//! `damm amm` scripts and the CSV import. Each row of `docs/hostile-inputs.md` (but the page
//! controls', which `tests/e2e/run.mjs` checks) is a row of a table here: the input, the
//! exact message it gets, and a check that the state before is unchanged (the config it
//! was applied to, the `--out` file of the CLI, the AMM state before a refused op).
//! Extreme-but-legal inputs are accepted and checked for what they do instead.
//!
//! Also here: the fuzz targets' invariants (`fuzz/src/lib.rs`, included as a module) run on
//! every input kept under `tests/fixtures/fuzz/`, so what the fuzzer found stays fixed.
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use damm::amm::ops::{self, Script};
use damm::config::Config;
use damm::session::Session;

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod invariants;

/// What `docs/hostile-inputs.md` says; every message in the tables below appears there.
const DOC: &str = include_str!("../docs/hostile-inputs.md");

/// Asserts the doc's table has a row holding both the input and the message.
fn documented(input: &str, message: &str) {
    let esc = |s: &str| s.replace('|', "\\|");
    let (i, m) = (esc(input), esc(message));
    assert!(
        DOC.lines()
            .any(|l| l.starts_with('|') && l.contains(&format!("`{i}`")) && l.contains(&m)),
        "docs/hostile-inputs.md has no row with input `{i}` and message {m}"
    );
}

/// The table's rows with owned messages.
fn owned<T: Copy>(rows: &[(T, &str)]) -> Vec<(T, String)> {
    rows.iter().map(|(i, m)| (*i, m.to_string())).collect()
}

// ---------------------------------------------------------------------------------------
// The CLI.

#[path = "common/cli.rs"]
mod cli_runner;
use cli_runner::damm;

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("damm-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// An `--out` file holding a sentinel: a refused run must leave it as it was.
fn sentinel(name: &str) -> PathBuf {
    let p = tmp(name);
    std::fs::write(&p, "previous output\n").unwrap();
    p
}

fn assert_sentinel(p: &Path) {
    assert_eq!(
        std::fs::read_to_string(p).unwrap(),
        "previous output\n",
        "a refused run wrote {}",
        p.display()
    );
}

/// The message of the CLI's JSON error on stderr, checking the exit status.
fn cli_error(out: &Output, code: i32) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    let v: serde_json::Value = serde_json::from_str(stderr.trim())
        .unwrap_or_else(|e| panic!("stderr is not one JSON error ({e}): {stderr}"));
    v["error"]["message"].as_str().unwrap().to_string()
}

// ---------------------------------------------------------------------------------------
// Config JSON: `Config::from_json`, and `damm train --config FILE`.

/// (input, exact message). `damm train --config F` prints `F: ` before the message.
/// 200 nested arrays where a list of prices belongs (refused at the first inner array).
/// How the doc writes `NESTED`.
const NESTED_LABEL: &str = r#"{"oracle":{"series":[[[…]]]}} (200 nested arrays)"#;
const NESTED: &str = concat!(
    r#"{"oracle":{"series":"#,
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
);

fn config_json_cases() -> Vec<(&'static str, String)> {
    owned(&[
    (
        r#"{"learn":{"discount":1}}"#,
        "learn.discount = 1: must be in [0, 1)",
    ),
    (
        r#"{"market":{"sqrt_k":1e300}}"#,
        "market.sqrt_k = 1e300: must be in [10, 1000000000000]",
    ),
    (
        r#"{"market":{"peg":1e-300}}"#,
        "market.peg = 1e-300: must be in [0.0001, 10000000]",
    ),
    (
        r#"{"learn":{"discount":"0.9"}}"#,
        "cannot parse config: invalid type: string \"0.9\", expected f64 at line 1 column 26",
    ),
    (
        r#"{"learn":{"discount":1e400}}"#,
        "cannot parse config: number out of range at line 1 column 26",
    ),
    (
        r#"{"traders":{"informed_prob":NaN}}"#,
        "cannot parse config: expected value at line 1 column 29",
    ),
    (
        r#"{"nope":1}"#,
        "cannot parse config: unknown field `nope`, expected one of `preset`, `seed`, `market`, `mdp`, `oracle`, `traders`, `learn`, `eval`, `drift_v2`, `band` at line 1 column 7",
    ),
    (
        r#"{"seed":-1}"#,
        "cannot parse config: invalid value: integer `-1`, expected u32 at line 1 column 10",
    ),
    (
        r#"{"seed":4294967296}"#,
        "cannot parse config: invalid value: integer `4294967296`, expected u32 at line 1 column 18",
    ),
    (
        r#"{"mdp":{"k_levels":4}}"#,
        "mdp.k_levels = 4: must be an odd integer in [1, 15]",
    ),
    (
        r#"{"mdp":{"episode_len":0}}"#,
        "mdp.episode_len = 0: must be an integer in [1, 100000]",
    ),
    (
        r#"{"mdp":{"kappa":0.5}}"#,
        "mdp.kappa = 0.5: k down would cut √k by more than market.rules.min_k_ratio allows",
    ),
    (
        r#"{"oracle":{"series":[150,-2]}}"#,
        "oracle.series = -2: every price must be positive and finite",
    ),
    (
        r#"{"market":{"fee_pool":-1}}"#,
        "market.fee_pool = -1: must be in [0, 1000000000000]",
    ),
    (
        r#"{"preset":"bandit"}"#,
        "cannot parse config: unknown variant `bandit`, expected one of `paper`, `control`, `band` at line 1 column 18",
    ),
    ("", "cannot parse config: EOF while parsing a value at line 1 column 0"),
    (
        NESTED,
        "cannot parse config: invalid type: sequence, expected f64 at line 1 column 21",
    ),
    ])
}

#[test]
fn config_json_refusals_name_the_field_and_change_nothing() {
    let base = Config::default();
    for (input, msg) in config_json_cases() {
        let e = Config::from_json(input).unwrap_err();
        assert_eq!(e.to_string(), msg, "input {input}");
        assert_eq!(base, Config::default());
        let label = if input == NESTED { NESTED_LABEL } else { input };
        documented(label, &msg);
    }
}

#[test]
fn config_json_refusals_on_the_cli_leave_the_output_alone() {
    for (i, (input, msg)) in config_json_cases().iter().enumerate() {
        let cfg = tmp(&format!("config-{i}.json"));
        std::fs::write(&cfg, input).unwrap();
        let out_file = sentinel(&format!("config-{i}.out"));
        let out = damm(
            &[
                "train",
                "--config",
                cfg.to_str().unwrap(),
                "--episodes",
                "0",
                "--out",
                out_file.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(
            cli_error(&out, 2),
            format!("{}: {msg}", cfg.display()),
            "input {input}"
        );
        assert!(out.stdout.is_empty());
        assert_sentinel(&out_file);
    }
}

/// Extreme but legal: the largest state space the registry allows.
const LARGEST_STATE_SPACE: &str = r#"{"mdp":{"imbalance_bins":64,"gap_bins":64,"k_levels":15}}"#;

#[test]
fn config_json_extremes_are_accepted() {
    let cfg = Config::from_json(LARGEST_STATE_SPACE).unwrap();
    let mut s = Session::new(cfg).unwrap();
    s.advance(1_000);
    assert_eq!(s.snapshot().n_states, 64 * 64 * 15);
    documented(LARGEST_STATE_SPACE, "accepted: 61,440 states");
}

// ---------------------------------------------------------------------------------------
// The URL hash: `Config::from_hash` (the page's `#…`), and `damm train --url`.

fn url_hash_cases() -> Vec<(&'static str, String)> {
    owned(&[
        (
            "market.sqrt_k=1e300",
            "market.sqrt_k = 1e300: must be in [10, 1000000000000]",
        ),
        (
            "market.peg=1e-300",
            "market.peg = 1e-300: must be in [0.0001, 10000000]",
        ),
        ("learn.discount=1", "learn.discount = 1: must be in [0, 1)"),
        (
            "learn.discount=NaN",
            "learn.discount = 'NaN': not a finite number",
        ),
        (
            "learn.discount=inf",
            "learn.discount = 'inf': not a finite number",
        ),
        (
            "learn.discount=%FF",
            "learn.discount = '\u{FFFD}': not a number",
        ),
        ("learn.discount", "learn.discount = '': not a number"),
        ("foo=1", "unknown parameter 'foo'"),
        ("%ZZ=1", "unknown parameter '%ZZ'"),
        (
            "seed=4294967296",
            "seed = 4294967296: must be an integer in [0, 4294967295]",
        ),
        (
            "seed=1.5",
            "seed = 1.5: must be an integer in [0, 4294967295]",
        ),
        (
            "preset=evil",
            "preset = 'evil': expected one of paper, control, band",
        ),
        (
            "mdp.funding=maybe",
            "mdp.funding = 'maybe': expected true or false",
        ),
        (
            "oracle.series=150,abc",
            "oracle.series = 'abc': not a number",
        ),
        (
            "oracle.series=150,0",
            "oracle.series = 0: every price must be positive and finite",
        ),
        (
            "traders.uninformed_prob=1.7",
            "traders.uninformed_prob = 1.7: must be in [0, 1]",
        ),
        (
            "mdp.kappa=0.5",
            "mdp.kappa = 0.5: k down would cut √k by more than market.rules.min_k_ratio allows",
        ),
        (
            "mdp.imbalance_bins=65",
            "mdp.imbalance_bins = 65: must be an integer in [1, 64]",
        ),
    ])
}

#[test]
fn url_hash_refusals_name_the_field() {
    for (input, msg) in url_hash_cases() {
        let e = Config::from_hash(input).unwrap_err();
        assert_eq!(e.to_string(), msg, "hash {input}");
        // The page applies one edit at a time with `with_param`: the run's config stays.
        let before = Config::from_hash("seed=9&learn.discount=0.8").unwrap();
        let kept = before.clone();
        if let Some((k, v)) = input.split_once('=') {
            let _ = before.with_param(k, v);
        }
        assert_eq!(before, kept);
        documented(input, &msg);
    }
}

#[test]
fn url_hash_refusals_on_the_cli_leave_the_output_alone() {
    for (i, (input, msg)) in url_hash_cases().iter().enumerate() {
        let out_file = sentinel(&format!("url-{i}.out"));
        let out = damm(
            &[
                "train",
                "--url",
                input,
                "--episodes",
                "0",
                "--out",
                out_file.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(cli_error(&out, 2), format!("--url: {msg}"), "hash {input}");
        assert_sentinel(&out_file);
    }
}

/// γ a hair below 1 used to freeze the page: value iteration ran up to 100,000 sweeps
/// each time Q* was due. It is legal, and now Q* stops at the sweep cap.
const HAIR_BELOW_ONE: &str = "learn.discount=0.9999999999";

#[test]
fn a_discount_a_hair_below_one_is_accepted_and_q_star_returns_promptly() {
    let cfg = Config::from_hash(HAIR_BELOW_ONE).unwrap();
    assert_eq!(cfg.learn.discount, 0.9999999999);
    let mut s = Session::new(cfg).unwrap();
    s.advance_episodes(200);
    let t = Instant::now();
    let cmp = s.compute_q_star();
    let took = t.elapsed();
    assert!(cmp.max_error.is_finite() && cmp.q_star_norm.is_finite());
    assert!(took < Duration::from_secs(20), "Q* took {took:?}");
    // What the session gets from the model: the capped, unconverged report.
    let (_, report) = s.model().q_star_report(
        0.9999999999,
        1e-10,
        None,
        damm::learn::model::DEFAULT_MAX_SWEEPS,
    );
    assert!(!report.converged, "{report:?}");
    assert_eq!(report.sweeps, damm::learn::model::DEFAULT_MAX_SWEEPS);
    documented(HAIR_BELOW_ONE, "accepted");
}

#[test]
fn a_long_hash_of_repeated_pairs_is_accepted_and_the_last_wins() {
    let hash = "seed=1&".repeat(100_000) + "seed=2";
    let cfg = Config::from_hash(&hash).unwrap();
    assert_eq!(cfg.seed, 2);
    assert_eq!(cfg.to_hash(), "seed=2");
    documented("seed=1&… (100,000 times)&seed=2", "accepted: seed = 2");
}

// ---------------------------------------------------------------------------------------
// CLI flags.

/// (args, exact message); each run also gets `--out SENTINEL`, left unchanged.
fn cli_flag_cases() -> Vec<(&'static [&'static str], String)> {
    owned(&[
        (
            &["train", "--gamma", "1"],
            "learn.discount = 1: must be in [0, 1)",
        ),
        (
            &["train", "--episodes", "-5"],
            "learn.episodes = -5: must be an integer in [0, 10000000]",
        ),
        (
            &["train", "--sqrt-k", "1e300"],
            "market.sqrt_k = 1e300: must be in [10, 1000000000000]",
        ),
        (
            &["train", "--peg", "1e-300"],
            "market.peg = 1e-300: must be in [0.0001, 10000000]",
        ),
        (
            &["train", "--informed", "abc"],
            "traders.informed_prob = 'abc': not a number",
        ),
        (
            &["train", "--uninformed", "-0.5"],
            "traders.uninformed_prob = -0.5: must be in [0, 1]",
        ),
        (
            &["train", "--set", "mdp.kappa"],
            "--set mdp.kappa: expected path=value",
        ),
        (
            &["train", "--set", "mdp.nope=1"],
            "unknown parameter 'mdp.nope'",
        ),
        (
            &["train", "--config", "/nonexistent/run.json"],
            "/nonexistent/run.json: No such file or directory (os error 2)",
        ),
        (
            &["train", "--config", "/dev/null", "--url", "seed=1"],
            "give --config or --url, not both",
        ),
        (
            &["train", "--oracle-market", "DOGE"],
            "--oracle-market DOGE: expected one of SOL, BTC, ETH, LUNA, AVAX, BNB, MATIC, ATOM",
        ),
        (
            &["train", "--oracle-market", "9"],
            "--oracle-market 9: no oracle prices for market 9",
        ),
        (
            &["eval", "--seeds", "0"],
            "eval.seeds = 0: must be an integer in [1, 100000]",
        ),
        (
            &["data", "predict", "--window", "0"],
            "--window 0: must be 1..=32",
        ),
        (
            &["data", "events", "--max-cost-share", "NaN"],
            "label thresholds must be finite numbers",
        ),
    ])
}

#[test]
fn cli_flag_refusals_name_the_flag_and_leave_the_output_alone() {
    for (i, (args, msg)) in cli_flag_cases().iter().enumerate() {
        let out_file = sentinel(&format!("flags-{i}.out"));
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["--out", out_file.to_str().unwrap()]);
        let out = damm(&a, None);
        assert_eq!(&cli_error(&out, 2), msg, "args {args:?}");
        assert!(out.stdout.is_empty());
        assert_sentinel(&out_file);
        documented(&args.join(" "), msg);
    }
}

#[test]
fn cli_fit_volume_refuses_an_unknown_transform() {
    let csv = tmp("fit.csv");
    std::fs::write(&csv, "price,sqrt_k,volume\n1,2,3\n2,3,5\n3,5,8\n4,7,9\n").unwrap();
    let out_file = sentinel("fit.out");
    let out = damm(
        &[
            "fit-volume",
            "--csv",
            csv.to_str().unwrap(),
            "--transform",
            "cube",
            "--out",
            out_file.to_str().unwrap(),
        ],
        None,
    );
    let msg = "--transform cube: expected identity or sqrt";
    assert_eq!(cli_error(&out, 2), msg);
    assert_sentinel(&out_file);
    documented("fit-volume --csv F --transform cube", msg);
}

#[test]
fn cli_gamma_a_hair_below_one_finishes() {
    let t = Instant::now();
    let out = damm(
        &["train", "--gamma", "0.9999999999", "--episodes", "200"],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["episodes"].as_u64(), Some(200));
    assert!(v["q_comparison"]["max_error"].is_number());
    assert!(t.elapsed() < Duration::from_secs(60), "{:?}", t.elapsed());
    documented("train --gamma 0.9999999999 --episodes 200", "accepted");
}

// ---------------------------------------------------------------------------------------
// `damm amm` scripts.

const MARKET: &str =
    r#""amm":{"base_reserve":1e6,"quote_reserve":1e6,"peg":150,"total_fee":1000,"fee_pool":600}"#;

/// (ops, exact message of the refused op, its index). Malformed JSON is separate (exit 2).
const AMM_OPS: &[(&str, &str, usize)] = &[
    (r#"{"op":"repeg","peg":0}"#, "invalid peg: 0 (must be a positive finite number)", 0),
    (r#"{"op":"repeg","peg":-150}"#, "invalid peg: -150 (must be a positive finite number)", 0),
    (r#"{"op":"repeg","peg":150}"#, "repeg to the current peg 150 changes nothing", 0),
    (r#"{"op":"long_quote","amount":-1}"#, "invalid amount: -1 (must be a positive finite number)", 0),
    (r#"{"op":"long_quote","amount":0}"#, "invalid amount: 0 (must be a positive finite number)", 0),
    (r#"{"op":"short_quote","amount":2e8}"#, "trade too large: a short of 200000000 USD needs 1333333.3333333333 quote units but the reserve holds 1000000", 0),
    (r#"{"op":"long_base","amount":1e6}"#, "trade too large: a long of 1000000 base units needs more than the base reserve 1000000", 0),
    (r#"{"op":"update_k","sqrt_k":5e5}"#, "k update too large: sqrt_k ratio 0.5 is below the minimum 0.975", 0),
    (r#"{"op":"update_k","sqrt_k":0}"#, "invalid sqrt_k: 0 (must be a positive finite number)", 0),
    // b·Δq overflows: refused as an unclosable position (the message is odd, the state safe).
    (r#"{"op":"long_quote","amount":1e308}"#, "trade too large: 1e308 USD is beyond what the curve can fill in f64", 0),
    (r#"{"op":"long_quote","amount":50000},{"op":"repeg","peg":160}"#, "insufficient fee pool: cost 3333.333333 USD exceeds the spendable 125.000000 USD", 1),
];

fn script(ops: &str) -> String {
    format!("{{{MARKET},\"ops\":[{ops}]}}")
}

#[test]
fn amm_refused_ops_keep_the_state() {
    for (ops, msg, index) in AMM_OPS {
        let input = script(ops);
        let s: Script = serde_json::from_str(&input).unwrap();
        let (records, failure) = ops::run(&s);
        let f = failure.unwrap_or_else(|| panic!("accepted: {ops}"));
        assert_eq!(f.message, *msg, "ops {ops}");
        assert_eq!(f.op_index, *index);
        assert_eq!(records.len(), *index);
        // The replay checks a refused op leaves the market bit for bit as it was.
        let r = invariants::replay_ops(&s);
        assert_eq!(r.failed_at, Some(*index));
        // The CLI: earlier states on stdout, the error on stderr, exit 1, --out has the
        // earlier states only.
        let out = damm(&["amm"], Some(&input));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        let v: serde_json::Value = serde_json::from_str(stderr.trim()).unwrap();
        assert_eq!(v["error"]["message"].as_str(), Some(*msg));
        assert_eq!(v["error"]["op_index"].as_u64(), Some(*index as u64));
        let printed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(printed.len(), *index);
        documented(ops, msg);
    }
}

/// (input, exact message): whole scripts the CLI refuses before running anything (exit 1 for
/// a bad initial market, 2 for malformed input).
const AMM_SCRIPTS: &[(&str, &str, i32)] = &[
    (
        r#"{"amm":{"base_reserve":1e6,"quote_reserve":1e6,"peg":150,"sqrt_k":2e6},"ops":[]}"#,
        "initial market: invalid sqrt_k: 2000000 (sqrt_k² must equal base_reserve·quote_reserve (1e-9 relative))",
        1,
    ),
    (
        r#"{"amm":{"base_reserve":1e6,"quote_reserve":1e6,"peg":150,"fee_rate":1},"ops":[]}"#,
        "initial market: invalid fee_rate: 1 (must be below 1)",
        1,
    ),
    (
        r#"{"amm":{"base_reserve":1e6,"quote_reserve":1e6,"peg":150,"net_base":-1e6},"ops":[]}"#,
        "initial market: net position -1000000 cannot be closed against a base reserve of 1000000",
        1,
    ),
    (
        r#"{"amm":{"base_reserve":1e6,"quote_reserve":1e6,"peg":150},"ops":[{"op":"teleport"}]}"#,
        "invalid input: unknown variant `teleport`, expected one of `long_quote`, `short_quote`, `long_base`, `short_base`, `repeg`, `update_k` at line 1 column 81",
        2,
    ),
    (
        r#"{"amm":{"base_reserve":1e6,"quote_reserve":1e6,"peg":150},"ops":[{"op":"long_quote","amount":1e400}]}"#,
        "invalid input: number out of range at line 1 column 98",
        2,
    ),
];

#[test]
fn amm_refused_scripts_print_no_state() {
    for (input, msg, code) in AMM_SCRIPTS {
        let out_file = sentinel("amm-script.out");
        let out = damm(&["amm", "--out", out_file.to_str().unwrap()], Some(input));
        assert_eq!(&cli_error(&out, *code), msg, "input {input}");
        if *code == 2 {
            assert_sentinel(&out_file);
        } else {
            // A bad initial market: the (empty) list of states is written, nothing else.
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
            assert_eq!(v, serde_json::json!([]));
        }
        documented(input, msg);
    }
}

/// A peg of 1e-300 is positive and finite, so a repeg to it is legal; with no net position
/// it costs nothing, and the mark follows it down.
#[test]
fn amm_repeg_to_1e_minus_300_is_accepted() {
    let input = script(r#"{"op":"repeg","peg":1e-300}"#);
    let s: Script = serde_json::from_str(&input).unwrap();
    let r = invariants::replay_ops(&s);
    assert_eq!(r.failed_at, None);
    let st = r.records[0].state;
    assert_eq!(st.peg, 1e-300);
    assert_eq!(r.records[0].fill.cost, 0.0);
    assert!((st.mark_price - 1e-300).abs() <= 1e-309);
    documented(r#"{"op":"repeg","peg":1e-300}"#, "accepted: peg 1e-300");
}

/// A real bug in `src/amm/mod.rs` found by a hostile input: a market with infinite numbers,
/// replayed through the fuzz target's invariants.
#[test]
fn amm_huge_reserves_overflow_to_infinity() {
    let s: Script = serde_json::from_str(
        r#"{"amm":{"base_reserve":1e300,"quote_reserve":1e300,"peg":1},"ops":[]}"#,
    )
    .unwrap();
    let r = invariants::replay_ops(&s);
    assert_eq!(r.failed_at, Some(0), "an infinite market must be refused");
}

// ---------------------------------------------------------------------------------------
// CSV import: `damm::data::parse_curve_history` (the page's upload) and `--curve FILE`.

fn curve_lines() -> Vec<String> {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/curve_history_hist.csv"
    ))
    .unwrap()
    .lines()
    .take(4)
    .map(String::from)
    .collect()
}

/// (name, how the bundled head is broken, exact message).
fn csv_cases() -> Vec<(&'static str, String, &'static str)> {
    let l = curve_lines();
    let header = l[0].clone();
    let row = l[1].clone();
    let renamed = header.replacen("sqrt_k_before", "sqrtk_before", 1);
    let cells: Vec<&str> = row.split(',').collect();
    let with = |i: usize, v: &str| {
        let mut c = cells.clone();
        c[i] = v;
        format!("{header}\n{}\n", c.join(","))
    };
    let doubled = (cells[7].parse::<u128>().unwrap() * 2).to_string();
    vec![
        ("empty file", String::new(), "the file is empty"),
        ("header only", format!("{header}\n"), "the file has a header but no data rows"),
        (
            "fixed-point peg written as a decimal",
            format!("{header}\n{}\n", row.replacen(",57190823,", ",57.19,", 1)),
            "line 2, column 'peg_multiplier_before': '57.19' is not an integer: raw Drift fields are fixed-point integers (already converted?)",
        ),
        (
            "a column missing",
            format!("{renamed}\n{row}\n"),
            "missing column 'sqrt_k_before' (found: ,ts,record_id,market_index,peg_multiplier_before,base_asset_reserve_before,quote_asset_reserve_before,sqrtk_before,peg_multiplier_after,base_asset_reserve_after,quote_asset_reserve_after,sqrt_k_after,base_asset_amount_long,base_asset_amount_short,base_asset_amount,open_interest,total_fee,total_fee_minus_distributions,adjustment_cost)",
        ),
        ("a negative peg", with(4, "-57190823"), "line 2, column 'peg_multiplier_before': '-57190823' must be positive"),
        ("sqrt_k_before doubled", with(7, &doubled), "line 2, column 'sqrt_k_before': '1846450085182368' does not satisfy base·quote = sqrt_k² (wrong column or units?)"),
        ("binary bytes", "\u{0}\u{1}\u{2}\u{fffd}".into(), "the file has a header but no data rows"),
    ]
}

#[test]
fn csv_refusals_name_line_and_column_and_keep_the_previous_data() {
    for (name, text, msg) in csv_cases() {
        let e = damm::data::parse_curve_history(&text).unwrap_err();
        assert_eq!(e.to_string(), msg, "{name}");
        // The CLI keeps its previous output.
        let f = tmp("upload.csv");
        std::fs::write(&f, &text).unwrap();
        let out_file = sentinel("csv.out");
        let out = damm(
            &[
                "data",
                "summary",
                "--curve",
                f.to_str().unwrap(),
                "--out",
                out_file.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(cli_error(&out, 2), format!("{}: {msg}", f.display()));
        assert_sentinel(&out_file);
        documented(name, msg);
    }
}

// ---------------------------------------------------------------------------------------
// The fuzzer's findings: every file under tests/fixtures/fuzz/TARGET is replayed through
// the target's invariants.

fn fuzz_fixtures(target: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let bytes = std::fs::read(e.path()).ok()?;
            Some((
                e.file_name().to_string_lossy().into_owned(),
                String::from_utf8(bytes).ok()?,
            ))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn fuzz_fixtures_keep_their_invariants() {
    for (name, text) in fuzz_fixtures("config_hash") {
        if let Ok(cfg) = Config::from_hash(&text) {
            invariants::check_config(&cfg);
        }
        let _ = name;
    }
    for (_, text) in fuzz_fixtures("config_json") {
        if let Ok(cfg) = Config::from_json(&text) {
            invariants::check_config(&cfg);
        }
    }
    for (name, text) in fuzz_fixtures("amm_ops") {
        if name.starts_with("bug-") {
            continue; // replayed by the ignored tests above
        }
        if let Ok(s) = serde_json::from_str::<Script>(&text) {
            let (records, failure) = ops::run(&s);
            let r = invariants::replay_ops(&s);
            assert_eq!(records, r.records, "{name}");
            assert_eq!(failure.map(|f| f.op_index), r.failed_at, "{name}");
        }
    }
    for (_, text) in fuzz_fixtures("csv_import") {
        if let Ok(events) = damm::data::parse_curve_history(&text) {
            let _ = damm::data::events::label_events(&events, &[], &Default::default());
        }
        let _ = damm::data::parse_funding_history(&text);
    }
}
