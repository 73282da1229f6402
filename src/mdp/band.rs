//! The `band` model: when should a vAMM repeg? A stylised mark–oracle gap, its exact
//! discrete-time optimum and the continuous-time law it approaches (docs/band.md).
//!
//! The gap d follows a driftless Gaussian random walk. Each step, seeing d, the controller
//! either holds or repegs; then the step's cost is paid and the step's shock arrives:
//!
//! * hold:  reward −(a/2)·d²,  then d′ = d + σZ;
//! * repeg: reward −K,         then d′ = 0 + σZ  (the gap is closed before the shock).
//!
//! The holding cost is charged on the gap as it stands after the action and before the
//! shock; charging it after the shock instead adds σ²·a/2 to both actions and changes no
//! decision. The criterion is the discounted sum Σ γᵗ rₜ with the configured γ, the same
//! for the learner and for the exact solver ([`solve_exact`] with `discount = 1` solves the
//! average-reward problem instead, which the continuous-time law describes).
//!
//! The optimal policy is a band: repeg exactly when |d| ≥ b. [`continuous_band`] is the
//! continuous-time answer b = (12·K·σ²/a)^¼; [`discrete_optimal_band`] is the exact answer
//! of this discrete-time problem by value iteration on a fine grid; [`learned_band`] reads
//! the band off a learner's Q table.

use serde::{Deserialize, Serialize};

use super::{bin, ActionMask, Env};
use crate::rng::SimRng;

/// The band model's own parameters, as a run's config holds them (`band.*`); the criterion's
/// discount, the episode length and exploring starts come from the run's learning and MDP
/// settings (`BandConfig::for_run`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BandModel {
    /// σ: standard deviation of the gap's shock per step.
    pub sigma: f64,
    /// a: keeping a gap d costs (a/2)·d² per step.
    pub holding_cost: f64,
    /// K: fixed cost of one repeg.
    pub repeg_cost: f64,
    /// The learner's gap bins span [−gap_range, gap_range]; the outer bins take the rest.
    pub gap_range: f64,
    /// Number of gap bins (odd, so that d = 0 is the centre of a bin).
    pub gap_bins: u32,
}

impl Default for BandModel {
    fn default() -> Self {
        let c = BandConfig::default();
        Self {
            sigma: c.sigma,
            holding_cost: c.holding_cost,
            repeg_cost: c.repeg_cost,
            gap_range: c.gap_range,
            gap_bins: c.gap_bins,
        }
    }
}

/// Parameters of the band model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BandConfig {
    /// σ: standard deviation of the gap's shock per step.
    pub sigma: f64,
    /// a: keeping a gap d costs (a/2)·d² per step.
    pub holding_cost: f64,
    /// K: fixed cost of one repeg.
    pub repeg_cost: f64,
    /// γ ∈ (0, 1): discount of the criterion, used by the learner and the exact solver alike.
    pub discount: f64,
    /// The learner's gap bins span [−gap_range, gap_range]; the outer bins take the rest.
    pub gap_range: f64,
    /// Number of gap bins (odd, so that d = 0 is the centre of a bin).
    pub gap_bins: u32,
    /// Steps per training episode.
    pub episode_len: u32,
    /// Start each episode from a gap uniform on [−gap_range, gap_range] (else from 0).
    pub exploring_starts: bool,
}

impl Default for BandConfig {
    fn default() -> Self {
        Self {
            sigma: 1.0,
            holding_cost: 2.0,
            repeg_cost: 50.0,
            discount: 0.99,
            gap_range: 8.0,
            gap_bins: 121,
            episode_len: 20,
            exploring_starts: true,
        }
    }
}

