//! `damm bench`: the speed figures of BENCHMARKS.md in one JSON document — training
//! steps/s of the paper and control presets with and without the Q* cadence, the minimal
//! loop (`minimal`) and the plain-Python peer (`benches/peer/paper_step.py`, run as a
//! subprocess) as yardsticks from the same run, value iteration on the default model,
//! `damm eval` at the defaults, chart drawing, and a sweep on 1 and 2 threads. Timing
//! only: the numbers it trains are the engine's and are not printed here.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use damm::config::Config;
use damm::mdp::Preset;
use damm::session::sweep::{self, Axis, Grid};
use damm::session::Session;
use rayon::prelude::*;
use serde_json::{json, Value};

use crate::minimal;
use crate::output::{emit, CliResult};

/// How much work each figure gets.
struct Sizes {
    /// Training episodes per preset run (100 steps each).
    episodes: u32,
    /// Timed repetitions of each training figure; the fastest is kept.
    reps: usize,
    minimal_steps: u64,
    python_steps: u64,
    /// Episodes per sweep point.
    sweep_episodes: u32,
    sweep_points: usize,
    chart_frames: usize,
}

const FULL: Sizes = Sizes {
    episodes: 40_000,
    reps: 3,
    minimal_steps: 20_000_000,
    python_steps: 1_000_000,
    sweep_episodes: 2_500,
    sweep_points: 32,
    chart_frames: 20,
};

const QUICK: Sizes = Sizes {
    episodes: 300,
    reps: 1,
    minimal_steps: 100_000,
    python_steps: 5_000,
    sweep_episodes: 100,
    sweep_points: 4,
    chart_frames: 2,
};

fn rate(steps: u64, seconds: f64, cpu_seconds: Option<f64>) -> Value {
    json!({
        "steps": steps,
        "seconds": seconds,
        "steps_per_s": steps as f64 / seconds,
        "ns_per_step": seconds * 1e9 / steps as f64,
        "cpu_seconds": cpu_seconds,
        "steps_per_cpu_s": cpu_seconds.map(|c| steps as f64 / c),
    })
}

/// On-CPU time of the calling thread (ns), from /proc/thread-self/schedstat (Linux): the
/// time another process's load takes away does not count. `None` where unavailable.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Wall and on-CPU seconds of `f` on this thread.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, Option<f64>) {
    let c0 = thread_cpu_ns();
    let t = Instant::now();
    let out = f();
    let wall = t.elapsed().as_secs_f64();
    let cpu = c0
        .zip(thread_cpu_ns())
        .map(|(a, b)| b.saturating_sub(a) as f64 * 1e-9)
        .filter(|&c| c > 0.0);
    (out, wall, cpu)
}

/// The speed a figure is compared by: steps per on-CPU second when known, else per wall
/// second.
fn speed(v: &Value) -> Option<f64> {
    v["steps_per_cpu_s"].as_f64().or(v["steps_per_s"].as_f64())
}

fn config(preset: Preset, episodes: u32, qstar: bool) -> Config {
    let mut cfg = Config {
        preset,
        ..Config::default()
    };
    cfg.learn.episodes = episodes;
    if !qstar {
        cfg.learn.qstar_every = 0;
    }
    cfg
}

/// One timed training (the Q* cadence included when the config has it).
fn training_once(cfg: &Config) -> CliResult<(u64, f64, Option<f64>)> {
    let mut s = Session::new(cfg.clone()).map_err(|e| e.to_string())?;
    let ((), wall, cpu) = timed(|| s.advance_episodes(cfg.learn.episodes));
    Ok((s.total_steps(), wall, cpu))
}

/// The minimal loop; `literal` without the trader's size noise (one normal and one exp per
/// step, the oracle's only).
fn minimal_once(steps: u64, literal: bool) -> (f64, f64, Option<f64>) {
    let mut cfg = config(Preset::Paper, 0, false);
    if literal {
        cfg.traders.size_noise = 0.0;
    }
    timed(|| std::hint::black_box(minimal::run(&cfg, steps)))
}

/// The fastest of several (wall, cpu) measurements, each part on its own.
fn fastest(best: &mut (f64, Option<f64>), wall: f64, cpu: Option<f64>) {
    best.0 = best.0.min(wall);
    best.1 = match (best.1, cpu) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
}

