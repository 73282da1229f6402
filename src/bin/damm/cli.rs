//! The `damm` command line: argument parsing and the subcommands.

use std::fs;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use damm::amm::ops::{self, Script};
use damm::analysis::dataset::bundled;
use damm::analysis::volume::VolumeFit;
use damm::analysis::Dataset;
use damm::config::Config;
use damm::data::events::LabelRule;
use damm::learn::EvalTable;
use damm::mdp::Preset;
use damm::reward::{ols, Transform};
use damm::session::Session;

use crate::output::{emit, CliResult};
use crate::param_args::ParamArgs;
use serde_json::{json, Value};

const EXAMPLES: &str = "\
Examples:
  echo '{\"amm\":{\"base_reserve\":1e6,\"quote_reserve\":1e6,\"peg\":150},\"ops\":[{\"op\":\"long_quote\",\"amount\":10000}]}' | damm amm
  damm train --preset control --episodes 5000 --seed 7 --trajectory traj.csv --plot charts/
  damm train --url 'preset=paper&learn.discount=0.95&seed=3'
  damm eval --episodes 40000 --seeds 100
  damm fit-volume --csv data.csv --x price,sqrt_k --y volume --transform identity,sqrt
  damm fit-volume --plot residuals/        (the paper's regression on Drift's history)
  damm data classify --folds 5 --seed 42
  damm data recommend --episodes 20000";

