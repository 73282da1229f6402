//! The market around the AMM: an oracle price process and one trader per step.
//!
//! The oracle is a geometric Brownian motion or a replayed price series. Each step one
//! trader arrives: informed with probability λi (long when mark < oracle, short when
//! mark > oracle, nothing when equal) or uninformed with probability λu = 1 − λi (long or
//! short 50/50; with a closing share c, against the users' net position with probability
//! (1 + c)/2, docs/modeling.md §19). The trade's USD size comes from the volume model with
//! optional log-normal noise. Optionally an arbitrageur also trades the mark to the oracle each step
//! (`TraderConfig::arbitrageur`; the trade itself is `MarketCore`'s). The AMM itself and the
//! operator's actions live elsewhere.

use serde::{Deserialize, Serialize};

use crate::amm::Side;
use crate::reward::VolumeModel;
use crate::rng::SimRng;

/// How the oracle price moves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OracleConfig {
    /// GBM drift μ per step.
    pub drift: f64,
    /// GBM volatility σ per step (0.01 ≈ 1% per hour).
    pub volatility: f64,
    /// A price series to replay instead of the GBM (one price per step); empty = GBM.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<f64>,
}

impl Default for OracleConfig {
    fn default() -> Self {
        Self {
            drift: 0.0,
            volatility: 0.01,
            series: Vec::new(),
        }
    }
}

/// The oracle's current price and position in its process.
#[derive(Debug, Clone)]
pub struct Oracle {
    price: f64,
    /// Index into the replay series (unused for GBM).
    cursor: usize,
    /// Ratio that maps the replayed series onto the episode's starting price.
    scale: f64,
}

impl Oracle {
    /// Starts at `price`; a replay starts at series index `start` and is rescaled to `price`.
    pub fn start(cfg: &OracleConfig, price: f64, start: usize) -> Self {
        let (cursor, scale) = match cfg.series.get(start) {
            Some(&p0) => (start, price / p0),
            None => (0, 1.0),
        };
        Self {
            price,
            cursor,
            scale,
        }
    }

    #[inline]
    pub fn price(&self) -> f64 {
        self.price
    }

    /// One step: S′ = S·exp((μ − σ²/2) + σZ) (GBM, exact discretisation), or the next
    /// replayed price (the series wraps around at its end).
    #[inline]
    pub fn step(&mut self, cfg: &OracleConfig, rng: &mut SimRng) {
        if cfg.series.is_empty() {
            let z = rng.normal();
            let s = cfg.volatility;
            self.price *= libm::exp(cfg.drift - 0.5 * s * s + s * z);
        } else {
            self.cursor = (self.cursor + 1) % cfg.series.len();
            self.price = cfg.series[self.cursor] * self.scale;
        }
    }
}

/// Who trades and how much.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TraderConfig {
    /// λi: probability that the step's trader is informed (λu = 1 − λi).
    pub informed_prob: f64,
    /// Volume model giving the expected USD size of a trade.
    pub volume: VolumeModel,
    /// σ of the log-normal size noise (0 = every trade has the model's size).
    pub size_noise: f64,
    /// An arbitrageur trades the mark to the oracle, net of the fee, right after every
    /// oracle move (before the step's trader; docs/lvr.md §3). It draws no random numbers.
    pub arbitrageur: bool,
    /// c: the share of uninformed traders who close, i.e. trade against the users' net
    /// position (0 = the paper's 50/50; docs/modeling.md §19). The control preset reads it;
    /// the paper preset's traders are the paper's, 50/50.
    pub closing: f64,
}

impl Default for TraderConfig {
    fn default() -> Self {
        Self {
            informed_prob: 0.6,
            volume: VolumeModel::default(),
            size_noise: 0.5,
            arbitrageur: false,
            // With c = 0.2 the users' net position over an episode stays within the spread
            // Drift's curve records show; with c = 0 it grows without bound (docs/modeling.md
            // §19).
            closing: 0.2,
        }
    }
}

/// Whether the trader of a step was informed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraderKind {
    Informed,
    Uninformed,
}

/// One arriving order: side and USD size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub kind: TraderKind,
    pub side: Side,
    pub quote: f64,
}

