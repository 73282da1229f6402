//! `damm sweep` and `damm sweep-merge`: a grid of runs on every core (rayon), sharding for
//! batch schedulers, and the merge that gives the unsharded result. The grid, one point's
//! run and the CSV live in the engine (`damm::session::sweep`); this file only schedules
//! and writes.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use damm::config::Config;
use damm::session::sweep::{self, Axis, Grid, SweepRow};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::output::{emit, CliResult};

/// What a sweep (or a shard of it) writes.
#[derive(Serialize, Deserialize)]
struct SweepOutput {
    /// The base config as a URL hash (every point starts from it).
    base: String,
    grid: Grid,
    /// `[i, n]` for a shard; absent for a whole sweep (or a complete merge).
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<[usize; 2]>,
    rows: Vec<SweepRow>,
}

fn parse_shard(text: &str) -> CliResult<[usize; 2]> {
    let bad = || format!("--shard {text}: expected i/n with 0 ≤ i < n");
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (i.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok([i, n])
}

fn write(out: &SweepOutput, csv: Option<&Path>, path: Option<&Path>) -> CliResult<()> {
    if let Some(p) = csv {
        std::fs::write(p, sweep::to_csv(&out.grid, &out.rows))
            .map_err(|e| format!("{}: {e}", p.display()))?;
    }
    emit(&serde_json::to_value(out).map_err(|e| e.to_string())?, path)
}

pub fn cmd_sweep(
    base: Config,
    specs: &[String],
    shard: Option<&str>,
    threads: Option<usize>,
    csv: Option<&Path>,
    out: Option<&Path>,
) -> CliResult<ExitCode> {
    let axes = specs
        .iter()
        .map(|s| Axis::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let grid = Grid { axes };
    if grid.len() > sweep::MAX_POINTS {
        return Err(format!(
            "the grid has {} points; at most {}",
            grid.len(),
            sweep::MAX_POINTS
        ));
    }
    let shard = shard.map(parse_shard).transpose()?;
    let indices = match shard {
        Some([i, n]) => grid.shard(i, n),
        None => (0..grid.len()).collect(),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| e.to_string())?;
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(indices.len() as u64),
        if std::io::stderr().is_terminal() {
            indicatif::ProgressDrawTarget::stderr()
        } else {
            indicatif::ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} points ({eta} left)")
    {
        bar.set_style(style);
    }
    let rows = pool.install(|| {
        // One point per task: points differ in cost (λi changes how often a mask is
        // probed), so a thread that finishes early takes the next point.
        indices
            .par_iter()
            .with_max_len(1)
            .map(|&i| {
                let r = sweep::run_point(&base, &grid, i);
                bar.inc(1);
                r
            })
            .collect::<Result<Vec<SweepRow>, _>>()
    });
    bar.finish_and_clear();
    let rows = rows.map_err(|e| e.to_string())?;
    eprintln!(
        "{} points ({} threads); learned significantly better than the best baseline at {}, worse at {}",
        rows.len(),
        pool.current_num_threads(),
        rows.iter().filter(|r| r.learned_minus_best.is_some_and(|d| d.above_zero())).count(),
        rows.iter().filter(|r| r.learned_minus_best.is_some_and(|d| d.below_zero())).count(),
    );
    let tabular: Vec<_> = rows
        .iter()
        .filter_map(|r| r.learned_vs_best_tabular)
        .collect();
    if !tabular.is_empty() {
        eprintln!(
            "learned within {:.0}% of the best tabular policy (the paired interval's lower end) at {} of {}",
            sweep::NEAR_BEST_TABULAR * 100.0,
            tabular.iter().filter(|t| sweep::near_best_tabular(t)).count(),
            tabular.len(),
        );
    }
    let output = SweepOutput {
        base: base.to_hash(),
        grid,
        shard,
        rows,
    };
    write(&output, csv, out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn cmd_merge(files: &[PathBuf], csv: Option<&Path>, out: Option<&Path>) -> CliResult<ExitCode> {
    let mut merged: Option<SweepOutput> = None;
    for f in files {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        let part: SweepOutput =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", f.display()))?;
        match &mut merged {
            None => merged = Some(part),
            Some(m) => {
                if m.base != part.base || m.grid != part.grid {
                    return Err(format!("{}: a shard of a different sweep", f.display()));
                }
                m.rows.extend(part.rows);
            }
        }
    }
    let mut m = merged.ok_or("no files")?;
    m.rows.sort_by_key(|r| r.index);
    let before = m.rows.len();
    m.rows.dedup_by_key(|r| r.index);
    if m.rows.len() != before {
        return Err("the shards overlap (a point appears twice)".into());
    }
    m.shard = if m.rows.len() == m.grid.len() {
        None
    } else {
        eprintln!("note: {} of {} points present", m.rows.len(), m.grid.len());
        Some([0, 0])
    };
    write(&m, csv, out)?;
    Ok(ExitCode::SUCCESS)
}
