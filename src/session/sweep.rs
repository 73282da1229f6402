//! Sweeps: a grid over any registry parameters, each point trained and evaluated on common
//! random numbers, one row per point. The grid is parsed and enumerated here, and one point
//! is run here; running the points (in parallel threads natively, in one worker per core in
//! the page) and writing files belong to the front ends. Shards split the point list by
//! index, so merging shards sorted by index gives exactly the unsharded result.

use serde::{Deserialize, Serialize};

use super::Session;
use crate::config::params::{self, ParamError};
use crate::config::{Config, ConfigError};
use crate::learn::{Interval, PolicyKind};

/// One axis: a parameter path and the values it takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    pub path: String,
    pub values: Vec<f64>,
}

/// Points per grid at most (a guard against a typo such as `0:1:1e-9`).
pub const MAX_POINTS: usize = 100_000;

impl Axis {
    /// Parses `path=lo:hi:step` (inclusive, on the step's grid) or `path=v1,v2,…`; the path
    /// must be a registry parameter or view, and every value must lie in its range.
    pub fn parse(spec: &str) -> Result<Self, ConfigError> {
        let bad = |reason: String| {
            ConfigError::Param(ParamError::Parse {
                path: "--grid".into(),
                text: spec.into(),
                reason,
            })
        };
        let (path, list) = spec
            .split_once('=')
            .ok_or_else(|| bad("expected path=lo:hi:step or path=v1,v2,…".into()))?;
        let path = path.trim();
        let num = |t: &str| -> Result<f64, ConfigError> {
            t.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(format!("'{t}' is not a finite number")))
        };
        let values = if list.contains(':') {
            let parts: Vec<&str> = list.split(':').collect();
            if parts.len() != 3 {
                return Err(bad("a range is lo:hi:step".into()));
            }
            let (lo, hi, step) = (num(parts[0])?, num(parts[1])?, num(parts[2])?);
            if !(step > 0.0 && hi >= lo) {
                return Err(bad("a range needs lo ≤ hi and step > 0".into()));
            }
            let n = ((hi - lo) / step + 1e-9).floor() as usize + 1;
            if n > MAX_POINTS {
                return Err(bad(format!("more than {MAX_POINTS} values")));
            }
            // Round to 12 significant digits so 0.1·3 is 0.3 (the value a user would type).
            (0..n)
                .map(|i| {
                    let x = lo + step * i as f64;
                    format!("{x:.12e}").parse().unwrap_or(x)
                })
                .collect()
        } else {
            list.split(',').map(num).collect::<Result<Vec<_>, _>>()?
        };
        if values.is_empty() {
            return Err(bad("no values".into()));
        }
        // Every value must be acceptable to the parameter (checked on the default config).
        for v in &values {
            params::set(&mut Config::default(), path, &v.to_string())?;
        }
        Ok(Self {
            path: path.to_string(),
            values,
        })
    }
}

/// A grid: the product of its axes, the first axis varying slowest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub axes: Vec<Axis>,
}

impl Grid {
    pub fn len(&self) -> usize {
        self.axes.iter().map(|a| a.values.len()).product()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The parameter values of point `index` (row-major over the axes).
    pub fn point(&self, index: usize) -> Vec<(String, f64)> {
        let mut rest = index;
        let mut out = vec![(String::new(), 0.0); self.axes.len()];
        for (i, a) in self.axes.iter().enumerate().rev() {
            let n = a.values.len();
            out[i] = (a.path.clone(), a.values[rest % n]);
            rest /= n;
        }
        out
    }

    /// The indices of shard `i` of `n` (every n-th point from i).
    pub fn shard(&self, i: usize, n: usize) -> Vec<usize> {
        (0..self.len()).filter(|p| p % n.max(1) == i).collect()
    }
}

/// How far below the best tabular policy the learned one may be: 2% of its value.
pub const NEAR_BEST_TABULAR: f64 = 0.02;

/// The learned policy is within [`NEAR_BEST_TABULAR`] of the best tabular policy when the
/// paired 95% interval of (learned − best tabular)/|best tabular| does not reach below
/// −2%: a test on the interval, so too few evaluation seeds cannot pass it by luck.
pub fn near_best_tabular(share: &Interval) -> bool {
    share.lo >= -NEAR_BEST_TABULAR
}

/// One policy's numbers at a point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyRow {
    pub policy: PolicyKind,
    pub net: Interval,
    pub adjustments: Interval,
    /// Paired (same seeds) learned − this policy; absent for the learned policy itself.
    pub learned_minus: Option<Interval>,
}

/// One grid point's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    pub index: usize,
    pub point: Vec<(String, f64)>,
    pub policies: Vec<PolicyRow>,
    pub best_baseline: Option<PolicyKind>,
    /// Paired learned − best baseline, and whether it is significant either way.
    pub learned_minus_best: Option<Interval>,
    /// ‖Q − Q*_model‖∞ / ‖Q*‖∞ after training.
    pub q_relative_error: f64,
    /// Paired learned − best tabular as a share of |best tabular| (mean and 95% interval),
    /// with the yardstick on.
    pub learned_vs_best_tabular: Option<Interval>,
    /// The URL hash of the point's config (click-to-load in the page; `damm eval --url`).
    pub url: String,
}