/// The Python peer on the engine's default paper parameters, or why it was skipped.
fn python(script: &Path, steps: u64) -> Value {
    let c = Config::default();
    let v = c.traders.volume;
    let params = json!({
        "sqrt_k": c.market.sqrt_k, "peg": c.market.peg, "fee_rate": c.market.fee_rate,
        "bins": c.mdp.imbalance_bins, "range": c.mdp.imbalance_range, "delta": c.mdp.delta,
        "episode_len": c.mdp.episode_len, "sigma": c.oracle.volatility,
        "drift": c.oracle.drift, "informed_prob": c.traders.informed_prob,
        "noise": c.traders.size_noise, "beta0": v.beta0, "beta_price": v.beta_price,
        "beta_k": v.beta_k, "alpha": c.learn.alpha, "alpha_decay": c.learn.alpha_decay,
        "alpha_min": c.learn.alpha_min, "gamma": c.learn.discount,
        "epsilon": c.learn.epsilon_min,
    });
    if !script.exists() {
        return json!({"skipped": format!("{} not found (run from the repository root or pass --peer)", script.display())});
    }
    let out = Command::new("python3")
        .arg(script)
        .arg(steps.to_string())
        .arg(params.to_string())
        .output();
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            return json!({"skipped": format!("python3 failed: {}", String::from_utf8_lossy(&o.stderr).trim())})
        }
        Err(e) => return json!({"skipped": format!("python3 could not be started: {e}")}),
    };
    let parsed: Option<(u64, f64, Option<f64>)> = serde_json::from_slice::<Value>(&out.stdout)
        .ok()
        .and_then(|v| {
            Some((
                v["steps"].as_u64()?,
                v["seconds"].as_f64()?,
                v["cpu_seconds"].as_f64().filter(|&c| c > 0.0),
            ))
        });
    match parsed {
        Some((n, s, cpu)) if s > 0.0 => {
            let mut r = rate(n, s, cpu);
            r["version"] = json!(python_version());
            r
        }
        _ => {
            json!({"skipped": format!("unexpected output: {}", String::from_utf8_lossy(&out.stdout).trim())})
        }
    }
}

