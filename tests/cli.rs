//! The `damm` CLI end to end: each subcommand's numbers checked against the engine
//! run in-process or against independent values.
#![cfg(not(target_arch = "wasm32"))]

use std::process::Output;

use damm::config::Config;
use damm::session::Session;
use serde_json::Value;

#[path = "common/cli.rs"]
mod cli_runner;
use cli_runner::damm;

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("damm-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn amm_prints_every_state_with_the_reference_numbers() {
    let input = r#"{"amm": {"base_reserve": 1000000, "quote_reserve": 1000000, "peg": 150,
        "total_fee": 100000, "fee_pool": 100000},
        "ops": [{"op": "long_quote", "amount": 50000}, {"op": "repeg", "peg": 151.5}]}"#;
    let out = damm(&["amm"], Some(input));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let states = v.as_array().unwrap();
    assert_eq!(states.len(), 2);
    // Independent arithmetic: q′ = 1e6 + 50000/150, b′ = 1e12/q′, N = 1e6 − b′.
    let q1 = 1e6 + 50_000.0 / 150.0;
    let b1 = 1e12 / q1;
    let n = 1e6 - b1;
    let s0 = &states[0];
    assert!((s0["quote_reserve"].as_f64().unwrap() - q1).abs() < 1e-9);
    assert!((s0["base_filled"].as_f64().unwrap() - n).abs() < 1e-9);
    assert_eq!(s0["fee"].as_f64(), Some(50.0));
    assert_eq!(s0["total_fee"].as_f64(), Some(100_050.0));
    assert!((s0["mark_price"].as_f64().unwrap() - q1 / b1 * 150.0).abs() < 1e-9);
    // Repeg cost (q − k/(b+N))·Δp, subtracted from the pool.
    let cost = (q1 - 1e12 / (b1 + n)) * 1.5;
    let s1 = &states[1];
    assert!((s1["cost"].as_f64().unwrap() - cost).abs() < 1e-6);
    assert!((s1["fee_pool"].as_f64().unwrap() - (100_050.0 - cost)).abs() < 1e-6);
    for field in [
        "base_reserve",
        "quote_reserve",
        "peg",
        "sqrt_k",
        "mark_price",
        "terminal_price",
        "open_interest_long",
        "open_interest_short",
        "net_base",
        "total_fee",
        "fee_pool",
        "fee",
        "cost",
        "base_filled",
        "quote_filled",
    ] {
        assert!(s1[field].is_number(), "missing {field}");
    }
}