/// Trains and evaluates point `index` of `grid` on top of `base`.
pub fn run_point(base: &Config, grid: &Grid, index: usize) -> Result<SweepRow, ConfigError> {
    let point = grid.point(index);
    let mut cfg = base.clone();
    for (path, v) in &point {
        params::set(&mut cfg, path, &v.to_string())?;
    }
    cfg.validate()?;
    let episodes = cfg.learn.episodes;
    // The same run, Q* and evaluation as `damm eval --url` of the row's URL.
    let mut s = Session::for_answer(cfg)?;
    s.advance_episodes(episodes);
    let cmp = s.final_q_star();
    let table = s.evaluate();
    let policies = table
        .rows
        .iter()
        .map(|r| PolicyRow {
            policy: r.policy,
            net: r.net,
            adjustments: r.adjustments,
            learned_minus: table.learned_minus(r.policy),
        })
        .collect();
    let best = table.learned_minus_best();
    Ok(SweepRow {
        index,
        point,
        policies,
        best_baseline: best.map(|(b, _)| b),
        learned_minus_best: best.map(|(_, d)| d),
        q_relative_error: cmp.relative_error,
        learned_vs_best_tabular: table.learned_vs_best_tabular(),
        url: s.config().to_hash(),
    })
}

/// The CSV of sweep rows: the point's parameters, then per policy mean/lo/hi of net,
/// adjustments and learned − policy, then the best baseline and ‖Q − Q*‖.
pub fn to_csv(grid: &Grid, rows: &[SweepRow]) -> String {
    let mut head: Vec<String> = vec!["index".into()];
    head.extend(grid.axes.iter().map(|a| a.path.clone()));
    let kinds: Vec<PolicyKind> = rows
        .first()
        .map(|r| r.policies.iter().map(|p| p.policy).collect())
        .unwrap_or_default();
    for k in &kinds {
        let n = k.name();
        for col in ["net_mean", "net_lo", "net_hi", "adjustments"] {
            head.push(format!("{n}_{col}"));
        }
        if *k != PolicyKind::Learned {
            for col in ["mean", "lo", "hi"] {
                head.push(format!("learned_minus_{n}_{col}"));
            }
        }
    }
    head.extend(
        [
            "best_baseline",
            "learned_minus_best_mean",
            "learned_minus_best_lo",
        ]
        .map(String::from),
    );
    head.extend(["learned_minus_best_hi", "q_relative_error"].map(String::from));
    head.extend(["mean", "lo", "hi"].map(|c| format!("learned_vs_best_tabular_{c}")));
    let mut out = head.join(",") + "\n";
    for r in rows {
        let mut cells: Vec<String> = vec![r.index.to_string()];
        cells.extend(r.point.iter().map(|(_, v)| v.to_string()));
        for p in &r.policies {
            cells.extend(
                [p.net.mean, p.net.lo, p.net.hi, p.adjustments.mean].map(|x| x.to_string()),
            );
            if let Some(d) = p.learned_minus {
                cells.extend([d.mean, d.lo, d.hi].map(|x| x.to_string()));
            }
        }
        cells.push(r.best_baseline.map_or("", |b| b.name()).to_string());
        let d = r.learned_minus_best.unwrap_or_default();
        cells.extend([d.mean, d.lo, d.hi, r.q_relative_error].map(|x| x.to_string()));
        cells.extend(match r.learned_vs_best_tabular {
            Some(t) => [t.mean, t.lo, t.hi].map(|x| x.to_string()),
            None => [(); 3].map(|_| String::new()),
        });
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_best_tabular_tests_the_lower_end_of_the_interval() {
        let at = |mean, lo, hi| Interval { mean, lo, hi };
        assert!(near_best_tabular(&at(-0.01, -0.02, 0.0)));
        assert!(!near_best_tabular(&at(-0.01, -0.0201, 0.0)));
        // A mean within 2% does not pass when the interval reaches further down.
        assert!(!near_best_tabular(&at(-0.005, -0.05, 0.04)));
        assert!(near_best_tabular(&at(0.03, 0.01, 0.05)));
    }

    #[test]
    fn axes_parse_ranges_and_lists_and_refuse_bad_values() {
        let a = Axis::parse("traders.informed_prob=0:1:0.25").unwrap();
        assert_eq!(a.values, [0.0, 0.25, 0.5, 0.75, 1.0]);
        let a = Axis::parse("traders.informed_prob=0:1:0.1").unwrap();
        assert_eq!(a.values.len(), 11);
        assert_eq!(a.values[3], 0.3);
        let b = Axis::parse("oracle.volatility=0.005,0.01,0.02").unwrap();
        assert_eq!(b.values, [0.005, 0.01, 0.02]);
        let e = Axis::parse("traders.informed_prob=0:2:0.5").unwrap_err();
        assert!(e.to_string().contains("traders.informed_prob = 1.5"), "{e}");
        assert!(Axis::parse("nope=1,2").is_err());
        assert!(Axis::parse("traders.informed_prob=1:0:0.1").is_err());
        assert!(Axis::parse("traders.informed_prob").is_err());
    }

    #[test]
    fn points_are_row_major_and_shards_partition_them() {
        let g = Grid {
            axes: vec![
                Axis::parse("traders.informed_prob=0,0.5,1").unwrap(),
                Axis::parse("oracle.volatility=0.01,0.02").unwrap(),
            ],
        };
        assert_eq!(g.len(), 6);
        assert_eq!(
            g.point(3),
            vec![
                ("traders.informed_prob".to_string(), 0.5),
                ("oracle.volatility".to_string(), 0.02)
            ]
        );
        let mut all: Vec<usize> = (0..3).flat_map(|i| g.shard(i, 3)).collect();
        all.sort();
        assert_eq!(all, (0..6).collect::<Vec<_>>());
    }
}