fn python_version() -> String {
    Command::new("python3")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// Value iteration on the control preset's model after `episodes` episodes (Q* off while
/// training): a cold solve to the full tolerance, then, 100 episodes later, the cadence's
/// warm solve (its tolerance as `session::diagnostics` sets it) beside the time those 100
/// episodes took.
fn value_iteration(episodes: u32) -> CliResult<Value> {
    use damm::learn::model::DEFAULT_MAX_SWEEPS;
    use damm::session::diagnostics::CADENCE_ACCURACY;
    let cfg = config(Preset::Control, episodes, false);
    let mut s = Session::new(cfg).map_err(|e| e.to_string())?;
    s.advance_episodes(episodes);
    let g = s.config().learn.discount;
    let scale = damm::learn::max_abs(s.agent().q()).max(1.0);
    let t = Instant::now();
    let (q0, cold) = s
        .model()
        .q_star_report(g, 1e-10 * scale, None, DEFAULT_MAX_SWEEPS);
    let cold_s = t.elapsed().as_secs_f64();
    let error = s.compute_q_star().max_error;
    let t = Instant::now();
    s.advance_episodes(100);
    let train_100 = t.elapsed().as_secs_f64();
    let tol = (1e-10 * scale).max(CADENCE_ACCURACY * (1.0 - g) / g * error);
    let t = Instant::now();
    let (_, warm) = s
        .model()
        .q_star_report(g, tol, Some(&q0), DEFAULT_MAX_SWEEPS);
    let warm_s = t.elapsed().as_secs_f64();
    Ok(json!({
        "model": format!("control preset, defaults, after {episodes} episodes"),
        "pairs_tried": s.model().tries().iter().filter(|&&n| n > 0).count(),
        "cold_ms": cold_s * 1e3,
        "cold_sweeps": cold.sweeps,
        "cold_converged": cold.converged,
        "cadence_ms": warm_s * 1e3,
        "cadence_sweeps": warm.sweeps,
        "train_100_episodes_ms": train_100 * 1e3,
        "cadence_share_of_100_episodes": warm_s / train_100,
    }))
}

/// `damm eval` at the defaults (or `episodes` in quick mode), split into its parts: the
/// same run `damm eval` makes (`Session::for_answer`, no Q* cadence, then the cold
/// `final_q_star`, docs/value-iteration.md §4).
fn eval(episodes: u32) -> CliResult<Value> {
    let mut cfg = Config::default();
    cfg.learn.episodes = episodes;
    // On-CPU time over the whole run (the scheduler updates it at ticks, too coarse for the
    // short parts); wall time per part.
    let c0 = thread_cpu_ns();
    let (s, train, _) = timed(|| {
        Session::for_answer(cfg).map(|mut s| {
            s.advance_episodes(episodes);
            s
        })
    });
    let mut s = s.map_err(|e| e.to_string())?;
    let (_, q_star, _) = timed(|| s.final_q_star());
    let (table, evaluate, _) = timed(|| s.evaluate());
    let cpu = c0
        .zip(thread_cpu_ns())
        .map(|(a, b)| b.saturating_sub(a) as f64 * 1e-9);
    Ok(json!({
        "episodes": episodes,
        "policies": table.rows.len(),
        "train_s": train,
        "final_q_star_s": q_star,
        "evaluate_s": evaluate,
        "total_s": train + q_star + evaluate,
        "total_cpu_s": cpu,
    }))
}

/// Every chart drawn to an in-memory SVG, per frame (all charts once), after a short run.
fn charts(frames: usize) -> CliResult<Value> {
    let mut s = Session::new(Config::default()).map_err(|e| e.to_string())?;
    s.advance_episodes(200);
    s.compute_q_star();
    let (view, trade) = (s.view(), s.typical_trade());
    let mut per_chart = serde_json::Map::new();
    let mut total = 0.0;
    for name in damm::charts::CHART_NAMES {
        let t = Instant::now();
        let mut bytes = 0;
        for _ in 0..frames {
            bytes = damm::charts::svg::render(name, &view, trade)?.len();
        }
        let ms = t.elapsed().as_secs_f64() * 1e3 / frames as f64;
        total += ms;
        per_chart.insert(name.to_string(), json!({"ms": ms, "svg_bytes": bytes}));
    }
    Ok(json!({
        "backend": "plotters-svg to a String",
        "frames": frames,
        "ms_per_frame": total,
        "per_chart": per_chart,
    }))
}

/// The same grid on 1 and on 2 threads (rayon), `damm sweep`'s scheduling.
fn sweep_speedup(points: usize, episodes: u32) -> CliResult<Value> {
    let mut base = Config::default();
    base.learn.episodes = episodes;
    let values: Vec<String> = (0..points)
        .map(|i| format!("{}", 0.3 + 0.4 * i as f64 / (points.max(2) - 1) as f64))
        .collect();
    let axis = Axis::parse(&format!("traders.informed_prob={}", values.join(",")))
        .map_err(|e| e.to_string())?;
    let grid = Grid { axes: vec![axis] };
    let mut seconds = Vec::new();
    let mut point_s = Vec::new();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| e.to_string())?;
        let t = Instant::now();
        let rows = pool.install(|| {
            (0..grid.len())
                .into_par_iter()
                .with_max_len(1)
                .map(|i| {
                    let t = Instant::now();
                    sweep::run_point(&base, &grid, i).map(|_| t.elapsed().as_secs_f64())
                })
                .collect::<Result<Vec<_>, _>>()
        });
        let times = rows.map_err(|e| e.to_string())?;
        seconds.push(t.elapsed().as_secs_f64());
        if threads == 1 {
            point_s = times;
        }
    }
    // The best 2 threads can do with these point times: half the work, or the longest
    // point if that is longer (list scheduling ends within one point of the half).
    let total: f64 = point_s.iter().sum();
    let longest = point_s.iter().cloned().fold(0.0, f64::max);
    let shortest = point_s.iter().cloned().fold(f64::INFINITY, f64::min);
    Ok(json!({
        "grid": format!("traders.informed_prob, {points} points, {episodes} episodes each, one point per task"),
        "threads_1_s": seconds[0],
        "threads_2_s": seconds[1],
        "speedup": seconds[0] / seconds[1],
        "point_s_min": shortest,
        "point_s_max": longest,
        "ideal_speedup": total / (total / 2.0).max(longest),
    }))
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().map(str::to_string));
    json!({
        "cpu": cpu,
        "nproc": nproc,
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "load_average_1min": load,
    })
}

fn num(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_f64()
}

