//! Success classifiers for repeg / k events: k-nearest neighbours, Gaussian naive Bayes, a
//! decision tree and logistic regression (smartcore), compared by stratified k-fold
//! cross-validation with the majority-class baseline.

use serde::Serialize;
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};
use smartcore::naive_bayes::gaussian::{GaussianNB, GaussianNBParameters};
use smartcore::neighbors::knn_classifier::{KNNClassifier, KNNClassifierParameters};
use smartcore::tree::decision_tree_classifier::{
    DecisionTreeClassifier, DecisionTreeClassifierParameters,
};
use thiserror::Error;

use super::Scaler;
use crate::rng::SimRng;

/// The classifiers compared, plus the baseline.
pub const MODELS: [&str; 5] = [
    "majority",
    "knn",
    "naive_bayes",
    "decision_tree",
    "logistic",
];

#[derive(Debug, Clone, PartialEq, Error)]
pub enum ClassifyError {
    #[error("need at least {need} events of each class for {folds}-fold cross-validation, got {pos} successes and {neg} failures")]
    TooFew {
        need: usize,
        folds: usize,
        pos: usize,
        neg: usize,
    },
    #[error("{model}: {message}")]
    Model {
        model: &'static str,
        message: String,
    },
}

/// Binary classification metrics (positive class = success).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Metrics {
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Metrics {
    /// Metrics of predictions against truth (precision/recall are 0 when undefined).
    pub fn of(truth: &[bool], pred: &[bool]) -> Self {
        let (mut tp, mut fp, mut fn_, mut tn) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
        for (&t, &p) in truth.iter().zip(pred) {
            match (t, p) {
                (true, true) => tp += 1.0,
                (false, true) => fp += 1.0,
                (true, false) => fn_ += 1.0,
                (false, false) => tn += 1.0,
            }
        }
        let precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
        let recall = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Self {
            accuracy: (tp + tn) / (tp + fp + fn_ + tn).max(1.0),
            precision,
            recall,
            f1,
        }
    }
}

/// Cross-validated metrics of one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelScore {
    pub model: &'static str,
    pub metrics: Metrics,
}

/// The cross-validation table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvReport {
    pub events: usize,
    pub successes: usize,
    pub folds: usize,
    pub seed: u64,
    pub scores: Vec<ModelScore>,
}

fn model_err(model: &'static str) -> impl Fn(smartcore::error::Failed) -> ClassifyError {
    move |e| ClassifyError::Model {
        model,
        message: e.to_string(),
    }
}

fn matrix(rows: &[Vec<f64>]) -> Result<DenseMatrix<f64>, ClassifyError> {
    DenseMatrix::from_2d_vec(&rows.to_vec()).map_err(model_err("data"))
}

/// Trains `model` on (x, y) and predicts `test`; x is standardised on the training rows.
pub fn fit_predict(
    model: &'static str,
    x: &[Vec<f64>],
    y: &[bool],
    test: &[Vec<f64>],
) -> Result<Vec<bool>, ClassifyError> {
    if model == "majority" {
        let pos = y.iter().filter(|b| **b).count();
        return Ok(vec![2 * pos > y.len(); test.len()]);
    }
    let scaler = Scaler::fit(x);
    let xs: Vec<Vec<f64>> = x.iter().map(|r| scaler.apply(r)).collect();
    let ts: Vec<Vec<f64>> = test.iter().map(|r| scaler.apply(r)).collect();
    let xm = matrix(&xs)?;
    let tm = matrix(&ts)?;
    let yi: Vec<u32> = y.iter().map(|b| *b as u32).collect();
    let pred: Vec<u32> = match model {
        "knn" => KNNClassifier::fit(&xm, &yi, KNNClassifierParameters::default().with_k(5))
            .and_then(|m| m.predict(&tm))
            .map_err(model_err("knn"))?,
        "naive_bayes" => GaussianNB::fit(&xm, &yi, GaussianNBParameters::default())
            .and_then(|m| m.predict(&tm))
            .map_err(model_err("naive_bayes"))?,
        "decision_tree" => DecisionTreeClassifier::fit(
            &xm,
            &yi,
            DecisionTreeClassifierParameters::default()
                .with_max_depth(4)
                .with_min_samples_leaf(5),
        )
        .and_then(|m| m.predict(&tm))
        .map_err(model_err("decision_tree"))?,
        "logistic" => LogisticRegression::fit(&xm, &yi, LogisticRegressionParameters::default())
            .and_then(|m| m.predict(&tm))
            .map_err(model_err("logistic"))?,
        _ => {
            return Err(ClassifyError::Model {
                model: "?",
                message: format!("unknown model {model}"),
            })
        }
    };
    Ok(pred.into_iter().map(|p| p == 1).collect())
}