#[derive(Parser)]
#[command(name = "damm", version, about = "dAMM Lab: Drift-style vAMM engine, Q-learning of repeg and k policies", after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply AMM operations read as JSON on stdin; print the state after each op.
    #[command(
        after_help = "Input: {\"amm\": {base_reserve, quote_reserve, peg, fee_rate?, net_base?, sqrt_k?, total_fee?, fee_pool?, rules?}, \"ops\": [{\"op\": \"long_quote\"|\"short_quote\"|\"long_base\"|\"short_base\", \"amount\": x} | {\"op\": \"repeg\", \"peg\": p} | {\"op\": \"update_k\", \"sqrt_k\": s}]}"
    )]
    Amm {
        /// Write the JSON here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Train a Q-learning policy and print Q, Q*, the policy and per-episode diagnostics.
    Train(TrainArgs),
    /// Train, then compare the static, Drift-style and learned policies over N seeds.
    Eval {
        #[command(flatten)]
        run: RunArgs,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Least-squares fit of y = β0 + Σ βj·f_j(x_j) on CSV columns; without --csv, the
    /// paper's volume regression (four variants) on Drift's curve history.
    FitVolume {
        /// A CSV with the columns named by --x and --y.
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Drift curve history for the default mode (bundled copy if omitted).
        #[arg(long)]
        curve: Option<PathBuf>,
        /// Write residual plots (SVG) of the Drift variants into this directory.
        #[arg(long)]
        plot: Option<PathBuf>,
        /// Regressor columns, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "price,sqrt_k")]
        x: Vec<String>,
        /// Response column.
        #[arg(long, default_value = "volume")]
        y: String,
        /// Transform of each regressor: identity or sqrt (one per --x column, or one for all).
        #[arg(long, value_delimiter = ',', default_value = "identity")]
        transform: Vec<String>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Train and evaluate every point of a grid over config paths (in parallel), one row each.
    #[command(
        after_help = "Example: damm sweep --grid 'traders.informed_prob=0:1:0.1' --grid 'oracle.volatility=0.005,0.01,0.02' --csv grid.csv\nShards for job arrays: --shard 0/4 … --shard 3/4, then damm sweep-merge shard*.json."
    )]
    Sweep {
        #[command(flatten)]
        run: RunArgs,
        /// An axis: path=lo:hi:step or path=v1,v2,… (repeatable; the first varies slowest).
        #[arg(long = "grid", required = true)]
        grid: Vec<String>,
        /// Run only shard i of n (points i, i+n, i+2n, …), e.g. 0/4.
        #[arg(long)]
        shard: Option<String>,
        /// Worker threads (default: every core).
        #[arg(long)]
        threads: Option<usize>,
        /// Also write the rows as CSV here.
        #[arg(long)]
        csv: Option<PathBuf>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Speed figures (JSON): training steps/s with and without Q*, the minimal loop and the
    /// Python peer, value iteration, eval, charts, sweep on 1 vs 2 threads (BENCHMARKS.md).
    Bench {
        /// Tiny sizes (seconds, not minutes): checks that every figure runs, not its value.
        #[arg(long)]
        quick: bool,
        /// The plain-Python peer script.
        #[arg(long, default_value = "benches/peer/paper_step.py")]
        peer: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Merge shard outputs of one sweep into the unsharded result.
    SweepMerge {
        /// The shards' JSON files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        csv: Option<PathBuf>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The parameter registry: every config path with its label, unit, range and CLI flag.
    Params {
        /// Print the README's Markdown table instead of JSON.
        #[arg(long)]
        markdown: bool,
    },
    /// Drift's history: summary, labelled events, classifiers, next-change predictor, recommendation.
    Data {
        #[command(subcommand)]
        command: DataCommand,
    },
}

// Parsed once per process; boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum DataCommand {
    /// Records per market and kind, costs, fee-pool ratios, and the volume regression table.
    Summary(DataArgs),
    /// Every repeg / k update with its features and success label.
    Events {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        rule: RuleArgs,
    },
    /// Stratified k-fold cross-validation of kNN, naive Bayes, decision tree and logistic regression.
    Classify {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        rule: RuleArgs,
        #[arg(long, default_value_t = damm::analysis::CV_FOLDS)]
        folds: usize,
        #[arg(long, default_value_t = damm::analysis::CV_SEED)]
        seed: u64,
    },
    /// The next-change predictor against the no-change and last-change baselines.
    Predict {
        #[command(flatten)]
        data: DataArgs,
        /// Events per input window.
        #[arg(long, default_value_t = damm::analysis::PREDICT_WINDOW)]
        window: usize,
        #[arg(long, default_value_t = damm::analysis::PREDICT_SEED)]
        seed: u64,
    },
    /// Train `control` with the fitted volume model, then recommend for a market state.
    Recommend {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        rule: RuleArgs,
        #[command(flatten)]
        run: RunArgs,
        /// Steps into a greedy evaluation episode at which to recommend.
        #[arg(long, default_value_t = 50)]
        at_step: u32,
        /// Minimum classifier success probability to keep an adjustment.
        #[arg(long, default_value_t = 0.5)]
        min_success: f64,
    },
}

#[derive(Args)]
struct DataArgs {
    /// Curve history CSV (bundled data/curve_history_hist.csv if omitted).
    #[arg(long)]
    curve: Option<PathBuf>,
    /// Funding history CSV (bundled data/fundingRate_history_hist.csv if omitted).
    #[arg(long)]
    funding: Option<PathBuf>,
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct RuleArgs {
    /// Success needs open interest to change by at least this (relative; 0 = not shrink).
    #[arg(long, default_value_t = 0.0)]
    min_oi_change: f64,
    /// Success needs cost / fee pool at most this.
    #[arg(long, default_value_t = 0.01)]
    max_cost_share: f64,
}

impl RuleArgs {
    fn rule(&self) -> CliResult<LabelRule> {
        if !self.min_oi_change.is_finite() || !self.max_cost_share.is_finite() {
            return Err("label thresholds must be finite numbers".into());
        }
        Ok(LabelRule {
            min_oi_change: self.min_oi_change,
            max_cost_share: self.max_cost_share,
        })
    }
}

fn read_or(path: Option<&Path>, bundled: &'static str) -> CliResult<String> {
    match path {
        Some(p) => fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display())),
        None => Ok(bundled.to_string()),
    }
}

impl DataArgs {
    fn load(&self) -> CliResult<Dataset> {
        let curve = read_or(self.curve.as_deref(), bundled::CURVE_HISTORY)?;
        let funding = read_or(self.funding.as_deref(), bundled::FUNDING_HISTORY)?;
        let name = |p: &Option<PathBuf>, d: &str| {
            p.as_ref()
                .map_or(d.to_string(), |p| p.display().to_string())
        };
        let curve_ds = Dataset::parse(&curve, "")
            .map_err(|e| format!("{}: {e}", name(&self.curve, "curve history")))?;
        let funding_ds = damm::data::parse_funding_history(&funding)
            .map_err(|e| format!("{}: {e}", name(&self.funding, "funding history")))?;
        Ok(Dataset {
            curve: curve_ds.curve,
            funding: funding_ds,
        })
    }
}

fn variant_name(f: &VolumeFit) -> String {
    let t = |t: Transform, x: &str| match t {
        Transform::Identity => x.to_string(),
        Transform::Sqrt => format!("sqrt({x})"),
    };
    format!(
        "volume ~ {} + {}",
        t(f.price_transform, "price"),
        t(f.k_transform, "k")
    )
}

fn volume_table(ds: &Dataset) -> CliResult<Value> {
    let fits = ds.volume_fits().map_err(|e| e.to_string())?;
    Ok(Value::Array(
        fits.iter()
            .map(|f| {
                json!({
                    "variant": variant_name(f),
                    "price_transform": f.price_transform,
                    "k_transform": f.k_transform,
                    "n": f.fit.n,
                    "beta": f.fit.beta,
                    "std_err": f.fit.std_err,
                    "r_squared": f.fit.r_squared,
                })
            })
            .collect(),
    ))
}

fn cmd_data(cmd: &DataCommand) -> CliResult<ExitCode> {
    match cmd {
        DataCommand::Summary(d) => {
            let ds = d.load()?;
            let v = json!({"summary": ds.summary(), "volume_regression": volume_table(&ds)?});
            emit(&v, d.out.as_deref())?;
        }
        DataCommand::Events { data, rule } => {
            let ds = data.load()?;
            let ev = ds.events(&rule.rule()?);
            let v = json!({
                "events": ev.len(),
                "successes": ev.iter().filter(|e| e.success).count(),
                "feature_names": damm::data::events::FEATURE_NAMES,
                "records": ev,
            });
            emit(&v, data.out.as_deref())?;
        }
        DataCommand::Classify {
            data,
            rule,
            folds,
            seed,
        } => {
            let ds = data.load()?;
            let r = ds
                .classify(&rule.rule()?, *folds, *seed)
                .map_err(|e| e.to_string())?;
            eprintln!(
                "{} events, {} successes, {}-fold stratified CV (seed {})",
                r.events, r.successes, r.folds, r.seed
            );
            eprintln!(
                "{:<14} {:>8} {:>9} {:>7} {:>6}",
                "model", "accuracy", "precision", "recall", "F1"
            );
            for s in &r.scores {
                let m = s.metrics;
                eprintln!(
                    "{:<14} {:>8.3} {:>9.3} {:>7.3} {:>6.3}",
                    s.model, m.accuracy, m.precision, m.recall, m.f1
                );
            }
            emit(
                &serde_json::to_value(&r).map_err(|e| e.to_string())?,
                data.out.as_deref(),
            )?;
        }
        DataCommand::Predict { data, window, seed } => {
            if !(1..=32).contains(window) {
                return Err(format!("--window {window}: must be 1..=32"));
            }
            let ds = data.load()?;
            let (_, r) = ds.predict(*window, *seed);
            emit(
                &serde_json::to_value(&r).map_err(|e| e.to_string())?,
                data.out.as_deref(),
            )?;
        }
        DataCommand::Recommend {
            data,
            rule,
            run,
            at_step,
            min_success,
        } => {
            let ds = data.load()?;
            let mut cfg = run.config()?;
            cfg.preset = Preset::Control;
            cfg.traders.volume = ds.best_volume_model().map_err(|e| e.to_string())?;
            cfg.validate().map_err(|e| e.to_string())?;
            let mut session = train(cfg, false)?;
            session.step_greedy(*at_step);
            let classifier = ds.success_model(&rule.rule()?).map_err(|e| e.to_string())?;
            let (net, _) = ds.predict(damm::analysis::PREDICT_WINDOW, damm::analysis::PREDICT_SEED);
            let rec = damm::analysis::ensemble::recommend(
                session.env(),
                session.agent().q(),
                session.shown_trajectory(),
                Some(&classifier),
                Some(&net),
                *min_success,
            );
            eprintln!("{}", rec.reason);
            let v = json!({
                "volume_model": session.config().traders.volume,
                "state": session.env().market().map(|m| m.amm().state()),
                "oracle": session.env().market().map(|m| m.oracle_price()),
                "recommendation": rec,
            });
            emit(&v, data.out.as_deref())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Where a run's configuration comes from, with overrides for the main parameters.
#[derive(Args)]
struct RunArgs {
    /// JSON config file (any subset of fields; see README).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The playground's URL hash (with or without '#'), e.g. 'preset=paper&seed=3'.
    #[arg(long)]
    url: Option<String>,
    /// The registry's shorthand flags (`--informed 0.3`, `--gamma 0.99`, …).
    #[command(flatten)]
    params: ParamArgs,
    /// Any other parameter as path=value (repeatable), e.g. --set mdp.kappa=0.01.
    #[arg(long = "set")]
    set: Vec<String>,
    /// Replay this market's hourly oracle TWAPs (SOL, BTC, …, or 0–7) instead of the GBM.
    #[arg(long)]
    oracle_market: Option<String>,
    /// Funding history CSV for --oracle-market (bundled copy if omitted).
    #[arg(long)]
    oracle_csv: Option<PathBuf>,
}

#[derive(Args)]
struct TrainArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Write the last episode's trajectory as CSV.
    #[arg(long)]
    trajectory: Option<PathBuf>,
    /// Draw the charts as SVG files into this directory.
    #[arg(long)]
    plot: Option<PathBuf>,
    #[arg(long)]
    out: Option<PathBuf>,
}

impl RunArgs {
    fn config(&self) -> CliResult<Config> {
        let mut cfg = match (&self.config, &self.url) {
            (Some(_), Some(_)) => return Err("give --config or --url, not both".into()),
            (Some(p), None) => {
                let text = fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                Config::from_json(&text).map_err(|e| format!("{}: {e}", p.display()))?
            }
            (None, Some(h)) => Config::from_hash(h).map_err(|e| format!("--url: {e}"))?,
            (None, None) => Config::default(),
        };
        self.params.apply(&mut cfg).map_err(|e| e.to_string())?;
        for kv in &self.set {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| format!("--set {kv}: expected path=value"))?;
            damm::config::params::set(&mut cfg, k, v).map_err(|e| e.to_string())?;
        }
        if let Some(m) = &self.oracle_market {
            let index = damm::data::MARKETS
                .iter()
                .position(|n| n.eq_ignore_ascii_case(m))
                .or_else(|| m.parse::<usize>().ok())
                .ok_or_else(|| {
                    format!(
                        "--oracle-market {m}: expected one of {}",
                        damm::data::MARKETS.join(", ")
                    )
                })?;
            let text = read_or(self.oracle_csv.as_deref(), bundled::FUNDING_HISTORY)?;
            let records = damm::data::parse_funding_history(&text)
                .map_err(|e| format!("oracle history: {e}"))?;
            let series = damm::data::oracle_series(&records, index as u8);
            if series.len() < 2 {
                return Err(format!(
                    "--oracle-market {m}: no oracle prices for market {index}"
                ));
            }
            cfg.oracle.series = series;
        }
        cfg.validate().map_err(|e| e.to_string())?;
        Ok(cfg)
    }
}

/// A progress bar on stderr that appears only if the run lasts more than a second and
/// stderr is a terminal.
struct Progress {
    bar: indicatif::ProgressBar,
    start: Instant,
    shown: bool,
}

impl Progress {
    fn new(len: u64) -> Self {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(len),
            indicatif::ProgressDrawTarget::hidden(),
        );
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} episodes ({eta} left)")
        {
            bar.set_style(style);
        }
        Self {
            bar,
            start: Instant::now(),
            shown: false,
        }
    }

    fn set(&mut self, pos: u64) {
        if !self.shown
            && self.start.elapsed() > Duration::from_secs(1)
            && std::io::stderr().is_terminal()
        {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.shown = true;
        }
        self.bar.set_position(pos);
    }

    fn finish(self) {
        self.bar.finish_and_clear();
    }
}