/// Runs every figure and prints (or writes) the JSON document; `quick` makes every figure
/// small (for tests: the keys, not the numbers).
pub fn cmd_bench(
    quick: bool,
    peer: &Path,
    out: Option<&Path>,
) -> CliResult<std::process::ExitCode> {
    let z = if quick { QUICK } else { FULL };
    // Rounds that measure every training figure and the minimal loop in turn, so each sees
    // the same load; each figure keeps its fastest round.
    let runs = [
        ("paper", Preset::Paper, false),
        ("paper_qstar", Preset::Paper, true),
        ("control", Preset::Control, false),
        ("control_qstar", Preset::Control, true),
    ];
    let mut best = vec![(f64::INFINITY, None); runs.len() + 2];
    let mut steps = vec![0; runs.len()];
    for round in 0..z.reps {
        eprintln!(
            "bench: training and minimal loop, round {}/{}",
            round + 1,
            z.reps
        );
        for (i, &(_, preset, qstar)) in runs.iter().enumerate() {
            let (n, wall, cpu) = training_once(&config(preset, z.episodes, qstar))?;
            steps[i] = n;
            fastest(&mut best[i], wall, cpu);
        }
        for (k, literal) in [false, true].into_iter().enumerate() {
            let (_, wall, cpu) = minimal_once(z.minimal_steps, literal);
            fastest(&mut best[runs.len() + k], wall, cpu);
        }
    }
    let mut train = serde_json::Map::new();
    for (i, &(name, _, _)) in runs.iter().enumerate() {
        train.insert(name.into(), rate(steps[i], best[i].0, best[i].1));
    }
    let train = Value::Object(train);
    let (wall, cpu) = best[runs.len()];
    let minimal = rate(z.minimal_steps, wall, cpu);
    let (wall, cpu) = best[runs.len() + 1];
    let minimal_literal = rate(z.minimal_steps, wall, cpu);
    eprintln!("bench: Python peer");
    let python = python(peer, z.python_steps);
    eprintln!("bench: value iteration, eval, charts, sweep");
    let vi = value_iteration(z.episodes)?;
    let eval = eval(z.episodes)?;
    let charts = charts(z.chart_frames)?;
    let sweep = sweep_speedup(z.sweep_points, z.sweep_episodes)?;
    let sps = |k: &str| speed(&train[k]);
    let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a / b);
    let (min_sps, py_sps) = (speed(&minimal), speed(&python));
    let overhead = |with: &str, without: &str| ratio(sps(without), sps(with)).map(|r| r - 1.0);
    let ratios = json!({
        "paper_vs_minimal": ratio(sps("paper"), min_sps),
        "control_vs_minimal": ratio(sps("control"), min_sps),
        "paper_vs_minimal_literal": ratio(sps("paper"), speed(&minimal_literal)),
        "control_vs_minimal_literal": ratio(sps("control"), speed(&minimal_literal)),
        "paper_vs_python": ratio(sps("paper"), py_sps),
        "control_vs_python": ratio(sps("control"), py_sps),
        "minimal_vs_python": ratio(min_sps, py_sps),
        "qstar_overhead_paper": overhead("paper_qstar", "paper"),
        "qstar_overhead_control": overhead("control_qstar", "control"),
    });
    let target = |name: &str, goal: &str, measured: Option<f64>, met: Option<bool>| json!({"target": name, "goal": goal, "measured": measured, "met": met});
    let r = |k: &str| num(&ratios, &[k]);
    let eval_s = num(&eval, &["total_cpu_s"]).or(num(&eval, &["total_s"]));
    let speedup = num(&sweep, &["speedup"]);
    let targets = json!([
        target(
            "native paper / minimal loop",
            ">= 0.5",
            r("paper_vs_minimal"),
            r("paper_vs_minimal").map(|x| x >= 0.5)
        ),
        target(
            "native control / minimal loop",
            ">= 0.3",
            r("control_vs_minimal"),
            r("control_vs_minimal").map(|x| x >= 0.3)
        ),
        target(
            "native paper / Python peer",
            ">= 25",
            r("paper_vs_python"),
            r("paper_vs_python").map(|x| x >= 25.0)
        ),
        target(
            "Q* cadence overhead, control",
            "<= 0.10",
            r("qstar_overhead_control"),
            r("qstar_overhead_control").map(|x| x <= 0.10)
        ),
        target(
            "Q* cadence overhead, paper",
            "<= 0.10",
            r("qstar_overhead_paper"),
            r("qstar_overhead_paper").map(|x| x <= 0.10)
        ),
        target(
            "damm eval at the defaults (on-CPU s)",
            "<= 1",
            eval_s,
            eval_s.map(|x| x <= 1.0)
        ),
        target(
            "sweep speedup, 2 threads / 1",
            ">= 1.7",
            speedup,
            speedup.map(|x| x >= 1.7)
        ),
    ]);
    let doc = json!({
        "command": if quick { "damm bench --quick" } else { "damm bench" },
        "quick": quick,
        "machine": machine(),
        "training": train,
        "minimal_loop": minimal,
        "minimal_loop_literal": minimal_literal,
        "python_peer": python,
        "value_iteration": vi,
        "eval": eval,
        "charts": charts,
        "sweep": sweep,
        "ratios": ratios,
        "targets": targets,
    });
    print_table(&doc);
    emit(&doc, out)?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// The figures as a table on stderr (BENCHMARKS.md's layout).