impl TraderConfig {
    /// Draws this step's order, or `None` when an informed trader sees no gap.
    /// Informed: long if mark < oracle, short if mark > oracle (paper §RL). Uninformed:
    /// long with probability (1 − c·sign(net))/2, where `net` is the users' net base
    /// position; c = 0 is the paper's 50/50 and draws the same numbers.
    #[inline]
    pub fn arrive(
        &self,
        mark: f64,
        oracle: f64,
        sqrt_k: f64,
        net: f64,
        rng: &mut SimRng,
    ) -> Option<Order> {
        let informed = rng.bernoulli(self.informed_prob);
        let coin = rng.uniform();
        let z = rng.normal();
        let (kind, side) = if informed {
            let side = if mark < oracle {
                Side::Long
            } else if mark > oracle {
                Side::Short
            } else {
                return None;
            };
            (TraderKind::Informed, side)
        } else {
            // Closers sell a net long and buy back a net short; at c = 0 or net = 0 the
            // threshold is exactly 0.5.
            let lean = if net > 0.0 {
                self.closing
            } else if net < 0.0 {
                -self.closing
            } else {
                0.0
            };
            let side = if coin < 0.5 - 0.5 * lean {
                Side::Long
            } else {
                Side::Short
            };
            (TraderKind::Uninformed, side)
        };
        // Log-normal noise with mean 1: exp(σZ − σ²/2).
        let s = self.size_noise;
        let noise = if s > 0.0 {
            libm::exp(s * z - 0.5 * s * s)
        } else {
            1.0
        };
        let quote = self.volume.volume(mark, sqrt_k) * noise;
        (quote > 0.0).then_some(Order { kind, side, quote })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbm_log_returns_have_the_configured_moments() {
        let cfg = OracleConfig {
            drift: 0.001,
            volatility: 0.02,
            series: vec![],
        };
        let mut o = Oracle::start(&cfg, 100.0, 0);
        let mut rng = SimRng::new(5);
        let n = 100_000;
        let (mut s, mut s2) = (0.0, 0.0);
        for _ in 0..n {
            let p0 = o.price();
            o.step(&cfg, &mut rng);
            let r = (o.price() / p0).ln();
            s += r;
            s2 += r * r;
        }
        let mean = s / n as f64;
        let var = s2 / n as f64 - mean * mean;
        assert!((mean - (0.001 - 0.0002)).abs() < 2e-4, "{mean}");
        assert!((var.sqrt() - 0.02).abs() < 5e-4, "{var}");
    }

    #[test]
    fn replay_rescales_and_wraps() {
        let cfg = OracleConfig {
            series: vec![10.0, 11.0, 12.0],
            ..OracleConfig::default()
        };
        let mut o = Oracle::start(&cfg, 100.0, 1);
        let mut rng = SimRng::new(0);
        o.step(&cfg, &mut rng);
        assert!((o.price() - 12.0 * 100.0 / 11.0).abs() < 1e-12);
        o.step(&cfg, &mut rng);
        assert!((o.price() - 10.0 * 100.0 / 11.0).abs() < 1e-12);
    }

    #[test]
    fn informed_traders_trade_toward_the_oracle() {
        let t = TraderConfig {
            informed_prob: 1.0,
            size_noise: 0.0,
            ..TraderConfig::default()
        };
        let mut rng = SimRng::new(1);
        for _ in 0..100 {
            assert_eq!(
                t.arrive(99.0, 100.0, 1e5, 0.0, &mut rng).unwrap().side,
                Side::Long
            );
            assert_eq!(
                t.arrive(101.0, 100.0, 1e5, 0.0, &mut rng).unwrap().side,
                Side::Short
            );
            assert!(t.arrive(100.0, 100.0, 1e5, 0.0, &mut rng).is_none());
        }
    }

    #[test]
    fn uninformed_traders_split_evenly() {
        let t = TraderConfig {
            informed_prob: 0.0,
            ..TraderConfig::default()
        };
        let mut rng = SimRng::new(2);
        let longs = (0..20_000)
            .filter(|_| t.arrive(99.0, 100.0, 1e5, 0.0, &mut rng).unwrap().side == Side::Long)
            .count();
        assert!((longs as f64 / 20_000.0 - 0.5).abs() < 0.015, "{longs}");
    }

    #[test]
    fn closers_trade_against_the_users_net_position() {
        let t = TraderConfig {
            informed_prob: 0.0,
            closing: 0.4,
            ..TraderConfig::default()
        };
        // P(long) = (1 − c·sign(net))/2: 0.3 with users net long, 0.7 net short, 0.5 flat.
        for (net, want) in [(5.0, 0.3), (-5.0, 0.7), (0.0, 0.5)] {
            let mut rng = SimRng::new(3);
            let longs = (0..40_000)
                .filter(|_| t.arrive(99.0, 100.0, 1e5, net, &mut rng).unwrap().side == Side::Long)
                .count();
            // 4.5 standard errors of a share near 0.5 over 40,000 draws.
            assert!(
                (longs as f64 / 40_000.0 - want).abs() < 0.011,
                "{net}: {longs}"
            );
        }
        // At c = 0 the side depends on the same draw as before, whatever the position.
        let paper = TraderConfig {
            informed_prob: 0.0,
            closing: 0.0,
            ..TraderConfig::default()
        };
        let (mut a, mut b) = (SimRng::new(9), SimRng::new(9));
        for _ in 0..1_000 {
            assert_eq!(
                paper.arrive(99.0, 100.0, 1e5, 7.0, &mut a),
                paper.arrive(99.0, 100.0, 1e5, 0.0, &mut b)
            );
        }
    }
}
