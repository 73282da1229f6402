//! Rewards: the volume model, its least-squares fit, and the two reward functions.
//!
//! The seed paper links trading volume to price and liquidity with a linear regression,
//! volume = β0 + β1·f(price) + β2·g(k), and rewards the protocol with the fee-pool inflow
//! volume·fee·tranche. The `control` MDP uses a cost-aware reward instead (see
//! `docs/modeling.md` §1–3): fee share − adjustment costs + funding kept.
//! This module is pure arithmetic; it does not simulate anything.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::amm::{DRIFT_FEE_RATE, TRANCHE};

/// A regressor transform f or g of the volume model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    #[default]
    Identity,
    Sqrt,
}

impl Transform {
    /// Every transform, in the registry's order (`identity`, `sqrt`).
    pub const ALL: [Transform; 2] = [Transform::Identity, Transform::Sqrt];

    /// f(x) = x or √x (the paper's optional √-transform).
    #[inline]
    pub fn apply(self, x: f64) -> f64 {
        match self {
            Transform::Identity => x,
            Transform::Sqrt => x.max(0.0).sqrt(),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "identity" | "id" | "linear" => Some(Self::Identity),
            "sqrt" => Some(Self::Sqrt),
            _ => None,
        }
    }
}

/// Volume per step in USD: β0 + β1·f(price) + β2·g(k), with k = √k² (paper §RL;
/// docs/amm-formulas.md §10).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VolumeModel {
    pub beta0: f64,
    pub beta_price: f64,
    pub beta_k: f64,
    pub price_transform: Transform,
    pub k_transform: Transform,
}

impl Default for VolumeModel {
    /// The best variant of the paper's regression on Drift's history (highest R² of the four):
    /// volume/h = β0 + β1·√price + β2·√k, fitted by `analysis::Dataset::best_volume_model` on the
    /// bundled curve history (149 periods of ≥ 1 h; R² = 0.043; README "Volume regression").
    /// `tests/data.rs` checks these numbers against the fit.
    fn default() -> Self {
        Self {
            beta0: 223_272.726_460_683_74,
            beta_price: -451.057_512_625_532_6,
            beta_k: 0.013_849_202_058_367_838,
            price_transform: Transform::Sqrt,
            k_transform: Transform::Sqrt,
        }
    }
}

impl VolumeModel {
    /// Expected volume at a price and √k, floored at 0 (a regression can go negative).
    #[inline]
    pub fn volume(&self, price: f64, sqrt_k: f64) -> f64 {
        let k_term = match self.k_transform {
            Transform::Identity => sqrt_k * sqrt_k,
            Transform::Sqrt => sqrt_k,
        };
        (self.beta0 + self.beta_price * self.price_transform.apply(price) + self.beta_k * k_term)
            .max(0.0)
    }
}

/// The paper's reward R = volume·fee·tranche (0.001·0.5 by default).
#[inline]
pub fn paper_reward(volume: f64, fee_rate: f64, tranche: f64) -> f64 {
    volume * fee_rate * tranche
}

/// The paper's default reward per USD of volume: 0.001 × 0.5.
pub const PAPER_REWARD_PER_USD: f64 = DRIFT_FEE_RATE * TRANCHE;

/// The parts of one step's cost-aware reward, kept apart so the page can show each term.
/// `crate::money` splits them further by who paid whom.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RewardParts {
    /// Protocol's share of the step's trade fees (fee × tranche), summed as
    /// (`fee_uninformed` + `fee_informed`) + `fee_arbitrageur`.
    pub fee_income: f64,
    /// Of `fee_income`: the share paid by an uninformed trader.
    #[serde(skip_serializing_if = "is_zero")]
    pub fee_uninformed: f64,
    /// Of `fee_income`: the share paid by an informed trader.
    #[serde(skip_serializing_if = "is_zero")]
    pub fee_informed: f64,
    /// Of `fee_income`: the share paid by the arbitrageur (`traders.arbitrageur`).
    #[serde(skip_serializing_if = "is_zero")]
    pub fee_arbitrageur: f64,
    /// Memo, not in `net()`: the AMM's loss to the informed trader's fill marked at the
    /// oracle, (oracle − execution price)·base for a long (> 0 = the AMM lost).
    #[serde(skip_serializing_if = "is_zero")]
    pub informed_loss: f64,
    /// Memo, not in `net()`: the AMM's loss to the arbitrageur's fill marked at the oracle.
    #[serde(skip_serializing_if = "is_zero")]
    pub arbitrageur_loss: f64,
    /// Memo, not in `net()`: the loss-versus-rebalancing reference for this step, the
    /// virtual pool's value 2·q·p before the oracle moved × (1 − e^(−σ²/8))
    /// (docs/lvr.md; only with the arbitrageur on a GBM oracle, else 0).
    #[serde(skip_serializing_if = "is_zero")]
    pub lvr_reference: f64,
    /// Adjustment cost paid (> 0) or earned (< 0) by a repeg or k update.
    pub adjustment_cost: f64,
    /// Funding the protocol received (> 0) or paid (< 0).
    pub funding: f64,
    /// Change of the AMM's counterparty position marked at the oracle (only if enabled).
    pub counterparty_pnl: f64,
    /// Operating overhead of an adjustment (transaction and operations, USD; ≥ 0).
    pub overhead: f64,
}