fn print_table(d: &Value) {
    let f = |path: &[&str]| num(d, path).map_or("n/a".to_string(), |x| format!("{x:.3}"));
    eprintln!(
        "machine: {} × {} ({}), load {}",
        d["machine"]["nproc"], d["machine"]["cpu"], d["command"], d["machine"]["load_average_1min"]
    );
    let line = |name: &str, v: &Value| {
        let per = |k: &str| {
            v[k].as_f64()
                .map_or("n/a".to_string(), |x| format!("{:.2} M", x / 1e6))
        };
        eprintln!(
            "{name:<30} {:>9} steps/s wall, {:>9} steps/s on-CPU",
            per("steps_per_s"),
            per("steps_per_cpu_s")
        );
    };
    for (name, key) in [
        ("native paper, Q* off", "paper"),
        ("native paper, Q* every 100", "paper_qstar"),
        ("native control, Q* off", "control"),
        ("native control, Q* every 100", "control_qstar"),
    ] {
        line(name, &d["training"][key]);
    }
    line("minimal loop (paper step)", &d["minimal_loop"]);
    line("  without the size noise", &d["minimal_loop_literal"]);
    match d["python_peer"]["skipped"].as_str() {
        Some(why) => eprintln!("{:<30} skipped: {why}", "plain-Python peer"),
        None => line("plain-Python peer", &d["python_peer"]),
    }
    eprintln!(
        "value iteration, control model: cold {} ms ({} sweeps), cadence {} ms ({} sweeps) per {} ms of 100 episodes",
        f(&["value_iteration", "cold_ms"]),
        d["value_iteration"]["cold_sweeps"],
        f(&["value_iteration", "cadence_ms"]),
        d["value_iteration"]["cadence_sweeps"],
        f(&["value_iteration", "train_100_episodes_ms"]),
    );
    eprintln!(
        "damm eval at the defaults: {} s wall, {} s on-CPU (wall: train {} s, final Q* {} s, evaluate {} s)",
        f(&["eval", "total_s"]),
        f(&["eval", "total_cpu_s"]),
        f(&["eval", "train_s"]),
        f(&["eval", "final_q_star_s"]),
        f(&["eval", "evaluate_s"]),
    );
    eprintln!(
        "charts: {} ms per frame (every chart to SVG)",
        f(&["charts", "ms_per_frame"])
    );
    eprintln!(
        "sweep ({}): {} s on 1 thread, {} s on 2, speedup {} (at most {} with these point times, {}–{} s each)",
        d["sweep"]["grid"].as_str().unwrap_or(""),
        f(&["sweep", "threads_1_s"]),
        f(&["sweep", "threads_2_s"]),
        f(&["sweep", "speedup"]),
        f(&["sweep", "ideal_speedup"]),
        f(&["sweep", "point_s_min"]),
        f(&["sweep", "point_s_max"]),
    );
    for t in d["targets"].as_array().into_iter().flatten() {
        let verdict = match t["met"].as_bool() {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "n/a",
        };
        eprintln!(
            "target {:<34} {:>8}  measured {:>8}  {verdict}",
            t["target"].as_str().unwrap_or(""),
            t["goal"].as_str().unwrap_or(""),
            t["measured"]
                .as_f64()
                .map_or("n/a".into(), |x| format!("{x:.3}")),
        );
    }
}
