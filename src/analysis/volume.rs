//! Trading volume between curve records, and the paper's volume regression on it.
//!
//! Drift's history has no trade-level series for Nov 2021 – Jan 2022, but every curve
//! record carries the market's cumulative fees F. Between two records of one market the
//! traded notional is ≈ ΔF / 0.001 (the v1 fee rate; discounts and referrals make it a
//! slight underestimate; `data/README.md`). Periods start at a record and end at the first
//! later record of the same market at least `min_hours` later (shorter gaps are merged);
//! price and √k are the start record's after-state.

use serde::Serialize;

use crate::amm::DRIFT_FEE_RATE;
use crate::data::CurveEvent;
use crate::reward::{ols, FitError, OlsFit, Transform};

/// One period of a market between curve records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolumePeriod {
    pub market_index: u8,
    pub start_ts: i64,
    pub hours: f64,
    /// USD of notional per hour, ΔF / fee rate / hours.
    pub volume_per_hour: f64,
    /// Mark price at the start, (q/b)·p of the after-state.
    pub price: f64,
    /// √k at the start.
    pub sqrt_k: f64,
}

/// Derives the periods from curve records (any order; grouped by market, time-ordered).
pub fn volume_periods(events: &[CurveEvent], min_hours: f64) -> Vec<VolumePeriod> {
    let mut out = Vec::new();
    for (m, rs) in crate::data::by_market(events) {
        let mut i = 0;
        while i < rs.len() {
            let a = rs[i];
            let Some(j) =
                (i + 1..rs.len()).find(|&j| (rs[j].ts - a.ts) as f64 >= min_hours * 3600.0)
            else {
                break;
            };
            let b = rs[j];
            let hours = (b.ts - a.ts) as f64 / 3600.0;
            out.push(VolumePeriod {
                market_index: m,
                start_ts: a.ts,
                hours,
                volume_per_hour: (b.total_fee - a.total_fee) / DRIFT_FEE_RATE / hours,
                price: crate::amm::mark_price(a.base_after, a.quote_after, a.peg_after),
                sqrt_k: a.sqrt_k_after,
            });
            i = j;
        }
    }
    out
}

/// One variant of the volume regression: volume = β0 + β1·f(price) + β2·g(k), k = √k².
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolumeFit {
    pub price_transform: Transform,
    pub k_transform: Transform,
    pub fit: OlsFit,
}

/// Fits all four variants f, g ∈ {identity, √} on the periods.
pub fn fit_variants(periods: &[VolumePeriod]) -> Result<Vec<VolumeFit>, FitError> {
    let y: Vec<f64> = periods.iter().map(|p| p.volume_per_hour).collect();
    let mut out = Vec::new();
    for f in [Transform::Identity, Transform::Sqrt] {
        for g in [Transform::Identity, Transform::Sqrt] {
            let x: Vec<Vec<f64>> = periods
                .iter()
                .map(|p| {
                    let k = match g {
                        Transform::Identity => p.sqrt_k * p.sqrt_k,
                        Transform::Sqrt => p.sqrt_k,
                    };
                    vec![f.apply(p.price), k]
                })
                .collect();
            out.push(VolumeFit {
                price_transform: f,
                k_transform: g,
                fit: ols(&x, &y)?,
            });
        }
    }
    Ok(out)
}