impl BandConfig {
    /// Checks every field's domain; the message names the field and its allowed range.
    pub fn validate(&self) -> Result<(), String> {
        let pos = |v: f64| v.is_finite() && v > 0.0;
        let fail = |name: &str, v: String, range: &str| Err(format!("band.{name} = {v}: {range}"));
        if !(pos(self.sigma) && self.sigma <= 1e6) {
            return fail("sigma", self.sigma.to_string(), "must be in (0, 1e6]");
        }
        if !(pos(self.holding_cost) && self.holding_cost <= 1e6) {
            return fail(
                "holding_cost",
                self.holding_cost.to_string(),
                "must be in (0, 1e6]",
            );
        }
        if !(pos(self.repeg_cost) && self.repeg_cost <= 1e9) {
            return fail(
                "repeg_cost",
                self.repeg_cost.to_string(),
                "must be in (0, 1e9]",
            );
        }
        if !(self.discount.is_finite() && self.discount > 0.0 && self.discount < 1.0) {
            return fail("discount", self.discount.to_string(), "must be in (0, 1)");
        }
        if !(pos(self.gap_range) && self.gap_range <= 1e9) {
            return fail(
                "gap_range",
                self.gap_range.to_string(),
                "must be in (0, 1e9]",
            );
        }
        if !((3..=10_001).contains(&self.gap_bins) && self.gap_bins % 2 == 1) {
            return fail(
                "gap_bins",
                self.gap_bins.to_string(),
                "must be odd and in 3..=10001",
            );
        }
        if !(1..=1_000_000).contains(&self.episode_len) {
            return fail(
                "episode_len",
                self.episode_len.to_string(),
                "must be in 1..=1000000",
            );
        }
        Ok(())
    }

    /// The problem a run poses: the model, with the run's discount, episode length and
    /// exploring starts.
    pub fn for_run(
        model: &BandModel,
        discount: f64,
        episode_len: u32,
        exploring_starts: bool,
    ) -> Self {
        Self {
            sigma: model.sigma,
            holding_cost: model.holding_cost,
            repeg_cost: model.repeg_cost,
            discount,
            gap_range: model.gap_range,
            gap_bins: model.gap_bins,
            episode_len,
            exploring_starts,
        }
    }

    /// Width of one learner bin.
    pub fn bin_width(&self) -> f64 {
        2.0 * self.gap_range / self.gap_bins as f64
    }

    /// Centre of learner bin `j`.
    pub fn bin_centre(&self, j: usize) -> f64 {
        -self.gap_range + (j as f64 + 0.5) * self.bin_width()
    }
}

/// The two actions, with their indices in the Q table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BandAction {
    /// Leave the gap alone (index 0).
    Hold = 0,
    /// Close the gap at cost K (index 1).
    Repeg = 1,
}

impl BandAction {
    /// Action names, in index order.
    pub const NAMES: &'static [&'static str] = &["hold", "repeg (close the gap)"];

    /// The action of Q-table index `a` (anything but 1 holds).
    pub fn from_index(a: usize) -> Self {
        if a == 1 {
            Self::Repeg
        } else {
            Self::Hold
        }
    }
}

/// The band model as an `Env`: the state is the bin of the gap d.
#[derive(Debug, Clone)]
pub struct BandEnv {
    cfg: BandConfig,
    gap: f64,
    state: usize,
}

impl BandEnv {
    /// Builds the environment from a configuration already checked (a run's registry).
    pub fn from_config(cfg: BandConfig) -> Self {
        let mut env = Self {
            cfg,
            gap: 0.0,
            state: 0,
        };
        env.set_gap(0.0);
        env
    }

    /// Builds the environment; the configuration is validated here.
    pub fn new(cfg: &BandConfig) -> Result<Self, String> {
        cfg.validate()?;
        let mut env = Self {
            cfg: *cfg,
            gap: 0.0,
            state: 0,
        };
        env.set_gap(0.0);
        Ok(env)
    }

    pub fn config(&self) -> &BandConfig {
        &self.cfg
    }

    /// The current gap d.
    pub fn gap(&self) -> f64 {
        self.gap
    }

    /// Puts the gap at `d` (and the state at its bin).
    pub fn set_gap(&mut self, d: f64) {
        self.gap = d;
        self.state = bin(d, self.cfg.gap_range, self.cfg.gap_bins as usize);
    }

    /// Reward of `action` at gap `d`: −(a/2)·d² when holding, −K when repegging.
    #[inline]
    pub fn reward(cfg: &BandConfig, d: f64, action: BandAction) -> f64 {
        match action {
            BandAction::Hold => -0.5 * cfg.holding_cost * d * d,
            BandAction::Repeg => -cfg.repeg_cost,
        }
    }
}