/// Whether a money-split field is zero: those are left out of the JSON (most are zero on
/// most steps, and the page's frames carry whole trajectories).
fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

impl RewardParts {
    /// Cost-aware reward = fee share − adjustment cost − overhead + funding (+ counterparty
    /// PnL if on).
    #[inline]
    pub fn net(&self) -> f64 {
        self.fee_income - self.adjustment_cost - self.overhead
            + self.funding
            + self.counterparty_pnl
    }

    /// The reward when the books value open positions at the oracle (`mdp.valuation =
    /// oracle`): fee share − overhead + funding + counterparty PnL at the oracle. The repeg
    /// and k costs re-mark the curve only and stay out (docs/modeling.md §15).
    #[inline]
    pub fn net_at_oracle(&self) -> f64 {
        self.fee_income - self.overhead + self.funding + self.counterparty_pnl
    }
}

/// Errors of the least-squares fit.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FitError {
    #[error("need at least {needed} rows for {params} parameters, got {got}")]
    TooFewRows {
        needed: usize,
        params: usize,
        got: usize,
    },
    #[error("row {row}: expected {expected} regressors, got {got}")]
    RaggedRow {
        row: usize,
        expected: usize,
        got: usize,
    },
    #[error("row {row}: value {value} is not finite")]
    NotFinite { row: usize, value: f64 },
    #[error("the regressors are collinear (X'X is singular)")]
    Singular,
}

/// An ordinary least-squares fit with intercept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OlsFit {
    /// β0 (intercept) followed by one coefficient per regressor.
    pub beta: Vec<f64>,
    /// Standard errors of β, √(σ̂²·diag((X'X)⁻¹)).
    pub std_err: Vec<f64>,
    /// Coefficient of determination 1 − RSS/TSS.
    pub r_squared: f64,
    /// Residual variance estimate σ̂² = RSS/(n − p).
    pub sigma2: f64,
    /// Number of observations.
    pub n: usize,
    /// Residuals y − Xβ, in row order.
    pub residuals: Vec<f64>,
}

/// Inverts a small symmetric positive-definite matrix (row-major, dim d) by Gauss–Jordan
/// with partial pivoting; `None` when singular.
fn invert(mut a: Vec<f64>, d: usize) -> Option<Vec<f64>> {
    let mut inv = vec![0.0; d * d];
    for i in 0..d {
        inv[i * d + i] = 1.0;
    }
    let scale = a
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    for col in 0..d {
        let pivot =
            (col..d).max_by(|&i, &j| a[i * d + col].abs().total_cmp(&a[j * d + col].abs()))?;
        if a[pivot * d + col].abs() <= scale * 1e-13 {
            return None;
        }
        for k in 0..d {
            a.swap(col * d + k, pivot * d + k);
            inv.swap(col * d + k, pivot * d + k);
        }
        let p = a[col * d + col];
        for k in 0..d {
            a[col * d + k] /= p;
            inv[col * d + k] /= p;
        }
        for row in 0..d {
            if row != col {
                let f = a[row * d + col];
                if f != 0.0 {
                    for k in 0..d {
                        a[row * d + k] -= f * a[col * d + k];
                        inv[row * d + k] -= f * inv[col * d + k];
                    }
                }
            }
        }
    }
    Some(inv)
}

