//! Supervised learning on Drift's history: classifiers of adjustment success
//! (`classify`) and the next-change predictor (`sequence`). The classifiers come from
//! smartcore; the sequence model is small enough to write out (with gradient checks in its
//! tests). The recommendation that combines them with the RL policy is `analysis::ensemble`.

pub mod classify;
pub mod sequence;

/// Standardises columns to mean 0 and standard deviation 1 using statistics of `fit_rows`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scaler {
    pub mean: Vec<f64>,
    pub sd: Vec<f64>,
}

impl Scaler {
    pub fn fit(rows: &[Vec<f64>]) -> Self {
        let n = rows.len().max(1) as f64;
        let d = rows.first().map_or(0, |r| r.len());
        let mean: Vec<f64> = (0..d)
            .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / n)
            .collect();
        let sd = (0..d)
            .map(|j| {
                let v = rows.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n;
                if v > 1e-24 {
                    v.sqrt()
                } else {
                    1.0
                }
            })
            .collect();
        Self { mean, sd }
    }

    pub fn apply(&self, row: &[f64]) -> Vec<f64> {
        row.iter()
            .zip(self.mean.iter().zip(&self.sd))
            .map(|(x, (m, s))| (x - m) / s)
            .collect()
    }
}