impl Env for BandEnv {
    fn n_states(&self) -> usize {
        self.cfg.gap_bins as usize
    }
    fn n_actions(&self) -> usize {
        2
    }
    fn reset(&mut self, rng: &mut SimRng) -> usize {
        let d = if self.cfg.exploring_starts {
            self.cfg.gap_range * (2.0 * rng.uniform() - 1.0)
        } else {
            0.0
        };
        self.set_gap(d);
        self.state
    }
    fn state(&self) -> usize {
        self.state
    }
    fn mask(&self) -> ActionMask {
        0b11
    }
    fn step(&mut self, action: usize, rng: &mut SimRng) -> (f64, usize) {
        let action = BandAction::from_index(action);
        let r = Self::reward(&self.cfg, self.gap, action);
        let after = match action {
            BandAction::Hold => self.gap,
            BandAction::Repeg => 0.0,
        };
        self.set_gap(after + self.cfg.sigma * rng.normal());
        (r, self.state)
    }
}

/// The continuous-time optimal band (12·K·σ²/a)^¼ (average cost, Brownian gap, quadratic
/// holding cost, fixed intervention cost; docs/band.md derives it).
pub fn continuous_band(cfg: &BandConfig) -> f64 {
    libm::pow(
        12.0 * cfg.repeg_cost * cfg.sigma * cfg.sigma / cfg.holding_cost,
        0.25,
    )
}

/// β = ζ(½)/√(2π) ≈ 0.5826: the discrete-monitoring shift of a barrier, in units of σ
/// (Broadie, Glasserman & Kou 1997). Only used to state expectations, never to compute.
pub const DISCRETE_MONITORING_SHIFT: f64 = 0.582_597_157_939_010_7;

/// Standard normal CDF Φ(x) = erfc(−x/√2)/2 (libm's erfc: accurate in the tails too).
#[inline]
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x * core::f64::consts::FRAC_1_SQRT_2)
}

/// The exact solution of the discretised problem on a fine grid of d.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExactSolution {
    /// γ used (1 = average reward, by relative value iteration).
    pub discount: f64,
    /// Grid spacing h.
    pub step: f64,
    /// Grid points, symmetric about 0 (0 is the middle point).
    pub gaps: Vec<f64>,
    /// Q(d, hold) at each grid point (for γ = 1: relative values, V(0) = 0).
    pub hold: Vec<f64>,
    /// Q(d, repeg), the same at every point.
    pub repeg: f64,
    /// The band on the positive side: smallest d > 0 where repegging is optimal.
    pub band_pos: f64,
    /// The band on the negative side, as a positive number.
    pub band_neg: f64,
    /// Optimal average reward per step (γ = 1 only; NaN otherwise).
    pub average_reward: f64,
    /// Value-iteration sweeps done.
    pub sweeps: u32,
}

impl ExactSolution {
    /// The band: mean of the two sides (they agree to rounding).
    pub fn band(&self) -> f64 {
        0.5 * (self.band_pos + self.band_neg)
    }
}

/// First crossing of `adv` (hold minus repeg) from positive to ≤ 0 along `xs` (|x|
/// increasing), interpolated linearly; 0 if repegging is optimal already at the first
/// point, ∞ if never.
fn crossing(xs: impl Iterator<Item = f64>, adv: impl Iterator<Item = f64>) -> f64 {
    let mut prev: Option<(f64, f64)> = None;
    for (x, a) in xs.zip(adv) {
        if a <= 0.0 {
            return match prev {
                None => 0.0,
                Some((x0, a0)) => x0 + (x - x0) * a0 / (a0 - a),
            };
        }
        prev = Some((x, a));
    }
    f64::INFINITY
}

