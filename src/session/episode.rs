//! The shown episode up to a chosen step, for the page's timeline and its lessons: the AMM
//! at that step rebuilt from its trajectory row, the episode's totals so far (reward terms,
//! repegs, k updates, the fee pool's headroom) and what a trade of a given size would do
//! to the curve there. Pure functions of a trajectory. Not here: drawing (`charts`) or the
//! run itself (`Session`).

use serde::{Deserialize, Serialize};

use crate::amm::{Amm, AmmInit, AmmState, Side};
use crate::mdp::StepInfo;

/// The AMM at a trajectory row: b = s·√(p/mark) and q = s²/b, from mark = p·q/b and
/// b·q = s² (docs/amm-formulas.md §1–2); everything else is the row's own record.
/// `fee_rate` is the market's (constant over a run).
pub fn amm_at(row: &StepInfo, fee_rate: f64) -> AmmState {
    let s = row.sqrt_k;
    let b = s * (row.peg / row.mark).sqrt();
    AmmState {
        base_reserve: b,
        quote_reserve: s * s / b,
        peg: row.peg,
        sqrt_k: s,
        mark_price: row.mark,
        terminal_price: row.terminal,
        open_interest_long: row.open_interest_long,
        open_interest_short: row.open_interest_short,
        net_base: row.net_base,
        fee_rate,
        total_fee: row.total_fee,
        fee_pool: row.fee_pool,
    }
}

/// Whether row `i` of a trajectory is a repeg: an adjustment that moved the peg or left √k
/// (the band model's repeg moves neither, it closes the gap); any other adjustment is a k
/// update. The same reading as the prices chart's markers.
pub fn is_repeg(traj: &[StepInfo], i: usize) -> bool {
    let s = &traj[i];
    s.adjusted && i > 0 && (s.peg != traj[i - 1].peg || s.sqrt_k == traj[i - 1].sqrt_k)
}

/// The episode from its start to a chosen step (inclusive).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct EpisodeSummary {
    /// The chosen step (0 = the start state).
    pub step: u32,
    /// The last step of the shown episode so far.
    pub last_step: u32,
    pub repegs: u32,
    pub k_updates: u32,
    /// Σ adjustment cost of the repegs (> 0 paid out of the pool, < 0 earned), USD.
    pub repeg_cost: f64,
    /// Σ adjustment cost of the k updates, USD.
    pub k_cost: f64,
    /// Σ protocol fee share, USD.
    pub fee_income: f64,
    /// Σ funding kept by the protocol (> 0 received), USD.
    pub funding: f64,
    pub overhead: f64,
    /// Σ reward (the undiscounted return so far).
    pub reward: f64,
    /// Trades by informed and by uninformed traders.
    pub informed_trades: u32,
    pub uninformed_trades: u32,
    /// The smallest P − F/2 seen (the repeg floor's headroom), USD.
    pub min_headroom: f64,
    /// The largest |mark − oracle|/oracle seen.
    pub max_gap: f64,
}

impl EpisodeSummary {
    /// Totals of `traj[..=step]` (`step` past the end means the whole trajectory; an empty
    /// trajectory gives zeros).
    pub fn of(traj: &[StepInfo], step: usize) -> Self {
        let Some(last) = traj.len().checked_sub(1) else {
            return Self::default();
        };
        let end = step.min(last);
        let mut out = Self {
            step: end as u32,
            last_step: last as u32,
            min_headroom: f64::INFINITY,
            ..Self::default()
        };
        for (i, r) in traj[..=end].iter().enumerate() {
            out.min_headroom = out.min_headroom.min(r.fee_pool - 0.5 * r.total_fee);
            if r.oracle > 0.0 {
                out.max_gap = out.max_gap.max(((r.mark - r.oracle) / r.oracle).abs());
            }
            // Row 0 is the start state: nothing happened in it yet.
            if i == 0 {
                continue;
            }
            let p = &r.parts;
            if r.adjusted {
                if is_repeg(traj, i) {
                    out.repegs += 1;
                    out.repeg_cost += p.adjustment_cost;
                } else {
                    out.k_updates += 1;
                    out.k_cost += p.adjustment_cost;
                }
            }
            out.fee_income += p.fee_income;
            out.funding += p.funding;
            out.overhead += p.overhead;
            out.reward += r.reward;
            if r.trade != 0.0 {
                if r.informed {
                    out.informed_trades += 1;
                } else {
                    out.uninformed_trades += 1;
                }
            }
        }
        if !out.min_headroom.is_finite() {
            out.min_headroom = 0.0;
        }
        out
    }
}

/// What a long of some USD does on the curve (docs/amm-formulas.md §3): the mark before and
/// after, and the average execution price (the chord's slope) against the mark (the
/// tangent's).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TradePreview {
    pub usd: f64,
    pub mark_before: f64,
    pub mark_after: f64,
    /// USD paid per base unit received.
    pub average_price: f64,
    /// average_price / mark_before − 1.
    pub slippage: f64,
    /// mark_after / mark_before − 1.
    pub mark_move: f64,
}

