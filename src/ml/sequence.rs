//! Predicting the next curve change: a small 1-D convolutional network over a window of a
//! market's recent events, against the naive baselines (no change; repeat the last change).
//!
//! Each event is a step of 4 features (is repeg, Δpeg %, Δ√k %, log hours since the
//! previous event). The net: conv (F filters, kernel K, ReLU) over the window → mean over
//! time → linear → (next Δpeg %, next Δ√k %). Trained full-batch with Adam on the Huber
//! loss (δ = 1 percentage point, robust to the few huge LUNA steps). Gradients are
//! hand-derived and checked against finite differences in the tests.

// The network is a few index-heavy numeric kernels; explicit indices read best there.
#![allow(clippy::needless_range_loop)]

use serde::Serialize;

use crate::data::{CurveEvent, EventKind};
use crate::rng::SimRng;

/// Features per event.
pub const STEP_FEATURES: usize = 4;
/// Outputs: next Δpeg % and next Δ√k %.
pub const OUTPUTS: usize = 2;

/// One training example: a window of W events (oldest first) and the next event's change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    pub ts: i64,
    pub market_index: u8,
    pub window: Vec<[f64; STEP_FEATURES]>,
    pub target: [f64; OUTPUTS],
}

fn step_of(e: &CurveEvent, prev_ts: Option<i64>) -> [f64; STEP_FEATURES] {
    let dpeg = 100.0 * (e.peg_after / e.peg_before - 1.0);
    let dk = 100.0 * (e.sqrt_k_after / e.sqrt_k_before - 1.0);
    let hours = prev_ts.map_or(24.0, |p| ((e.ts - p) as f64 / 3600.0).max(1.0 / 60.0));
    [
        (e.kind() == EventKind::Repeg) as u8 as f64,
        dpeg,
        dk,
        hours.log10(),
    ]
}

fn target_of(e: &CurveEvent) -> [f64; OUTPUTS] {
    [
        100.0 * (e.peg_after / e.peg_before - 1.0),
        100.0 * (e.sqrt_k_after / e.sqrt_k_before - 1.0),
    ]
}

/// Windows of `w` consecutive events per market and the change that followed, time-ordered.
pub fn examples(events: &[CurveEvent], w: usize) -> Vec<Example> {
    let mut out = Vec::new();
    for (m, all) in crate::data::by_market(events) {
        let rs: Vec<&CurveEvent> = all
            .into_iter()
            .filter(|e| e.kind() != EventKind::None)
            .collect();
        let steps: Vec<[f64; STEP_FEATURES]> = rs
            .iter()
            .enumerate()
            .map(|(i, e)| step_of(e, i.checked_sub(1).map(|j| rs[j].ts)))
            .collect();
        for end in w..rs.len() {
            out.push(Example {
                ts: rs[end].ts,
                market_index: m,
                window: steps[end - w..end].to_vec(),
                target: target_of(rs[end]),
            });
        }
    }
    out.sort_by_key(|e| (e.ts, e.market_index));
    out
}

/// The convolutional predictor (parameters in one flat vector for the optimiser).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConvNet {
    pub filters: usize,
    pub kernel: usize,
    /// Events per input window the net was trained on (≥ kernel); inference uses the last
    /// `window` events.
    pub window: usize,
    /// conv weights [F][K][C], conv biases [F], head weights [O][F], head biases [O].
    pub params: Vec<f64>,
    /// Input standardisation (per feature).
    pub mean: [f64; STEP_FEATURES],
    pub sd: [f64; STEP_FEATURES],
    /// Range of the training targets per output; predictions are clamped to it.
    pub target_lo: [f64; OUTPUTS],
    pub target_hi: [f64; OUTPUTS],
}

impl ConvNet {
    fn n_params(filters: usize, kernel: usize) -> usize {
        filters * kernel * STEP_FEATURES + filters + OUTPUTS * filters + OUTPUTS
    }

    /// Random initialisation (scaled uniform), seeded.
    pub fn new(filters: usize, kernel: usize, seed: u64) -> Self {
        let mut rng = SimRng::new(seed);
        let fan_in = (kernel * STEP_FEATURES) as f64;
        let params = (0..Self::n_params(filters, kernel))
            .map(|_| (2.0 * rng.uniform() - 1.0) / fan_in.sqrt())
            .collect();
        Self {
            filters,
            kernel,
            window: kernel,
            params,
            mean: [0.0; STEP_FEATURES],
            sd: [1.0; STEP_FEATURES],
            target_lo: [f64::NEG_INFINITY; OUTPUTS],
            target_hi: [f64::INFINITY; OUTPUTS],
        }
    }

    fn norm(&self, x: &[f64; STEP_FEATURES]) -> [f64; STEP_FEATURES] {
        let mut z = [0.0; STEP_FEATURES];
        for c in 0..STEP_FEATURES {
            z[c] = (x[c] - self.mean[c]) / self.sd[c];
        }
        z
    }

