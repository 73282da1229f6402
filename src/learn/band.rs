//! Q-learning of the band model (`mdp::band`) and its comparison with the exact
//! discrete-time optimum and the continuous-time law (docs/band.md).

use serde::{Deserialize, Serialize};

use super::{LearnConfig, QLearner};
use crate::mdp::band::{
    continuous_band, learned_band, solve_exact, BandConfig, BandEnv, EXACT_CELLS_PER_SIGMA,
};
use crate::mdp::Env;
use crate::rng::SimRng;

/// Learning settings that suit the band model (the comparison's defaults).
///
/// * ε = 1 throughout: behaviour is uniformly random, so both actions are tried equally
///   everywhere; Q-learning is off-policy and still learns the optimal Q.
/// * Short episodes (`BandConfig::episode_len` = 20) from exploring starts spread the
///   visits evenly over the grid, including the bins around the band that a good policy
///   rarely sees.
/// * α_n = 1/n^0.7 per pair: the 1/n^ω family with ω ∈ (½, 1] converges; 0.7 forgets the
///   early, badly bootstrapped targets faster than 1/n while still averaging the noise.
pub fn band_learn_config(cfg: &BandConfig, episodes: u32) -> LearnConfig {
    LearnConfig {
        episodes,
        discount: cfg.discount,
        alpha: 1.0,
        alpha_decay: 0.7,
        alpha_min: 0.0,
        epsilon: 1.0,
        epsilon_decay: 1.0,
        epsilon_min: 1.0,
        qstar_every: 0,
        // The band meets its acceptance with the last iterate (docs/band.md); left off so
        // that its numbers stay those documented there.
        averaging: None,
    }
}

/// The reward shift used while learning: the continuous-time optimal cost per step,
/// a·b_c²/6. Adding a constant c to every reward adds c/(1−γ) to every policy's value in
/// every state (there is no terminal state), so it changes no decision; it starts the
/// zero-initialised table near its fixed point instead of ~g/(1−γ) away from it, which
/// otherwise takes most of the training to forget and leaves unevenly visited bins at
/// unevenly wrong levels.
pub fn reward_shift(cfg: &BandConfig) -> f64 {
    let b = continuous_band(cfg);
    cfg.holding_cost * b * b / 6.0
}

/// Trains a `QLearner` on `BandEnv` for `learn.episodes` episodes of `cfg.episode_len`
/// steps. The learner's discount is `cfg.discount` (the problem's γ; `learn.discount` is
/// ignored so that the exact optimum and the learner solve the same problem).
pub fn train_band(cfg: &BandConfig, learn: &LearnConfig, seed: u64) -> Result<QLearner, String> {
    let learn = LearnConfig {
        discount: cfg.discount,
        ..*learn
    };
    let mut env = BandEnv::new(cfg)?;
    let mut agent = QLearner::new(env.n_states(), env.n_actions(), &learn);
    let mut rng = SimRng::new(seed);
    let shift = reward_shift(cfg);
    for episode in 0..learn.episodes {
        let epsilon = learn.epsilon_at(episode);
        env.reset(&mut rng);
        for _ in 0..cfg.episode_len {
            let s = env.state();
            let a = agent.choose(s, env.mask(), epsilon, &mut rng);
            let (r, s2) = env.step(a, &mut rng);
            agent.update(s, a, r + shift, s2, env.mask());
        }
    }
    Ok(agent)
}

/// One row of the comparison: the bands for one repeg cost K.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BandRow {
    /// K.
    pub repeg_cost: f64,
    /// Band read off the learned Q table.
    pub learned: f64,
    /// Exact optimum of the same discrete-time, discounted problem.
    pub discrete: f64,
    /// Exact optimum of the discrete-time average-cost problem (γ = 1).
    pub discrete_average: f64,
    /// Continuous-time law (12·K·σ²/a)^¼.
    pub continuous: f64,
    /// learned / discrete.
    pub ratio: f64,
    /// discrete_average / continuous (the discrete-monitoring shrinkage).
    pub discrete_over_continuous: f64,
    /// Learner grid used for this K: half-width and bin width.
    pub gap_range: f64,
    pub bin_width: f64,
}

/// The learner's grid for `cfg`: half-width b_c + 2.5σ, so that the band and a couple of
/// shocks beyond it are inside the grid and the bins stay narrow for small K.
pub fn grid_for(cfg: &BandConfig) -> BandConfig {
    BandConfig {
        gap_range: continuous_band(cfg) + 2.5 * cfg.sigma,
        ..*cfg
    }
}

/// Trains and solves for one K (the grid from [`grid_for`]).
pub fn band_row(
    cfg: &BandConfig,
    repeg_cost: f64,
    learn: &LearnConfig,
    seed: u64,
) -> Result<BandRow, String> {
    let cfg = grid_for(&BandConfig { repeg_cost, ..*cfg });
    cfg.validate()?;
    let agent = train_band(&cfg, learn, seed)?;
    let learned = learned_band(agent.q(), &cfg);
    let discrete = solve_exact(&cfg, cfg.discount, EXACT_CELLS_PER_SIGMA).band();
    let discrete_average = solve_exact(&cfg, 1.0, EXACT_CELLS_PER_SIGMA).band();
    let continuous = continuous_band(&cfg);
    Ok(BandRow {
        repeg_cost,
        learned,
        discrete,
        discrete_average,
        continuous,
        ratio: learned / discrete,
        discrete_over_continuous: discrete_average / continuous,
        gap_range: cfg.gap_range,
        bin_width: cfg.bin_width(),
    })
}

/// The whole comparison for a list of K values (each trained with `seed`).
pub fn compare_bands(
    cfg: &BandConfig,
    repeg_costs: &[f64],
    learn: &LearnConfig,
    seed: u64,
) -> Result<Vec<BandRow>, String> {
    repeg_costs
        .iter()
        .map(|&k| band_row(cfg, k, learn, seed))
        .collect()
}
