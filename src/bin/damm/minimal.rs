//! The minimal loop: the paper preset's step with nothing but the arithmetic it needs, as
//! an in-process yardstick for `damm bench` and `benches/training.rs`. Per step: ε-greedy
//! choice (one uniform, one u64), the repeg to oracle·(1 ∓ δ), the GBM oracle (one normal,
//! one exp), one trader (informed with λi, else a coin; log-normal size: one normal, one
//! exp; none of these two with `traders.size_noise` = 0, the issue's literal "one normal,
//! one exp" loop), one swap on x·y = k, one Q update with α_n from a table. No trajectory, model,
//! history, error checks or dynamic dispatch; an episode restarts from the launch market
//! without exploring starts. It draws the same kinds of random numbers as the engine's
//! paper step (`mdp::paper`) at the defaults, so the ratio engine / minimal loop is the
//! cost of the engine's bookkeeping. Not a simulator: its numbers are not used anywhere.

use damm::config::Config;
use damm::mdp::bin;
use damm::rng::SimRng;

/// Runs `steps` steps of the minimal loop from `cfg` (paper preset's parameters) and
/// returns a checksum of the Q table (so the work cannot be optimised away).
pub fn run(cfg: &Config, steps: u64) -> f64 {
    let (m, mdp, o_cfg, t) = (&cfg.market, &cfg.mdp, &cfg.oracle, &cfg.traders);
    let l = &cfg.learn;
    let (bins, range) = (mdp.imbalance_bins as usize, mdp.imbalance_range);
    let alpha: Vec<f64> = (1..=4096)
        .map(|n| (l.alpha * libm::pow(n as f64, -l.alpha_decay)).max(l.alpha_min))
        .collect();
    let mut q = vec![0.0f64; bins * 2];
    let mut visits = vec![0u32; bins * 2];
    let mut rng = SimRng::new(cfg.seed as u64);
    let (s0, k) = (m.sqrt_k, m.sqrt_k * m.sqrt_k);
    let (sigma, noise) = (o_cfg.volatility, t.size_noise);
    let drift = o_cfg.drift - 0.5 * sigma * sigma;
    let (mut b, mut qr, mut net, mut oracle) = (s0, s0, 0.0, m.peg);
    let mut state = bin(0.0, range, bins);
    let epsilon = l.epsilon_min;
    for i in 0..steps {
        if i % mdp.episode_len as u64 == 0 {
            (b, qr, net, oracle) = (s0, s0, 0.0, m.peg);
            state = bin(0.0, range, bins);
        }
        // ε-greedy over the two actions.
        let explore = rng.uniform() < epsilon;
        let pick = rng.next_u64();
        let row = &q[state * 2..state * 2 + 2];
        let a = if explore {
            (pick >> 63) as usize
        } else {
            usize::from(row[1] > row[0])
        };
        // +1 puts the mark at oracle·(1 − δ), −1 at oracle·(1 + δ).
        let sign = if a == 0 { -1.0 } else { 1.0 };
        let peg = oracle * (1.0 + sign * mdp.delta) * b / qr;
        oracle *= libm::exp(drift + sigma * rng.normal());
        // One trader and one swap.
        let informed = rng.uniform() < t.informed_prob;
        let coin = rng.uniform();
        let mark = qr / b * peg;
        let long = if informed { mark < oracle } else { coin < 0.5 };
        let mut size = t.volume.volume(mark, s0);
        if noise > 0.0 {
            size *= libm::exp(noise * rng.normal() - 0.5 * noise * noise);
        }
        let dq = size / peg;
        let q1 = if long { qr + dq } else { qr - dq };
        let b1 = k / q1;
        net += b - b1;
        (b, qr) = (b1, q1);
        let reward = m.fee_rate * size * 0.5;
        // Q update.
        let next = bin(net / s0, range, bins);
        let j = state * 2 + a;
        let n = visits[j] as usize;
        visits[j] += 1;
        let target = reward + l.discount * q[next * 2].max(q[next * 2 + 1]);
        q[j] += alpha[n.min(alpha.len() - 1)] * (target - q[j]);
        state = next;
    }
    q.iter().sum()
}