#[test]
fn amm_refused_op_prints_earlier_states_and_a_json_error() {
    let input = r#"{"amm": {"base_reserve": 1000, "quote_reserve": 1000, "peg": 1},
        "ops": [{"op": "long_quote", "amount": 10}, {"op": "short_quote", "amount": 5000}]}"#;
    let out = damm(&["amm"], Some(input));
    assert!(!out.status.success());
    let states = json(&out);
    assert_eq!(states.as_array().unwrap().len(), 1);
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["op_index"].as_u64(), Some(1));
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("trade too large"));
    // Malformed input: an error, no panic.
    let out = damm(
        &["amm"],
        Some(r#"{"amm": {"base_reserve": -1}, "ops": []}"#),
    );
    assert_eq!(out.status.code(), Some(2));
    let out = damm(
        &["amm"],
        Some(r#"{"amm": {"base_reserve": -1, "quote_reserve": 1, "peg": 1}, "ops": []}"#),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("base_reserve"));
}

#[test]
fn train_matches_the_engine_and_writes_trajectory_and_charts() {
    let traj = tmp("traj.csv");
    let plots = tmp("plots");
    let out = damm(
        &[
            "train",
            "--episodes",
            "300",
            "--seed",
            "3",
            "--gamma",
            "0.85",
            "--set",
            "mdp.episode_len=50",
            "--trajectory",
            traj.to_str().unwrap(),
            "--plot",
            plots.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["episodes"].as_u64(), Some(300));
    assert_eq!(v["total_steps"].as_u64(), Some(15_000));
    let q: Vec<f64> = serde_json::from_value(v["q"].clone()).unwrap();
    // The same run in-process gives the same numbers.
    let mut cfg =
        Config::from_hash("seed=3&learn.discount=0.85&mdp.episode_len=50&learn.episodes=300")
            .unwrap();
    cfg.learn.episodes = 300;
    let mut s = Session::new(cfg).unwrap();
    s.advance_episodes(300);
    assert_eq!(q, s.agent().q());
    let cmp = s.compute_q_star();
    assert_eq!(v["q_comparison"]["max_error"].as_f64(), Some(cmp.max_error));
    assert_eq!(
        v["history"]["episode_return"].as_array().unwrap().len(),
        300
    );
    // `url` reproduces the run.
    let url = v["url"].as_str().unwrap().to_string();
    let again = json(&damm(&["train", "--url", &url], None));
    assert_eq!(again["q"], v["q"]);
    let csv = std::fs::read_to_string(&traj).unwrap();
    assert_eq!(csv.lines().count(), 1 + 51);
    // The last column is the state each row arrived in: the in-process run's.
    assert!(csv.lines().next().unwrap().ends_with(",state"));
    let states: Vec<u32> = csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    let want: Vec<u32> = s.shown_trajectory().iter().map(|r| r.state).collect();
    assert_eq!(states, want);
    assert!(states.iter().any(|&x| x != states[0]));
    // The control reward values positions at the oracle by default: the note says the
    // adjustment costs are a memo.
    assert!(v["money"].is_object());
    assert!(v["money_note"].as_str().unwrap().contains("at the oracle"));
    for name in damm::charts::CHART_NAMES {
        let svg = std::fs::read_to_string(plots.join(format!("{name}.svg"))).unwrap();
        assert!(svg.starts_with("<svg") && svg.len() > 2_000, "{name}");
    }
}

#[test]
fn train_says_plainly_where_the_money_split_is_scoped_or_does_not_apply() {
    let paper = damm(&["train", "--preset", "paper", "--episodes", "5"], None);
    let v = json(&paper);
    let m = &v["money"];
    let fees = m["fee_uninformed"].as_f64().unwrap()
        + m["fee_informed"].as_f64().unwrap()
        + m["fee_arbitrageur"].as_f64().unwrap();
    let ret = v["history"]["episode_return"][4].as_f64().unwrap();
    assert!((fees - ret).abs() <= 1e-9 * ret.abs(), "{fees} vs {ret}");
    assert_eq!(m["adjustment"].as_f64(), Some(0.0));
    assert!(v["money_note"]
        .as_str()
        .unwrap()
        .contains("fee income only"));
    assert!(String::from_utf8_lossy(&paper.stderr).contains("money: The paper preset"));
    let band = json(&damm(
        &["train", "--preset", "band", "--episodes", "5"],
        None,
    ));
    assert!(band["money"].is_null());
    assert!(band["money_note"]
        .as_str()
        .unwrap()
        .contains("no money split"));
}

#[test]
fn train_rejects_bad_parameters_with_a_message() {
    let out = damm(&["train", "--gamma", "1.2"], None);
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("learn.discount"));
    let out = damm(&["train", "--set", "mdp.bogus=1"], None);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown parameter 'mdp.bogus'"));
}

#[test]
fn eval_compares_three_policies_on_common_seeds() {
    let out = damm(
        &[
            "eval",
            "--episodes",
            "500",
            "--seeds",
            "20",
            "--seed",
            "2",
            "--set",
            "mdp.episode_len=60",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let p = v["policies"].as_array().unwrap();
    let names: Vec<&str> = p.iter().map(|r| r["policy"].as_str().unwrap()).collect();
    assert_eq!(names, ["static", "v1_rule", "drift_v2", "learned"]);
    assert_eq!(p[0]["costs"]["mean"].as_f64(), Some(0.0));
    assert_eq!(p[0]["adjustments"]["mean"].as_f64(), Some(0.0));
    // Same numbers as the engine in-process.
    let mut cfg = Config::from_hash("seed=2&mdp.episode_len=60&eval.seeds=20").unwrap();
    cfg.learn.episodes = 500;
    let mut s = Session::new(cfg).unwrap();
    s.advance_episodes(500);
    let table = s.evaluate();
    for j in p {
        let kind: damm::learn::PolicyKind = serde_json::from_value(j["policy"].clone()).unwrap();
        let e = table.get(kind).unwrap();
        assert_eq!(j["net"]["mean"].as_f64(), Some(e.net.mean));
        assert_eq!(j["seeds"].as_u64(), Some(20));
    }
    let d = table
        .paired(
            damm::learn::PolicyKind::Learned,
            damm::learn::PolicyKind::Static,
        )
        .unwrap();
    assert_eq!(v["learned_minus"]["static"]["mean"].as_f64(), Some(d.mean));
    // The table itself is printed on stderr, by name.
    assert!(String::from_utf8_lossy(&out.stderr).contains("drift_v2"));
}

#[test]
fn fit_volume_recovers_known_coefficients() {
    let path = tmp("fit.csv");
    let mut text = String::from("price,sqrt_k,volume\n");
    for i in 0..40 {
        let price = 100.0 + i as f64;
        let sqrt_k = 1e5 * (1.0 + (i % 7) as f64);
        // volume = 500 + 20·price + 0.3·√(sqrt_k) + a small deterministic wiggle.
        let wiggle = if i % 2 == 0 { 1.0 } else { -1.0 };
        text.push_str(&format!(
            "{price},{sqrt_k},{}\n",
            500.0 + 20.0 * price + 0.3 * sqrt_k.sqrt() + wiggle
        ));
    }
    std::fs::write(&path, text).unwrap();
    let out = damm(
        &[
            "fit-volume",
            "--csv",
            path.to_str().unwrap(),
            "--x",
            "price,sqrt_k",
            "--y",
            "volume",
            "--transform",
            "identity,sqrt",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let beta: Vec<f64> = serde_json::from_value(v["beta"].clone()).unwrap();
    assert!((beta[0] - 500.0).abs() < 5.0, "{beta:?}");
    assert!((beta[1] - 20.0).abs() < 0.05, "{beta:?}");
    assert!((beta[2] - 0.3).abs() < 0.01, "{beta:?}");
    assert!(v["r_squared"].as_f64().unwrap() > 0.999);
    assert_eq!(v["terms"][2], "sqrt(sqrt_k)");
    assert_eq!(v["n"].as_u64(), Some(40));
    // A missing column names itself.
    let out = damm(
        &["fit-volume", "--csv", path.to_str().unwrap(), "--x", "nope"],
        None,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing column 'nope'"));
}

#[test]
fn data_subcommands_report_the_bundled_history() {
    let s = json(&damm(&["data", "summary"], None));
    assert_eq!(s["summary"]["records"].as_u64(), Some(347));
    assert_eq!(s["summary"]["funding_records"].as_u64(), Some(7120));
    assert_eq!(s["summary"]["markets"].as_array().unwrap().len(), 8);
    assert_eq!(s["volume_regression"].as_array().unwrap().len(), 4);
    let total: f64 = s["summary"]["total_cost"].as_f64().unwrap();
    assert!((total - 87_032.0).abs() < 1.0, "{total}");
    let e = json(&damm(&["data", "events", "--max-cost-share", "0.01"], None));
    assert_eq!(e["events"].as_u64(), Some(333));
    assert_eq!(e["successes"].as_u64(), Some(133));
    let c = json(&damm(
        &["data", "classify", "--folds", "5", "--seed", "42"],
        None,
    ));
    assert_eq!(c["scores"][1]["model"], "knn");
    assert!(
        (c["scores"][1]["metrics"]["accuracy"].as_f64().unwrap() - 0.6306306306306306).abs()
            < 1e-12
    );
    let p = json(&damm(&["data", "predict"], None));
    assert!((p["mae_no_change"].as_f64().unwrap() - 1.678374493882172).abs() < 1e-9);
    let fv = json(&damm(&["fit-volume"], None));
    assert!((fv[3]["r_squared"].as_f64().unwrap() - 0.04301591721579523).abs() < 1e-9);
    let r = json(&damm(
        &["data", "recommend", "--episodes", "300", "--seed", "1"],
        None,
    ));
    // The same recommendation computed in-process, to the last digit.
    {
        use damm::analysis::dataset::bundled;
        use damm::analysis::{Dataset, PREDICT_SEED, PREDICT_WINDOW};
        let ds = Dataset::parse(bundled::CURVE_HISTORY, bundled::FUNDING_HISTORY).unwrap();
        let mut cfg = Config::from_hash("seed=1&learn.episodes=300").unwrap();
        cfg.traders.volume = ds.best_volume_model().unwrap();
        let mut s = Session::new(cfg).unwrap();
        s.advance_episodes(300);
        s.step_greedy(50);
        let rule = damm::data::events::LabelRule::default();
        let classifier = ds.success_model(&rule).unwrap();
        let (net, _) = ds.predict(PREDICT_WINDOW, PREDICT_SEED);
        let rec = damm::analysis::ensemble::recommend(
            s.env(),
            s.agent().q(),
            s.shown_trajectory(),
            Some(&classifier),
            Some(&net),
            0.5,
        );
        // NaN (unavailable actions) serialise as null on both sides.
        assert_eq!(r["recommendation"], serde_json::to_value(&rec).unwrap());
    }
    assert!((r["volume_model"]["beta0"].as_f64().unwrap() - 223_272.726_460_683_74).abs() < 1e-6);
    // A malformed file names its line and column.
    let bad = tmp("bad-curve.csv");
    std::fs::write(&bad, "ts,record_id\n1,2\n").unwrap();
    let out = damm(&["data", "summary", "--curve", bad.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing column 'market_index'"));
}

#[test]
fn train_can_replay_a_drift_oracle() {
    let out = damm(
        &["train", "--oracle-market", "BTC", "--episodes", "20"],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let series = v["config"]["oracle"]["series"].as_array().unwrap();
    assert_eq!(series.len(), 1293, "BTC has 1,293 hourly funding records");
    assert!((series[0].as_f64().unwrap() - 57_000.0).abs() < 3_000.0);
    let out = damm(&["train", "--oracle-market", "DOGE"], None);
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected one of SOL, BTC"));
}

#[test]
fn an_oracle_market_run_replays_from_its_printed_url() {
    // The URL a --oracle-market run prints carries the replayed series, so the link
    // reproduces the run (it used to replay a GBM instead).
    let args = [
        "train",
        "--oracle-market",
        "SOL",
        "--episodes",
        "40",
        "--seed",
        "3",
        "--episode-len",
        "30",
    ];
    let a = json(&damm(&args, None));
    let url = a["url"].as_str().unwrap().to_string();
    assert!(
        url.contains("oracle.series="),
        "{}",
        &url[..url.len().min(200)]
    );
    let b = json(&damm(&["train", "--url", &url], None));
    assert_eq!(a["q"], b["q"]);
    assert_eq!(
        a["history"]["episode_return"],
        b["history"]["episode_return"]
    );
    // And it differs from the GBM run with the same seed.
    let gbm = json(&damm(
        &[
            "train",
            "--episodes",
            "40",
            "--seed",
            "3",
            "--episode-len",
            "30",
        ],
        None,
    ));
    assert_ne!(a["q"], gbm["q"]);
}

#[test]
fn sweep_shards_merge_to_the_unsharded_result_and_rows_match_eval() {
    let common = [
        "sweep",
        "--grid",
        "traders.informed_prob=0:1:0.5",
        "--grid",
        "oracle.volatility=0.01,0.02",
        "--episodes",
        "300",
        "--seeds",
        "20",
        "--episode-len",
        "40",
    ];
    let whole = tmp("sweep-whole.json");
    let out = damm(
        &[&common[..], &["--out", whole.to_str().unwrap()]].concat(),
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut parts = Vec::new();
    for i in 0..3 {
        let p = tmp(&format!("sweep-shard{i}.json"));
        let shard = format!("{i}/3");
        let out = damm(
            &[
                &common[..],
                &[
                    "--shard",
                    &shard,
                    "--threads",
                    "1",
                    "--out",
                    p.to_str().unwrap(),
                ],
            ]
            .concat(),
            None,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        parts.push(p);
    }
    let merged = tmp("sweep-merged.json");
    let mut args = vec!["sweep-merge", "--out", merged.to_str().unwrap()];
    // Out of order on purpose.
    for p in parts.iter().rev() {
        args.push(p.to_str().unwrap());
    }
    let out = damm(&args, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a = std::fs::read_to_string(&whole).unwrap();
    let b = std::fs::read_to_string(&merged).unwrap();
    assert_eq!(a, b, "merged shards differ from the unsharded sweep");
    let v: Value = serde_json::from_str(&a).unwrap();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    // A row's numbers are `damm eval --url <its url>`'s, to the last digit.
    let row = &rows[3];
    let e = json(&damm(
        &["eval", "--url", row["url"].as_str().unwrap()],
        None,
    ));
    for (p, q) in row["policies"]
        .as_array()
        .unwrap()
        .iter()
        .zip(e["policies"].as_array().unwrap())
    {
        assert_eq!(p["policy"], q["policy"]);
        assert_eq!(p["net"], q["net"]);
        assert_eq!(p["adjustments"], q["adjustments"]);
    }
    // Q* too: both compute the final Q* by the same procedure (`Session::final_q_star`).
    assert_eq!(row["q_relative_error"], e["q_comparison"]["relative_error"]);
    // An overlapping shard set is refused.
    let out = damm(
        &[
            "sweep-merge",
            parts[0].to_str().unwrap(),
            parts[0].to_str().unwrap(),
        ],
        None,
    );
    assert!(!out.status.success());
}

/// `damm bench --quick` runs every figure at tiny sizes and emits every key BENCHMARKS.md
/// reads (the numbers themselves depend on the machine and are not asserted).
#[test]
fn bench_quick_emits_every_figure() {
    let out = damm(&["bench", "--quick"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let positive = |path: &[&str]| {
        let x = path
            .iter()
            .try_fold(&v, |v, k| v.get(k))
            .and_then(Value::as_f64)
            .unwrap_or_else(|| panic!("missing number {path:?} in {v}"));
        assert!(x.is_finite() && x > 0.0, "{path:?} = {x}");
    };
    for run in ["paper", "paper_qstar", "control", "control_qstar"] {
        for k in ["steps", "seconds", "steps_per_s", "ns_per_step"] {
            positive(&["training", run, k]);
        }
    }
    for k in ["steps", "seconds", "steps_per_s", "ns_per_step"] {
        positive(&["minimal_loop", k]);
    }
    // The peer runs when python3 is on PATH; otherwise it says why it was skipped.
    let py = &v["python_peer"];
    assert!(
        py["steps_per_s"].as_f64().is_some_and(|x| x > 0.0) || py["skipped"].is_string(),
        "{py}"
    );
    for k in [
        "cold_ms",
        "cold_sweeps",
        "cadence_ms",
        "cadence_sweeps",
        "train_100_episodes_ms",
    ] {
        assert!(v["value_iteration"][k].is_number(), "value_iteration.{k}");
    }
    for k in ["train_s", "final_q_star_s", "evaluate_s", "total_s"] {
        positive(&["eval", k]);
    }
    positive(&["charts", "ms_per_frame"]);
    for k in ["threads_1_s", "threads_2_s", "speedup"] {
        positive(&["sweep", k]);
    }
    for k in [
        "paper_vs_minimal",
        "control_vs_minimal",
        "qstar_overhead_paper",
        "qstar_overhead_control",
    ] {
        assert!(v["ratios"][k].is_number(), "ratios.{k}");
    }
    positive(&["machine", "nproc"]);
    assert!(v["machine"]["cpu"].is_string());
    let targets = v["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 7);
    assert!(targets
        .iter()
        .all(|t| t["goal"].is_string() && t["target"].is_string()));
}