/// Trains for the configured number of episodes, in chunks so progress can be shown, then
/// computes Q*: `damm train`'s full run (history, trajectory, Q* cadence), or with
/// `for_answer` the run of an answer (`Session::for_answer` and `final_q_star`, the steps
/// of a sweep row and of the page's evaluation).
fn train(cfg: Config, for_answer: bool) -> CliResult<Session> {
    let episodes = cfg.learn.episodes;
    let mut session = if for_answer {
        Session::for_answer(cfg)
    } else {
        Session::new(cfg)
    }
    .map_err(|e| e.to_string())?;
    let mut progress = Progress::new(episodes as u64);
    let chunk = 200;
    while session.episode() < episodes {
        session.advance_episodes(chunk.min(episodes - session.episode()));
        progress.set(session.episode() as u64);
    }
    progress.finish();
    if for_answer {
        session.final_q_star();
    } else {
        session.compute_q_star();
    }
    Ok(session)
}

fn cmd_amm(out: Option<&Path>) -> CliResult<ExitCode> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| format!("stdin: {e}"))?;
    let script: Script = serde_json::from_str(&input).map_err(|e| format!("invalid input: {e}"))?;
    let (records, failure) = ops::run(&script);
    emit(
        &serde_json::to_value(&records).map_err(|e| e.to_string())?,
        out,
    )?;
    if let Some(f) = failure {
        eprintln!(
            "{}",
            json!({"error": {"op_index": f.op_index, "message": f.message}})
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_train(args: &TrainArgs) -> CliResult<ExitCode> {
    let cfg = args.run.config()?;
    let session = train(cfg, false)?;
    let snap = session.snapshot();
    if let Some(b) = &snap.band {
        eprintln!(
            "band: learned {:.3}, exact discrete-time optimum {:.3} (learned/optimum {:.3}), continuous-time law {:.3}",
            b.learned,
            b.discrete_optimum,
            b.learned / b.discrete_optimum,
            b.continuous_law
        );
    }
    if let Some(note) = snap.money_scope.note() {
        eprintln!("money: {note}");
    }
    if let Some(p) = &args.trajectory {
        fs::write(p, session.trajectory_csv()).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    if let Some(dir) = &args.plot {
        damm::charts::svg::write_all(&session.view(), session.typical_trade(), dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let h = &snap.history;
    let summary = json!({
        "config": snap.config,
        "url": snap.config.to_hash(),
        "episodes": snap.episode,
        "total_steps": snap.total_steps,
        "n_states": snap.n_states,
        "action_names": snap.action_names,
        "q": snap.q,
        "q_star": snap.q_star,
        "q_comparison": snap.q_comparison,
        "value_iteration": snap.vi_report,
        "band": snap.band,
        "policy": snap.policy,
        "visits": snap.visits,
        // Where the money of the shown episode went (the trajectory's money split, scoped
        // to what the preset's reward counts; none for the band preset), and what that means.
        "money": (snap.money_scope != damm::mdp::MoneyScope::NoMarket)
            .then(|| damm::mdp::MoneySplit::total(&snap.trajectory).scoped(snap.money_scope)),
        "money_note": snap.money_scope.note(),
        "history": {
            "first_episode": h.first_episode,
            "episode_return": h.episode_return,
            "max_dq": h.max_dq,
            "policy_changes": h.policy_changes,
            "q_error": h.q_error,
        },
    });
    emit(&summary, args.out.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

fn cmd_params(markdown: bool) -> CliResult<ExitCode> {
    use damm::config::params::{markdown_table, DERIVED, PARAMS};
    if markdown {
        print!("{}", markdown_table());
    } else {
        emit(&json!({ "params": PARAMS, "derived": DERIVED }), None)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(table: &EvalTable) {
    eprintln!(
        "{:<12} {:>28} {:>10} {:>11} {:>11} {:>9} {:>11} {:>7}",
        "policy",
        "net reward mean [95% CI]",
        "fees",
        "costs",
        "funding",
        "overhead",
        "PnL@oracle",
        "adj."
    );
    for e in &table.rows {
        eprintln!(
            "{:<12} {:>9.1} [{:>8.1}, {:>8.1}] {:>10.1} {:>11.1} {:>11.1} {:>9.1} {:>11.1} {:>7.1}",
            e.policy.name(),
            e.net.mean,
            e.net.lo,
            e.net.hi,
            e.fees.mean,
            e.costs.mean,
            e.funding.mean,
            e.overhead.mean,
            e.counterparty.mean,
            e.adjustments.mean
        );
    }
}

fn cmd_eval(run: &RunArgs, out: Option<&Path>) -> CliResult<ExitCode> {
    let cfg = run.config()?;
    if cfg.preset != Preset::Control {
        eprintln!(
            "note: the baselines are meant for the control preset; on paper runs v1_rule and drift_v2 hold"
        );
    }
    let session = train(cfg, true)?;
    let table = session.evaluate();
    print_table(&table);
    // Paired by seed: learned − each other policy (the report keys them by name).
    for e in &table.rows {
        if let Some(d) = table.learned_minus(e.policy) {
            eprintln!(
                "learned − {:<12} per seed: {:>9.1} [{:.1}, {:.1}]",
                e.policy.name(),
                d.mean,
                d.lo,
                d.hi
            );
        }
    }
    let value = damm::session::whatif::eval_report(&session, &table);
    emit(&value, out)?;
    Ok(ExitCode::SUCCESS)
}

fn cmd_fit_drift(
    curve: Option<&Path>,
    plot: Option<&Path>,
    out: Option<&Path>,
) -> CliResult<ExitCode> {
    let text = read_or(curve, bundled::CURVE_HISTORY)?;
    let ds = Dataset::parse(&text, "").map_err(|e| e.to_string())?;
    let fits = ds.volume_fits().map_err(|e| e.to_string())?;
    if let Some(dir) = plot {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let periods = damm::analysis::volume::volume_periods(
            &ds.curve,
            damm::analysis::dataset::MIN_PERIOD_HOURS,
        );
        for f in &fits {
            let fitted: Vec<f64> = periods
                .iter()
                .zip(&f.fit.residuals)
                .map(|(p, r)| p.volume_per_hour - r)
                .collect();
            let svg = damm::charts::svg::residuals(&variant_name(f), &fitted, &f.fit.residuals)?;
            let file = dir.join(
                format!("residuals-{:?}-{:?}.svg", f.price_transform, f.k_transform).to_lowercase(),
            );
            fs::write(&file, svg).map_err(|e| format!("{}: {e}", file.display()))?;
        }
    }
    emit(&volume_table(&ds)?, out)?;
    Ok(ExitCode::SUCCESS)
}

fn cmd_fit(
    csv_path: &Path,
    xs: &[String],
    y: &str,
    transforms: &[String],
    out: Option<&Path>,
) -> CliResult<ExitCode> {
    let text = fs::read_to_string(csv_path).map_err(|e| format!("{}: {e}", csv_path.display()))?;
    let tf: Vec<Transform> = transforms
        .iter()
        .map(|t| {
            Transform::parse(t).ok_or_else(|| format!("--transform {t}: expected identity or sqrt"))
        })
        .collect::<CliResult<_>>()?;
    let tf = match tf.len() {
        1 => vec![tf[0]; xs.len()],
        n if n == xs.len() => tf,
        n => {
            return Err(format!(
                "--transform has {n} entries for {} regressors",
                xs.len()
            ))
        }
    };
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| format!("{}: {e}", csv_path.display()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let col = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            format!(
                "{}: missing column '{name}' (found: {})",
                csv_path.display(),
                header.join(",")
            )
        })
    };
    let xi: Vec<usize> = xs.iter().map(|c| col(c)).collect::<CliResult<_>>()?;
    let yi = col(y)?;
    let (mut x_rows, mut y_rows) = (Vec::new(), Vec::new());
    for rec in rdr.records() {
        let rec = rec.map_err(|e| format!("{}: {e}", csv_path.display()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let num = |i: usize, name: &str| -> CliResult<f64> {
            let v = rec.get(i).unwrap_or("").trim();
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| {
                    format!(
                        "{}: line {line}, column '{name}': '{v}' is not a number",
                        csv_path.display()
                    )
                })
        };
        let row: Vec<f64> = xi
            .iter()
            .zip(xs)
            .zip(&tf)
            .map(|((&i, name), t)| num(i, name).map(|v| t.apply(v)))
            .collect::<CliResult<_>>()?;
        x_rows.push(row);
        y_rows.push(num(yi, y)?);
    }
    let fit = ols(&x_rows, &y_rows).map_err(|e| e.to_string())?;
    let names: Vec<String> = std::iter::once("intercept".to_string())
        .chain(xs.iter().zip(&tf).map(|(x, t)| match t {
            Transform::Identity => x.clone(),
            Transform::Sqrt => format!("sqrt({x})"),
        }))
        .collect();
    let value = json!({
        "n": fit.n,
        "terms": names,
        "beta": fit.beta,
        "std_err": fit.std_err,
        "r_squared": fit.r_squared,
        "sigma2": fit.sigma2,
    });
    emit(&value, out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Amm { out } => cmd_amm(out.as_deref()),
        Command::Train(args) => cmd_train(args),
        Command::Eval { run, out } => cmd_eval(run, out.as_deref()),
        Command::FitVolume {
            csv: Some(csv),
            x,
            y,
            transform,
            out,
            ..
        } => cmd_fit(csv, x, y, transform, out.as_deref()),
        Command::FitVolume {
            csv: None,
            curve,
            plot,
            out,
            ..
        } => cmd_fit_drift(curve.as_deref(), plot.as_deref(), out.as_deref()),
        Command::Data { command } => cmd_data(command),
        Command::Params { markdown } => cmd_params(*markdown),
        Command::Sweep {
            run,
            grid,
            shard,
            threads,
            csv,
            out,
        } => run.config().and_then(|base| {
            crate::sweep::cmd_sweep(
                base,
                grid,
                shard.as_deref(),
                *threads,
                csv.as_deref(),
                out.as_deref(),
            )
        }),
        Command::Bench { quick, peer, out } => {
            crate::bench::cmd_bench(*quick, peer, out.as_deref())
        }
        Command::SweepMerge { files, csv, out } => {
            crate::sweep::cmd_merge(files, csv.as_deref(), out.as_deref())
        }
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("{}", json!({"error": {"message": msg}}));
            ExitCode::from(2)
        }
    }
}