/// Exact optimum of the discrete-time problem by (relative) value iteration on a grid of
/// d with spacing h = σ/`cells_per_sigma`.
///
/// The Gaussian step is integrated exactly over each grid cell: the probability of moving
/// k cells is Φ((k+½)h/σ) − Φ((k−½)h/σ), with the mass beyond ±7σ put on the outermost
/// cells, so every row sums to 1. The grid reaches 2·b_c + 8σ on each side, where every
/// policy worth considering has repegged long ago; mass leaving it is put on its edge
/// points, whose value is then exact (they lie in the repeg region, where V is constant).
///
/// `discount` ∈ (0, 1): discounted values; `discount = 1`: average reward (relative value
/// iteration, values relative to V(0) = 0). Both iterate W ← T W − (T W)(0), which
/// converges as fast as the controlled chain mixes (γ near 1 does not slow it), and stop
/// when the span of the change is below 1e-10·(K + 1) (or after 200,000 sweeps).
pub fn solve_exact(cfg: &BandConfig, discount: f64, cells_per_sigma: u32) -> ExactSolution {
    assert!(discount > 0.0 && discount <= 1.0, "discount {discount}");
    assert!(cells_per_sigma >= 2, "cells_per_sigma {cells_per_sigma}");
    let sigma = cfg.sigma;
    let c = 0.5 * cfg.holding_cost;
    let k_cost = cfg.repeg_cost;
    let h = sigma / cells_per_sigma as f64;
    let half = libm::ceil((2.0 * continuous_band(cfg) + 8.0 * sigma) / h) as usize;
    let n = 2 * half + 1;
    let gaps: Vec<f64> = (0..n).map(|i| (i as f64 - half as f64) * h).collect();

    // Kernel p[k + m] = P(move k cells), |k| ≤ m; tails folded into ±m.
    let m = 7 * cells_per_sigma as usize;
    let mut p = vec![0.0; 2 * m + 1];
    for (i, pk) in p.iter_mut().enumerate() {
        let k = i as f64 - m as f64;
        let hi = if i == 2 * m {
            1.0
        } else {
            normal_cdf((k + 0.5) * h / sigma)
        };
        let lo = if i == 0 {
            0.0
        } else {
            normal_cdf((k - 0.5) * h / sigma)
        };
        *pk = hi - lo;
    }

    let cost: Vec<f64> = gaps.iter().map(|x| c * x * x).collect();
    // V padded by m on each side with the edge values (mass leaving the grid stays at the edge).
    let mut w = vec![0.0; n + 2 * m];
    let mut ev = vec![0.0; n];
    let mut tw = vec![0.0; n];
    let tol = 1e-10 * (k_cost + 1.0);
    let mut sweeps = 0;
    let mut last_offset = 0.0;
    while sweeps < 200_000 {
        sweeps += 1;
        let (lo_edge, hi_edge) = (w[m], w[m + n - 1]);
        w[..m].fill(lo_edge);
        w[m + n..].fill(hi_edge);
        for (i, e) in ev.iter_mut().enumerate() {
            *e = w[i..i + 2 * m + 1].iter().zip(&p).map(|(v, q)| v * q).sum();
        }
        let repeg = -k_cost + discount * ev[half];
        for i in 0..n {
            tw[i] = (-cost[i] + discount * ev[i]).max(repeg);
        }
        let offset = tw[half];
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for i in 0..n {
            let new = tw[i] - offset;
            let d = new - w[m + i];
            lo = lo.min(d);
            hi = hi.max(d);
            w[m + i] = new;
        }
        last_offset = offset;
        if hi - lo < tol {
            break;
        }
    }
    // Final Q values from the converged relative values W (V = W + level).
    let level = if discount < 1.0 {
        last_offset / (1.0 - discount)
    } else {
        0.0
    };
    let (lo_edge, hi_edge) = (w[m], w[m + n - 1]);
    w[..m].fill(lo_edge);
    w[m + n..].fill(hi_edge);
    for (i, e) in ev.iter_mut().enumerate() {
        *e = w[i..i + 2 * m + 1]
            .iter()
            .zip(&p)
            .map(|(v, q)| v * q)
            .sum::<f64>()
            + level;
    }
    let repeg = -k_cost + discount * ev[half];
    let hold: Vec<f64> = (0..n).map(|i| -cost[i] + discount * ev[i]).collect();
    let band_pos = crossing(
        gaps[half..].iter().copied(),
        hold[half..].iter().map(|q| q - repeg),
    );
    let band_neg = crossing(
        gaps[..=half].iter().rev().map(|x| -x),
        hold[..=half].iter().rev().map(|q| q - repeg),
    );
    ExactSolution {
        discount,
        step: h,
        gaps,
        hold,
        repeg,
        band_pos,
        band_neg,
        average_reward: if discount < 1.0 {
            f64::NAN
        } else {
            last_offset
        },
        sweeps,
    }
}

/// Default fineness of the exact solver's grid (cells per σ): h = σ/50, far finer than
/// any learner's bins, and fine enough that halving it moves the band by < 10⁻³·σ.
pub const EXACT_CELLS_PER_SIGMA: u32 = 50;

/// The exact discrete-time optimal band for `cfg` (its own discount γ), by [`solve_exact`].
pub fn discrete_optimal_band(cfg: &BandConfig) -> f64 {
    solve_exact(cfg, cfg.discount, EXACT_CELLS_PER_SIGMA).band()
}