/// A fitted logistic regression giving the probability of success of an event.
#[derive(Debug, Clone, PartialEq)]
pub struct SuccessModel {
    scaler: Scaler,
    coef: Vec<f64>,
    intercept: f64,
}

impl SuccessModel {
    /// Fits on labelled feature rows (standardised on these rows).
    pub fn fit(x: &[Vec<f64>], y: &[bool]) -> Result<Self, ClassifyError> {
        let scaler = Scaler::fit(x);
        let xs: Vec<Vec<f64>> = x.iter().map(|r| scaler.apply(r)).collect();
        let yi: Vec<u32> = y.iter().map(|b| *b as u32).collect();
        let m =
            LogisticRegression::fit(&matrix(&xs)?, &yi, LogisticRegressionParameters::default())
                .map_err(model_err("logistic"))?;
        let d = x.first().map_or(0, |r| r.len());
        Ok(Self {
            coef: (0..d).map(|j| *m.coefficients().get((0, j))).collect(),
            intercept: *m.intercept().get((0, 0)),
            scaler,
        })
    }

    /// P(success | row) = 1/(1 + e^(−(β·z + β0))), z the standardised row.
    pub fn probability(&self, row: &[f64]) -> f64 {
        let z: f64 = self
            .scaler
            .apply(row)
            .iter()
            .zip(&self.coef)
            .map(|(v, b)| v * b)
            .sum::<f64>()
            + self.intercept;
        1.0 / (1.0 + (-z).exp())
    }
}

/// Stratified fold of every row: each class is shuffled with `seed` and dealt round-robin.
pub fn stratified_folds(y: &[bool], folds: usize, seed: u64) -> Vec<usize> {
    let mut rng = SimRng::new(seed);
    let mut fold = vec![0; y.len()];
    for class in [false, true] {
        let mut idx: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        // Fisher–Yates with the engine's portable generator.
        for i in (1..idx.len()).rev() {
            let j = rng.index(i + 1);
            idx.swap(i, j);
        }
        for (k, &i) in idx.iter().enumerate() {
            fold[i] = k % folds;
        }
    }
    fold
}

/// Stratified k-fold cross-validation of every model in `MODELS`.
pub fn cross_validate(
    x: &[Vec<f64>],
    y: &[bool],
    folds: usize,
    seed: u64,
) -> Result<CvReport, ClassifyError> {
    let pos = y.iter().filter(|b| **b).count();
    let neg = y.len() - pos;
    if folds < 2 || pos < folds || neg < folds {
        return Err(ClassifyError::TooFew {
            need: folds.max(2),
            folds,
            pos,
            neg,
        });
    }
    let fold = stratified_folds(y, folds, seed);
    let mut scores = Vec::new();
    for model in MODELS {
        let mut pred = vec![false; y.len()];
        for f in 0..folds {
            let train: Vec<usize> = (0..y.len()).filter(|&i| fold[i] != f).collect();
            let test: Vec<usize> = (0..y.len()).filter(|&i| fold[i] == f).collect();
            let tx: Vec<Vec<f64>> = train.iter().map(|&i| x[i].clone()).collect();
            let ty: Vec<bool> = train.iter().map(|&i| y[i]).collect();
            let sx: Vec<Vec<f64>> = test.iter().map(|&i| x[i].clone()).collect();
            for (i, p) in test.iter().zip(fit_predict(model, &tx, &ty, &sx)?) {
                pred[*i] = p;
            }
        }
        scores.push(ModelScore {
            model,
            metrics: Metrics::of(y, &pred),
        });
    }
    Ok(CvReport {
        events: y.len(),
        successes: pos,
        folds,
        seed,
        scores,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_by_hand() {
        let t = [true, true, false, false, true];
        let p = [true, false, false, true, true];
        let m = Metrics::of(&t, &p);
        assert_eq!(m.accuracy, 0.6);
        assert!((m.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.recall - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.f1 - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn folds_are_stratified() {
        let y: Vec<bool> = (0..50).map(|i| i % 5 == 0).collect();
        let f = stratified_folds(&y, 5, 1);
        for k in 0..5 {
            assert_eq!((0..50).filter(|&i| f[i] == k && y[i]).count(), 2);
            assert_eq!((0..50).filter(|&i| f[i] == k).count(), 10);
        }
    }

    #[test]
    fn separable_data_is_learned() {
        let x: Vec<Vec<f64>> = (0..60).map(|i| vec![i as f64, (i % 7) as f64]).collect();
        let y: Vec<bool> = (0..60).map(|i| i >= 30).collect();
        let r = cross_validate(&x, &y, 5, 3).unwrap();
        for s in &r.scores[1..] {
            assert!(s.metrics.accuracy >= 0.9, "{s:?}");
        }
        assert_eq!(r.scores[0].metrics.accuracy, 0.5);
    }
}
