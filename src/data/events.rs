//! Repeg and k-adjustment events from the curve history, with the paper's features and a
//! success label.
//!
//! For each repeg or k update the window after the event runs to the next curve record of
//! the same market, the window before from the previous one. Features: open interest
//! (long + short, USD) before and after, the volume rate before and after (ΔF/fee/hours),
//! the adjustment cost, the fee pool P and its ratio to F, and the mark/oracle gap (oracle =
//! the latest hourly oracle TWAP of the market at or before the event). The label is
//! *success* when open interest grew by at least `min_oi_change` and the cost was at most
//! `max_cost_share` of P. The last event of each market has no window after and is left out.

use serde::{Deserialize, Serialize};

use super::{CurveEvent, EventKind, FundingRecord};
use crate::amm::DRIFT_FEE_RATE;

/// Thresholds of the success label.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LabelRule {
    /// Minimum relative change of open interest over the window after (0 = did not shrink).
    pub min_oi_change: f64,
    /// Maximum cost as a share of the fee pool P (negative costs always pass).
    pub max_cost_share: f64,
}

impl Default for LabelRule {
    fn default() -> Self {
        Self {
            min_oi_change: 0.0,
            max_cost_share: 0.01,
        }
    }
}

/// One labelled event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabeledEvent {
    pub record_id: u64,
    pub ts: i64,
    pub market_index: u8,
    pub kind: EventKind,
    /// Relative size of the change: Δpeg/peg (repeg) or Δ√k/√k (k update).
    pub size: f64,
    /// Open interest (long + short) in USD at the event and at the end of the window after.
    pub oi_before: f64,
    pub oi_after: f64,
    /// Volume per hour (USD) in the windows before and after.
    pub volume_before: f64,
    pub volume_after: f64,
    /// Cost to the protocol (USD, > 0 paid).
    pub cost: f64,
    /// Fee pool P after the event, and P/F.
    pub fee_pool: f64,
    pub pool_ratio: f64,
    /// (mark − oracle)/oracle before the event; 0 when no oracle record precedes it.
    pub gap: f64,
    /// Users' net position relative to total open interest, N/(long + short).
    pub imbalance: f64,
    pub success: bool,
}

/// Names of the classifier features, in `features()` order.
pub const FEATURE_NAMES: [&str; 8] = [
    "is_repeg",
    "size_pct",
    "log10_oi_usd",
    "imbalance",
    "cost_share_pct",
    "pool_ratio",
    "gap_pct",
    "log10_volume_before",
];

/// What the success classifiers know of an adjustment when it is made: built here for
/// Drift's recorded events and by `analysis::ensemble` for the simulator's proposed ones, so
/// training and inference share one encoding (`vector`, in `FEATURE_NAMES` order).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EventFeatures {
    pub is_repeg: bool,
    /// Δpeg/peg or Δ√k/√k.
    pub size: f64,
    /// Open interest (long + short) in USD.
    pub oi_usd: f64,
    /// N/(long + short).
    pub imbalance: f64,
    /// Cost to the protocol (USD, > 0 paid).
    pub cost: f64,
    /// Fee pool P and P/F.
    pub fee_pool: f64,
    pub pool_ratio: f64,
    /// (mark − oracle)/oracle.
    pub gap: f64,
    /// Volume per hour (USD) before the event.
    pub volume: f64,
}

impl EventFeatures {
    /// The numeric vector the classifiers see.
    pub fn vector(&self) -> [f64; FEATURE_NAMES.len()] {
        [
            self.is_repeg as u8 as f64,
            100.0 * self.size,
            self.oi_usd.max(1.0).log10(),
            self.imbalance,
            100.0 * self.cost / self.fee_pool.abs().max(1.0),
            self.pool_ratio,
            100.0 * self.gap,
            self.volume.max(1.0).log10(),
        ]
    }
}

impl LabeledEvent {
    /// The event's features, known at the time of the event.
    pub fn features(&self) -> EventFeatures {
        EventFeatures {
            is_repeg: self.kind == EventKind::Repeg,
            size: self.size,
            oi_usd: self.oi_before,
            imbalance: self.imbalance,
            cost: self.cost,
            fee_pool: self.fee_pool,
            pool_ratio: self.pool_ratio,
            gap: self.gap,
            volume: self.volume_before,
        }
    }
}

fn volume_rate(a: &CurveEvent, b: &CurveEvent) -> f64 {
    let hours = ((b.ts - a.ts) as f64 / 3600.0).max(1.0 / 60.0);
    (b.total_fee - a.total_fee).max(0.0) / DRIFT_FEE_RATE / hours
}

fn oi_usd(e: &CurveEvent, after_state: bool) -> f64 {
    let price = if after_state {
        crate::amm::mark_price(e.base_after, e.quote_after, e.peg_after)
    } else {
        crate::amm::mark_price(e.base_before, e.quote_before, e.peg_before)
    };
    (e.long + e.short) * price
}

/// Extracts every repeg and k update with its features and label.
pub fn label_events(
    curve: &[CurveEvent],
    funding: &[FundingRecord],
    rule: &LabelRule,
) -> Vec<LabeledEvent> {
    let mut out = Vec::new();
    for (m, rs) in super::by_market(curve) {
        let mut oracle: Vec<&FundingRecord> =
            funding.iter().filter(|f| f.market_index == m).collect();
        oracle.sort_by_key(|f| f.ts);
        for i in 0..rs.len() {
            let e = rs[i];
            let kind = e.kind();
            if kind == EventKind::None || i + 1 >= rs.len() {
                continue;
            }
            let next = rs[i + 1];
            let size = match kind {
                EventKind::Repeg => e.peg_after / e.peg_before - 1.0,
                _ => e.sqrt_k_after / e.sqrt_k_before - 1.0,
            };
            let mark = crate::amm::mark_price(e.base_before, e.quote_before, e.peg_before);
            let idx = oracle.partition_point(|f| f.ts <= e.ts);
            let gap = match idx.checked_sub(1).map(|j| oracle[j]) {
                Some(f) if e.ts - f.ts <= 2 * 3600 => (mark - f.oracle_twap) / f.oracle_twap,
                _ => 0.0,
            };
            let volume_before = if i > 0 {
                volume_rate(rs[i - 1], e)
            } else {
                0.0
            };
            let volume_after = volume_rate(e, next);
            let oi_before = oi_usd(e, false);
            let oi_after = oi_usd(next, false);
            let total = e.long + e.short;
            let oi_change = if oi_before > 0.0 {
                oi_after / oi_before - 1.0
            } else {
                0.0
            };
            let cost_share = e.cost / e.fee_pool.abs().max(1.0);
            out.push(LabeledEvent {
                record_id: e.record_id,
                ts: e.ts,
                market_index: m,
                kind,
                size,
                oi_before,
                oi_after,
                volume_before,
                volume_after,
                cost: e.cost,
                fee_pool: e.fee_pool,
                pool_ratio: if e.total_fee > 0.0 {
                    e.fee_pool / e.total_fee
                } else {
                    0.0
                },
                gap,
                imbalance: if total > 0.0 { e.net_base / total } else { 0.0 },
                success: oi_change >= rule.min_oi_change && cost_share <= rule.max_cost_share,
            });
        }
    }
    out.sort_by_key(|e| e.record_id);
    out
}
