//! A loaded Drift dataset and the analyses the CLI and the page share: summary, volume
//! regression, labelled events, classifier table, next-change predictor.

use serde::Serialize;

use super::volume::{fit_variants, volume_periods, VolumeFit};
use crate::data::events::{label_events, LabelRule, LabeledEvent};
use crate::data::{
    by_market, parse_curve_history, parse_funding_history, CurveEvent, DataError, EventKind,
    FundingRecord, MARKETS,
};
use crate::ml::classify::{cross_validate, ClassifyError, CvReport, SuccessModel};
use crate::ml::sequence::{evaluate, examples, ConvNet, PredictReport};
use crate::reward::{FitError, VolumeModel};

/// Periods shorter than this are merged for the volume regression (hours).
pub const MIN_PERIOD_HOURS: f64 = 1.0;

/// Curve history plus (optionally) the funding history of the same markets.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub curve: Vec<CurveEvent>,
    pub funding: Vec<FundingRecord>,
}

/// Counts per market.
#[derive(Debug, Clone, Serialize)]
pub struct MarketSummary {
    pub market_index: u8,
    pub market: String,
    pub records: usize,
    pub repegs: usize,
    pub k_up: usize,
    pub k_down: usize,
    pub total_cost: f64,
    pub first_ts: i64,
    pub last_ts: i64,
    pub last_pool_ratio: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub records: usize,
    pub funding_records: usize,
    pub markets: Vec<MarketSummary>,
    pub total_cost: f64,
}

impl Dataset {
    /// Parses the curve history (required) and the funding history (optional, may be "").
    pub fn parse(curve_csv: &str, funding_csv: &str) -> Result<Self, DataError> {
        let curve = parse_curve_history(curve_csv)?;
        let funding = if funding_csv.trim().is_empty() {
            Vec::new()
        } else {
            parse_funding_history(funding_csv)?
        };
        Ok(Self { curve, funding })
    }

    pub fn summary(&self) -> Summary {
        let markets: Vec<MarketSummary> = by_market(&self.curve)
            .into_iter()
            .map(|(m, rs)| {
                let count = |k: EventKind| rs.iter().filter(|e| e.kind() == k).count();
                let last = rs.iter().max_by_key(|e| e.record_id).expect("non-empty");
                MarketSummary {
                    market_index: m,
                    market: MARKETS
                        .get(m as usize)
                        .map_or(m.to_string(), |s| s.to_string()),
                    records: rs.len(),
                    repegs: count(EventKind::Repeg),
                    k_up: count(EventKind::KUp),
                    k_down: count(EventKind::KDown),
                    total_cost: rs.iter().map(|e| e.cost).sum(),
                    first_ts: rs.iter().map(|e| e.ts).min().unwrap_or(0),
                    last_ts: rs.iter().map(|e| e.ts).max().unwrap_or(0),
                    last_pool_ratio: if last.total_fee > 0.0 {
                        last.fee_pool / last.total_fee
                    } else {
                        0.0
                    },
                }
            })
            .collect();
        Summary {
            records: self.curve.len(),
            funding_records: self.funding.len(),
            total_cost: self.curve.iter().map(|e| e.cost).sum(),
            markets,
        }
    }

    /// The four volume-regression variants on periods of at least `MIN_PERIOD_HOURS`.
    pub fn volume_fits(&self) -> Result<Vec<VolumeFit>, FitError> {
        fit_variants(&volume_periods(&self.curve, MIN_PERIOD_HOURS))
    }

    /// The variant with the highest R², as an engine volume model.
    pub fn best_volume_model(&self) -> Result<VolumeModel, FitError> {
        let fits = self.volume_fits()?;
        let best = fits
            .iter()
            .max_by(|a, b| a.fit.r_squared.total_cmp(&b.fit.r_squared))
            .expect("four variants");
        Ok(VolumeModel {
            beta0: best.fit.beta[0],
            beta_price: best.fit.beta[1],
            beta_k: best.fit.beta[2],
            price_transform: best.price_transform,
            k_transform: best.k_transform,
        })
    }

    pub fn events(&self, rule: &LabelRule) -> Vec<LabeledEvent> {
        label_events(&self.curve, &self.funding, rule)
    }

    pub fn classify(
        &self,
        rule: &LabelRule,
        folds: usize,
        seed: u64,
    ) -> Result<CvReport, ClassifyError> {
        let ev = self.events(rule);
        let x: Vec<Vec<f64>> = ev.iter().map(|e| e.features().vector().to_vec()).collect();
        let y: Vec<bool> = ev.iter().map(|e| e.success).collect();
        cross_validate(&x, &y, folds, seed)
    }

    /// The logistic success model fitted on every labelled event (for the ensemble).
    pub fn success_model(&self, rule: &LabelRule) -> Result<SuccessModel, ClassifyError> {
        let ev = self.events(rule);
        let x: Vec<Vec<f64>> = ev.iter().map(|e| e.features().vector().to_vec()).collect();
        let y: Vec<bool> = ev.iter().map(|e| e.success).collect();
        SuccessModel::fit(&x, &y)
    }

    /// Trains the next-change predictor on the first 75% of windows by time; scores the rest.
    pub fn predict(&self, window: usize, seed: u64) -> (ConvNet, PredictReport) {
        evaluate(&examples(&self.curve, window), 0.25, seed)
    }
}

/// The bundled data (native builds only; the page fetches the files instead).
#[cfg(not(target_arch = "wasm32"))]
pub mod bundled {
    pub const CURVE_HISTORY: &str = include_str!("../../data/curve_history_hist.csv");
    pub const FUNDING_HISTORY: &str = include_str!("../../data/fundingRate_history_hist.csv");
}