/// The band read off a Q table of `BandEnv` (row-major [bin][action]): on each side of
/// the centre bin, the first bin centre where Q(repeg) ≥ Q(hold), interpolated linearly
/// in Q(hold) − Q(repeg) between bin centres; the mean of the two sides. 0 if the centre
/// bin already prefers repegging, ∞ if a side never does.
pub fn learned_band(q: &[f64], cfg: &BandConfig) -> f64 {
    let n = cfg.gap_bins as usize;
    assert_eq!(q.len(), 2 * n, "Q table shape");
    let mid = n / 2;
    let adv = |j: usize| q[2 * j] - q[2 * j + 1];
    let pos = crossing((mid..n).map(|j| cfg.bin_centre(j)), (mid..n).map(adv));
    let neg = crossing(
        (0..=mid).rev().map(|j| -cfg.bin_centre(j)),
        (0..=mid).rev().map(adv),
    );
    0.5 * (pos + neg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(k: f64) -> BandConfig {
        BandConfig {
            repeg_cost: k,
            ..BandConfig::default()
        }
    }

    #[test]
    fn continuous_law_numbers() {
        // σ = 1, a = 2: b = (6K)^¼.
        for (k, b) in [(10.0, 60f64), (50.0, 300.0), (3000.0, 18000.0)] {
            assert!((continuous_band(&cfg(k)) - b.sqrt().sqrt()).abs() < 1e-12);
        }
        assert!((continuous_band(&cfg(10.0)) - 2.783_157_683_713_741).abs() < 1e-12);
        // Scaling: b ∝ K^¼ σ^½ a^-¼.
        let base = continuous_band(&cfg(10.0));
        let c = BandConfig {
            sigma: 4.0,
            holding_cost: 32.0,
            repeg_cost: 160.0,
            ..cfg(10.0)
        };
        assert!((continuous_band(&c) - base * 2.0).abs() < 1e-12);
    }

    #[test]
    fn normal_cdf_is_accurate() {
        assert_eq!(normal_cdf(0.0), 0.5);
        assert!((normal_cdf(1.0) - 0.841_344_746_068_542_9).abs() < 1e-15);
        assert!((normal_cdf(-1.959_963_984_540_054) - 0.025).abs() < 1e-15);
        assert!((normal_cdf(-6.0) - 9.865_876_450_376_98e-10).abs() < 1e-22);
    }

    #[test]
    fn average_cost_optimum_sits_inside_the_continuous_band_by_the_monitoring_shift() {
        let mut prev_ratio = 0.0;
        for k in [10.0, 100.0, 1000.0, 3000.0] {
            let c = cfg(k);
            let s = solve_exact(&c, 1.0, EXACT_CELLS_PER_SIGMA);
            let (b, bc) = (s.band(), continuous_band(&c));
            let ratio = b / bc;
            let shift = (bc - b) / c.sigma;
            println!("K {k}: exact {b:.4}, continuous {bc:.4}, ratio {ratio:.4}, shift {shift:.4}σ, sweeps {}", s.sweeps);
            assert!(b < bc, "K {k}: {b} ≥ {bc}");
            assert!(ratio > prev_ratio, "ratio should rise with K");
            prev_ratio = ratio;
            if k >= 1000.0 {
                assert!(
                    (shift - DISCRETE_MONITORING_SHIFT).abs() < 0.05,
                    "K {k}: shift {shift}"
                );
            }
            // The optimal average cost matches the continuous law's a·b²/6 to leading order.
            let g_c = c.holding_cost * bc * bc / 6.0;
            assert!((-s.average_reward / g_c - 1.0).abs() < 0.25, "K {k}");
        }
        // The numbers quoted in docs/band.md: ratio ≈ 0.79 at K = 10, ≈ 0.95 at K = 3000.
        let r10 = discrete_band_ratio(10.0);
        let r3000 = discrete_band_ratio(3000.0);
        assert!((r10 - 0.78).abs() < 0.02, "{r10}");
        assert!((r3000 - 0.95).abs() < 0.01, "{r3000}");
    }

    fn discrete_band_ratio(k: f64) -> f64 {
        let c = cfg(k);
        solve_exact(&c, 1.0, EXACT_CELLS_PER_SIGMA).band() / continuous_band(&c)
    }

    #[test]
    fn exact_solution_is_symmetric_and_grid_converged() {
        let c = cfg(50.0);
        let s = solve_exact(&c, c.discount, EXACT_CELLS_PER_SIGMA);
        let n = s.hold.len();
        for i in 0..n {
            assert!((s.gaps[i] + s.gaps[n - 1 - i]).abs() < 1e-9);
            let scale = s.hold[i].abs().max(1.0);
            assert!(
                (s.hold[i] - s.hold[n - 1 - i]).abs() < 1e-9 * scale,
                "i {i}"
            );
        }
        assert!((s.band_pos - s.band_neg).abs() < 1e-9);
        let fine = solve_exact(&c, c.discount, 2 * EXACT_CELLS_PER_SIGMA).band();
        assert!((fine - s.band()).abs() < 1e-3, "{fine} vs {}", s.band());
        // Discounting only widens the band (future savings count less).
        assert!(s.band() > solve_exact(&c, 1.0, EXACT_CELLS_PER_SIGMA).band());
    }

    #[test]
    fn exact_values_satisfy_the_bellman_equation_at_the_origin() {
        // With γ < 1 the returned Q values are absolute: V(0) = max(Q(0, hold), Q(repeg)),
        // and Q(0, hold) − Q(repeg) = K exactly.
        let c = cfg(15.0);
        let s = solve_exact(&c, c.discount, EXACT_CELLS_PER_SIGMA);
        let mid = s.hold.len() / 2;
        assert!((s.hold[mid] - s.repeg - c.repeg_cost).abs() < 1e-6);
        assert!(s.repeg < 0.0 && s.repeg.is_finite());
    }

    #[test]
    fn learned_band_interpolates_between_bin_centres() {
        let c = BandConfig {
            gap_range: 5.0,
            gap_bins: 5,
            ..cfg(1.0)
        };
        // Centres −4, −2, 0, 2, 4; advantage (hold − repeg) 1 − |d|/3 crosses at |d| = 3.
        let mut q = Vec::new();
        for j in 0..5 {
            let d = c.bin_centre(j);
            q.extend([1.0 - d.abs() / 3.0, 0.0]);
        }
        assert!((learned_band(&q, &c) - 3.0).abs() < 1e-12);
        // A side that never repegs gives ∞; a centre that repegs gives 0.
        let never = [1.0, 0.0].repeat(5);
        assert!(learned_band(&never, &c).is_infinite());
        let always = [0.0, 1.0].repeat(5);
        assert_eq!(learned_band(&always, &c), 0.0);
    }

    #[test]
    fn env_rewards_and_timing() {
        let c = cfg(7.0);
        let mut env = BandEnv::new(&c).unwrap();
        let mut rng = SimRng::new(3);
        env.set_gap(1.5);
        let (r, _) = env.step(BandAction::Hold as usize, &mut rng);
        assert_eq!(r, -0.5 * 2.0 * 1.5 * 1.5);
        env.set_gap(4.0);
        let (r, s) = env.step(BandAction::Repeg as usize, &mut rng);
        assert_eq!(r, -7.0);
        // After a repeg the gap is one shock from 0.
        assert!(env.gap().abs() < 6.0);
        assert_eq!(s, bin(env.gap(), c.gap_range, c.gap_bins as usize));
        assert_eq!(
            bin(0.0, c.gap_range, c.gap_bins as usize),
            c.gap_bins as usize / 2
        );
    }

    #[test]
    fn validation_names_the_field() {
        let bad = BandConfig {
            gap_bins: 80,
            ..BandConfig::default()
        };
        let e = bad.validate().unwrap_err();
        assert!(e.contains("band.gap_bins") && e.contains("odd"), "{e}");
        let bad = BandConfig {
            repeg_cost: -1.0,
            ..BandConfig::default()
        };
        assert!(bad.validate().unwrap_err().contains("band.repeg_cost"));
        let bad = BandConfig {
            discount: 1.0,
            ..BandConfig::default()
        };
        assert!(bad.validate().unwrap_err().contains("(0, 1)"));
        assert!(BandConfig::default().validate().is_ok());
        let json = serde_json::to_string(&BandConfig::default()).unwrap();
        let back: BandConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, BandConfig::default());
        assert!(serde_json::from_str::<BandConfig>(r#"{"sigmaa": 1}"#).is_err());
    }
}