    /// Forward pass; with `grad`, adds ∂loss/∂params for the Huber loss against `target`.
    fn run(
        &self,
        window: &[[f64; STEP_FEATURES]],
        target: Option<&[f64; OUTPUTS]>,
        grad: Option<&mut [f64]>,
    ) -> ([f64; OUTPUTS], f64) {
        let (f_n, k_n, c_n) = (self.filters, self.kernel, STEP_FEATURES);
        let p = &self.params;
        let conv_b = f_n * k_n * c_n;
        let head_w = conv_b + f_n;
        let head_b = head_w + OUTPUTS * f_n;
        let x: Vec<[f64; STEP_FEATURES]> = window.iter().map(|s| self.norm(s)).collect();
        let positions = x.len().saturating_sub(k_n) + 1;
        // h[f] = mean over t of relu(pre[t][f]).
        let mut pre = vec![0.0; positions * f_n];
        let mut h = vec![0.0; f_n];
        for t in 0..positions {
            for f in 0..f_n {
                let mut s = p[conv_b + f];
                for k in 0..k_n {
                    for c in 0..c_n {
                        s += p[(f * k_n + k) * c_n + c] * x[t + k][c];
                    }
                }
                pre[t * f_n + f] = s;
                h[f] += s.max(0.0) / positions as f64;
            }
        }
        let mut y = [0.0; OUTPUTS];
        for o in 0..OUTPUTS {
            y[o] = p[head_b + o]
                + (0..f_n)
                    .map(|f| p[head_w + o * f_n + f] * h[f])
                    .sum::<f64>();
        }
        let mut loss = 0.0;
        if let Some(tg) = target {
            let mut dy = [0.0; OUTPUTS];
            for o in 0..OUTPUTS {
                let e = y[o] - tg[o];
                // Huber with δ = 1: ½e² inside, |e| − ½ outside.
                loss += if e.abs() <= 1.0 {
                    0.5 * e * e
                } else {
                    e.abs() - 0.5
                };
                dy[o] = e.clamp(-1.0, 1.0);
            }
            if let Some(g) = grad {
                let mut dh = vec![0.0; f_n];
                for o in 0..OUTPUTS {
                    g[head_b + o] += dy[o];
                    for f in 0..f_n {
                        g[head_w + o * f_n + f] += dy[o] * h[f];
                        dh[f] += dy[o] * p[head_w + o * f_n + f];
                    }
                }
                for t in 0..positions {
                    for f in 0..f_n {
                        if pre[t * f_n + f] <= 0.0 {
                            continue;
                        }
                        let d = dh[f] / positions as f64;
                        g[conv_b + f] += d;
                        for k in 0..k_n {
                            for c in 0..c_n {
                                g[(f * k_n + k) * c_n + c] += d * x[t + k][c];
                            }
                        }
                    }
                }
            }
        }
        (y, loss)
    }

    /// Prediction for one window, clamped to the range of the training targets.
    pub fn predict(&self, window: &[[f64; STEP_FEATURES]]) -> [f64; OUTPUTS] {
        let mut y = self.run(window, None, None).0;
        for o in 0..OUTPUTS {
            y[o] = y[o].clamp(self.target_lo[o], self.target_hi[o]);
        }
        y
    }

    /// Mean loss and its gradient over a batch.
    pub fn loss_and_grad(&self, batch: &[Example]) -> (f64, Vec<f64>) {
        let mut g = vec![0.0; self.params.len()];
        let mut loss = 0.0;
        for ex in batch {
            loss += self.run(&ex.window, Some(&ex.target), Some(&mut g)).1;
        }
        let n = batch.len().max(1) as f64;
        g.iter_mut().for_each(|v| *v /= n);
        (loss / n, g)
    }

    /// Fits the input scaling on `train`, then runs `epochs` full-batch Adam steps.
    pub fn train(&mut self, train: &[Example], epochs: usize, lr: f64) {
        let rows: Vec<&[f64; STEP_FEATURES]> = train.iter().flat_map(|e| e.window.iter()).collect();
        let n = rows.len().max(1) as f64;
        for c in 0..STEP_FEATURES {
            let m = rows.iter().map(|r| r[c]).sum::<f64>() / n;
            let v = rows.iter().map(|r| (r[c] - m).powi(2)).sum::<f64>() / n;
            self.mean[c] = m;
            self.sd[c] = if v > 1e-24 { v.sqrt() } else { 1.0 };
        }
        // With no training data the bounds stay infinite (no clamp).
        if !train.is_empty() {
            for o in 0..OUTPUTS {
                self.target_lo[o] = train
                    .iter()
                    .map(|e| e.target[o])
                    .fold(f64::INFINITY, f64::min);
                self.target_hi[o] = train
                    .iter()
                    .map(|e| e.target[o])
                    .fold(f64::NEG_INFINITY, f64::max);
            }
        }
        let (b1, b2, eps) = (0.9, 0.999, 1e-8);
        let mut m1 = vec![0.0; self.params.len()];
        let mut m2 = vec![0.0; self.params.len()];
        for t in 1..=epochs {
            let (_, g) = self.loss_and_grad(train);
            let c1 = 1.0 - libm::pow(b1, t as f64);
            let c2 = 1.0 - libm::pow(b2, t as f64);
            for i in 0..self.params.len() {
                m1[i] = b1 * m1[i] + (1.0 - b1) * g[i];
                m2[i] = b2 * m2[i] + (1.0 - b2) * g[i] * g[i];
                self.params[i] -= lr * (m1[i] / c1) / ((m2[i] / c2).sqrt() + eps);
            }
        }
    }
}