/// Fits y = β0 + Σ βj·xj by least squares (normal equations on centred, scaled columns,
/// which keeps X'X well conditioned when regressors differ by orders of magnitude).
pub fn ols(xs: &[Vec<f64>], ys: &[f64]) -> Result<OlsFit, FitError> {
    let n = ys.len();
    let m = xs.first().map_or(0, |r| r.len());
    let p = m + 1;
    if n <= p {
        return Err(FitError::TooFewRows {
            needed: p + 1,
            params: p,
            got: n,
        });
    }
    for (row, (x, &y)) in xs.iter().zip(ys).enumerate() {
        if x.len() != m {
            return Err(FitError::RaggedRow {
                row,
                expected: m,
                got: x.len(),
            });
        }
        if let Some(&v) = x.iter().chain(std::iter::once(&y)).find(|v| !v.is_finite()) {
            return Err(FitError::NotFinite { row, value: v });
        }
    }
    if xs.len() != n {
        return Err(FitError::TooFewRows {
            needed: n,
            params: p,
            got: xs.len(),
        });
    }
    let nf = n as f64;
    let mean_x: Vec<f64> = (0..m)
        .map(|j| xs.iter().map(|r| r[j]).sum::<f64>() / nf)
        .collect();
    let sd_x: Vec<f64> = (0..m)
        .map(|j| {
            let v = xs.iter().map(|r| (r[j] - mean_x[j]).powi(2)).sum::<f64>() / nf;
            if v > 0.0 {
                v.sqrt()
            } else {
                1.0
            }
        })
        .collect();
    let mean_y = ys.iter().sum::<f64>() / nf;
    // Standardised design z = (x − mean)/sd; slope part solved on Z'Z, intercept recovered.
    let z = |r: &Vec<f64>, j: usize| (r[j] - mean_x[j]) / sd_x[j];
    let mut ztz = vec![0.0; m * m];
    let mut zty = vec![0.0; m];
    for (r, &y) in xs.iter().zip(ys) {
        for j in 0..m {
            let zj = z(r, j);
            zty[j] += zj * (y - mean_y);
            for k in 0..m {
                ztz[j * m + k] += zj * z(r, k);
            }
        }
    }
    let inv = if m > 0 {
        invert(ztz, m).ok_or(FitError::Singular)?
    } else {
        Vec::new()
    };
    let gamma: Vec<f64> = (0..m)
        .map(|j| (0..m).map(|k| inv[j * m + k] * zty[k]).sum())
        .collect();
    let slopes: Vec<f64> = (0..m).map(|j| gamma[j] / sd_x[j]).collect();
    let intercept = mean_y - (0..m).map(|j| slopes[j] * mean_x[j]).sum::<f64>();
    let residuals: Vec<f64> = xs
        .iter()
        .zip(ys)
        .map(|(r, &y)| y - intercept - (0..m).map(|j| slopes[j] * r[j]).sum::<f64>())
        .collect();
    let rss: f64 = residuals.iter().map(|e| e * e).sum();
    let tss: f64 = ys.iter().map(|y| (y - mean_y).powi(2)).sum();
    let sigma2 = rss / (n - p) as f64;
    // Var(slope_j) = σ²·inv_jj/sd_j²; Var(β0) = σ²(1/n + Σ_jk x̄_j x̄_k inv_jk/(sd_j sd_k)).
    let mut std_err = Vec::with_capacity(p);
    let mut v0 = 1.0 / nf;
    for j in 0..m {
        for k in 0..m {
            v0 += mean_x[j] * mean_x[k] * inv[j * m + k] / (sd_x[j] * sd_x[k]);
        }
    }
    std_err.push((sigma2 * v0).sqrt());
    for j in 0..m {
        std_err.push((sigma2 * inv[j * m + j]).sqrt() / sd_x[j]);
    }
    let mut beta = vec![intercept];
    beta.extend(slopes);
    Ok(OlsFit {
        beta,
        std_err,
        r_squared: if tss > 0.0 { 1.0 - rss / tss } else { 1.0 },
        sigma2,
        n,
        residuals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ols_recovers_exact_plane() {
        let xs: Vec<Vec<f64>> = (0..20)
            .map(|i| vec![i as f64, ((i * 7) % 5) as f64 * 1e6])
            .collect();
        let ys: Vec<f64> = xs.iter().map(|x| 3.0 + 2.0 * x[0] - 4e-6 * x[1]).collect();
        let f = ols(&xs, &ys).unwrap();
        assert!((f.beta[0] - 3.0).abs() < 1e-9);
        assert!((f.beta[1] - 2.0).abs() < 1e-12);
        assert!((f.beta[2] + 4e-6).abs() < 1e-18);
        assert!((f.r_squared - 1.0).abs() < 1e-12);
    }

    #[test]
    fn ols_simple_regression_matches_textbook() {
        // x = 1..5, y = 2,4,5,4,5: slope 0.6, intercept 2.2, R² = 0.6, se(slope) = √(2.4/3/10).
        let xs: Vec<Vec<f64>> = (1..=5).map(|i| vec![i as f64]).collect();
        let ys = [2.0, 4.0, 5.0, 4.0, 5.0];
        let f = ols(&xs, &ys).unwrap();
        assert!((f.beta[0] - 2.2).abs() < 1e-12);
        assert!((f.beta[1] - 0.6).abs() < 1e-12);
        assert!((f.r_squared - 0.6).abs() < 1e-12);
        assert!((f.std_err[1] - (0.8f64 / 10.0).sqrt()).abs() < 1e-12);
        // se(β0) = √(σ²(1/n + x̄²/Sxx)) = √(0.8·(0.2 + 9/10)).
        assert!((f.std_err[0] - (0.8f64 * 1.1).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn ols_rejects_collinear_and_short_input() {
        let xs: Vec<Vec<f64>> = (0..10).map(|i| vec![i as f64, 2.0 * i as f64]).collect();
        let ys: Vec<f64> = (0..10).map(|i| i as f64).collect();
        assert_eq!(ols(&xs, &ys).unwrap_err(), FitError::Singular);
        assert!(matches!(
            ols(&xs[..2], &ys[..2]),
            Err(FitError::TooFewRows { .. })
        ));
    }

    #[test]
    fn volume_model_transforms() {
        let m = VolumeModel {
            beta0: 1.0,
            beta_price: 2.0,
            beta_k: 3.0,
            price_transform: Transform::Sqrt,
            k_transform: Transform::Identity,
        };
        assert_eq!(m.volume(4.0, 2.0), 1.0 + 2.0 * 2.0 + 3.0 * 4.0);
        assert_eq!(paper_reward(10_000.0, 0.001, 0.5), 5.0);
    }
}