/// A long of `usd` on a copy of `state`; `None` when the AMM refuses it (a size of 0, or
/// beyond what the curve can fill).
pub fn trade_preview(state: &AmmState, usd: f64) -> Option<TradePreview> {
    let mut amm = Amm::new(&AmmInit {
        base_reserve: state.base_reserve,
        quote_reserve: state.quote_reserve,
        peg: state.peg,
        fee_rate: state.fee_rate,
        net_base: state.net_base,
        sqrt_k: None,
        total_fee: state.total_fee,
        fee_pool: state.fee_pool,
        rules: Default::default(),
    })
    .ok()?;
    let before = amm.mark_price();
    let fill = amm.trade_quote(Side::Long, usd).ok()?;
    let average_price = fill.quote_filled / fill.base_filled;
    let after = amm.mark_price();
    Some(TradePreview {
        usd,
        mark_before: before,
        mark_after: after,
        average_price,
        slippage: average_price / before - 1.0,
        mark_move: after / before - 1.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::session::Session;

    #[test]
    fn the_amm_rebuilt_from_the_last_row_is_the_amm_now() {
        let mut s = Session::new(Config::default()).unwrap();
        s.advance(37);
        let snap = s.snapshot();
        let now = snap.amm.unwrap();
        let rebuilt = amm_at(snap.trajectory.last().unwrap(), now.fee_rate);
        let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-300);
        assert!(rel(rebuilt.base_reserve, now.base_reserve) < 1e-12);
        assert!(rel(rebuilt.quote_reserve, now.quote_reserve) < 1e-12);
        assert_eq!(rebuilt.peg, now.peg);
        assert_eq!(rebuilt.net_base, now.net_base);
        assert_eq!(rebuilt.fee_pool, now.fee_pool);
    }

    #[test]
    fn a_view_at_a_step_ends_there_and_a_step_past_the_end_is_the_last() {
        let mut s = Session::new(Config::default()).unwrap();
        s.advance(60);
        let snap = s.snapshot();
        let at = snap.view_at(Some(20));
        assert_eq!(at.trajectory.len(), 21);
        assert_eq!(at.amm.unwrap().peg, snap.trajectory[20].peg);
        assert_eq!(at.amm.unwrap().fee_pool, snap.trajectory[20].fee_pool);
        let past = snap.view_at(Some(10_000));
        assert_eq!(past.trajectory.len(), snap.trajectory.len());
        let now = snap.view_at(None);
        assert_eq!(now.trajectory.len(), snap.trajectory.len());
        assert_eq!(now.amm, snap.amm);
    }

    #[test]
    fn each_row_records_the_state_it_arrived_in_and_a_view_at_a_step_shows_it() {
        for preset in ["control", "paper", "band"] {
            let cfg = Config::from_hash(&format!("preset={preset}&seed=8")).unwrap();
            let mut s = Session::new(cfg).unwrap();
            // Row 0 is the start state.
            assert_eq!(s.shown_trajectory()[0].state as usize, s.env().state());
            let len = s.config().mdp.episode_len as usize;
            let mut seen = std::collections::BTreeSet::new();
            for _ in 0..len - 1 {
                s.advance(1);
                let row = *s.shown_trajectory().last().unwrap();
                assert_eq!(row.state as usize, s.env().state(), "{preset}");
                seen.insert(row.state);
            }
            assert!(seen.len() > 1, "{preset}: the state never moved");
            let snap = s.snapshot();
            for i in [0, len / 3, len - 1] {
                assert_eq!(
                    snap.view_at(Some(i)).state,
                    snap.trajectory[i].state as usize
                );
            }
            assert_eq!(snap.view_at(None).state, snap.state);
        }
    }

    #[test]
    fn the_summary_of_a_whole_episode_sums_its_rewards_to_its_return() {
        let mut s = Session::new(Config::default()).unwrap();
        s.advance_episodes(3);
        let traj = s.shown_trajectory().to_vec();
        let sum = EpisodeSummary::of(&traj, usize::MAX);
        let ret = *s.history().episode_return.last().unwrap();
        assert!((sum.reward - ret).abs() <= 1e-9 * ret.abs().max(1.0));
        assert_eq!(sum.last_step as usize, traj.len() - 1);
        assert_eq!(
            (sum.informed_trades + sum.uninformed_trades) as usize,
            traj[1..].iter().filter(|r| r.trade != 0.0).count()
        );
        let adjusted = traj[1..].iter().filter(|r| r.adjusted).count();
        assert_eq!((sum.repegs + sum.k_updates) as usize, adjusted);
        // A prefix stops at its step.
        let head = EpisodeSummary::of(&traj, 10);
        assert_eq!(head.step, 10);
        let r10: f64 = traj[1..=10].iter().map(|r| r.reward).sum();
        assert!((head.reward - r10).abs() < 1e-9);
        assert_eq!(EpisodeSummary::of(&[], 3), EpisodeSummary::default());
    }

    #[test]
    fn a_long_pays_more_than_the_mark_and_less_than_the_mark_after() {
        let amm = Amm::new(&AmmInit {
            base_reserve: 1e5,
            quote_reserve: 1e5,
            peg: 150.0,
            fee_rate: 0.001,
            net_base: 0.0,
            sqrt_k: None,
            total_fee: 0.0,
            fee_pool: 0.0,
            rules: Default::default(),
        })
        .unwrap()
        .state();
        let t = trade_preview(&amm, 200_000.0).unwrap();
        // q′ = q + A/p: the mark moves by (q′/q)² − 1 (docs/amm-formulas.md §3).
        let x = 1.0 + 200_000.0 / 150.0 / 1e5;
        assert!((t.mark_move - (x * x - 1.0)).abs() < 1e-12);
        assert!(t.average_price > t.mark_before && t.average_price < t.mark_after);
        // Average price = p·q′/b for b = q: slippage = A/(p·q).
        assert!((t.slippage - (x - 1.0)).abs() < 1e-12);
        assert!(trade_preview(&amm, 0.0).is_none());
    }
}