/// Mean absolute error of the predictor and the baselines on a time-ordered hold-out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictReport {
    pub window: usize,
    pub train: usize,
    pub test: usize,
    /// MAE in percentage points, averaged over both outputs.
    pub mae_model: f64,
    pub mae_no_change: f64,
    pub mae_last_change: f64,
    /// Share of test events whose direction (sign of the non-zero change) the model gets right.
    pub direction_accuracy: f64,
}

fn mae(pred: &[[f64; OUTPUTS]], truth: &[[f64; OUTPUTS]]) -> f64 {
    let s: f64 = pred
        .iter()
        .zip(truth)
        .map(|(p, t)| (0..OUTPUTS).map(|o| (p[o] - t[o]).abs()).sum::<f64>())
        .sum();
    s / (pred.len().max(1) * OUTPUTS) as f64
}

/// Trains on the first `1 − holdout` of the examples by time and scores the rest.
pub fn evaluate(examples: &[Example], holdout: f64, seed: u64) -> (ConvNet, PredictReport) {
    let cut = ((examples.len() as f64) * (1.0 - holdout)).round() as usize;
    let (train, test) = examples.split_at(cut.min(examples.len()));
    let mut net = ConvNet::new(8, 2, seed);
    net.window = examples.first().map_or(net.kernel, |e| e.window.len());
    net.train(train, 400, 0.01);
    let truth: Vec<[f64; OUTPUTS]> = test.iter().map(|e| e.target).collect();
    let pred: Vec<[f64; OUTPUTS]> = test.iter().map(|e| net.predict(&e.window)).collect();
    let zero = vec![[0.0; OUTPUTS]; test.len()];
    let last: Vec<[f64; OUTPUTS]> = test
        .iter()
        .map(|e| {
            let s = e.window.last().copied().unwrap_or([0.0; STEP_FEATURES]);
            [s[1], s[2]]
        })
        .collect();
    let dir_ok = pred
        .iter()
        .zip(&truth)
        .filter(|(p, t)| {
            let o = if t[0] != 0.0 { 0 } else { 1 };
            p[o].signum() == t[o].signum()
        })
        .count();
    let report = PredictReport {
        window: examples.first().map_or(0, |e| e.window.len()),
        train: train.len(),
        test: test.len(),
        mae_model: mae(&pred, &truth),
        mae_no_change: mae(&zero, &truth),
        mae_last_change: mae(&last, &truth),
        direction_accuracy: dir_ok as f64 / test.len().max(1) as f64,
    };
    (net, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy(n: usize) -> Vec<Example> {
        let mut rng = SimRng::new(4);
        (0..n)
            .map(|i| {
                let window: Vec<[f64; STEP_FEATURES]> = (0..4)
                    .map(|_| {
                        [
                            rng.bernoulli(0.5) as u8 as f64,
                            rng.normal(),
                            rng.normal() * 2.0,
                            rng.uniform(),
                        ]
                    })
                    .collect();
                let target = [0.5 * window[3][1] - 0.2, 0.3 * window[2][2] + 0.1];
                Example {
                    ts: i as i64,
                    market_index: 0,
                    window,
                    target,
                }
            })
            .collect()
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let data = toy(20);
        let mut net = ConvNet::new(5, 2, 9);
        net.mean = [0.1, 0.2, -0.1, 0.3];
        net.sd = [1.1, 0.9, 2.0, 0.5];
        let (_, g) = net.loss_and_grad(&data);
        let h = 1e-6;
        for i in 0..net.params.len() {
            let mut up = net.clone();
            up.params[i] += h;
            let mut down = net.clone();
            down.params[i] -= h;
            let numeric = (up.loss_and_grad(&data).0 - down.loss_and_grad(&data).0) / (2.0 * h);
            assert!(
                (numeric - g[i]).abs() <= 1e-6 * (1.0 + numeric.abs()),
                "param {i}: analytic {} numeric {numeric}",
                g[i]
            );
        }
    }

    #[test]
    fn tiny_or_empty_inputs_do_not_panic() {
        for n in 0..4 {
            for holdout in [0.25, 1.0] {
                let (_, r) = evaluate(&toy(n), holdout, 1);
                assert!(r.mae_model.is_finite());
            }
        }
    }

    #[test]
    fn training_reduces_the_loss_and_beats_baselines_on_learnable_data() {
        let data = toy(300);
        let (_, r) = evaluate(&data, 0.25, 1);
        assert!(r.mae_model < r.mae_no_change, "{r:?}");
        assert!(r.mae_model < r.mae_last_change, "{r:?}");
    }
}
