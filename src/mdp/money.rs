//! Where the money goes: one step's (or an episode's) protocol money split by who paid
//! whom — fee income from uninformed traders, informed traders and the arbitrageur,
//! funding received and paid, adjustment costs, overhead and (when enabled) the
//! counterparty PnL — plus the memo items that are not in the reward: the AMM's losses to
//! informed flow and to the arbitrageur marked at the oracle, and the loss-versus-rebalancing
//! reference (docs/lvr.md). Computed once here for the CLI's trajectory, the charts and the
//! page. A preset's reward may count only some of the terms (`MoneyScope`): the split is
//! then scoped to them, so its net is still the reward, and the rest becomes a memo item.
//! Not here: how the parts arise (`market_core`, the presets) or how they are drawn.

use serde::{Deserialize, Serialize};

use super::StepInfo;
use crate::reward::RewardParts;

/// The split of protocol money (USD; > 0 into the protocol, < 0 out of it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MoneySplit {
    /// Fee share paid by uninformed traders.
    pub fee_uninformed: f64,
    /// Fee share paid by informed traders.
    pub fee_informed: f64,
    /// Fee share paid by the arbitrageur.
    pub fee_arbitrageur: f64,
    /// Funding the protocol received (≥ 0).
    pub funding_received: f64,
    /// Funding the protocol paid (≤ 0).
    pub funding_paid: f64,
    /// Minus the adjustment cost of repegs and k updates (< 0 paid, > 0 earned).
    pub adjustment: f64,
    /// Minus the operating overhead of adjustments (≤ 0).
    pub overhead: f64,
    /// The AMM's position marked at the oracle (only with `mdp.counterparty_pnl`).
    pub counterparty_pnl: f64,
    /// Memo (not in `net`): the AMM's loss to informed fills marked at the oracle (> 0 lost).
    pub informed_loss: f64,
    /// Memo (not in `net`): the AMM's loss to the arbitrageur marked at the oracle.
    pub arbitrageur_loss: f64,
    /// Memo (not in `net`): the loss-versus-rebalancing reference (docs/lvr.md §2).
    pub lvr_reference: f64,
    /// Memo (not in `net`): the pool's flows the preset's reward leaves out (`scoped`), USD
    /// (> 0 into the pool). Always 0 for the control reward, which counts every flow.
    #[serde(default)]
    pub outside_reward: f64,
}

/// Which of the split's terms a preset's reward counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoneyScope {
    /// Every term: the control reward (`RewardParts::net`).
    #[default]
    All,
    /// The fee shares only: the paper's reward, volume·fee·tranche (src/reward.rs,
    /// `paper_reward`). Repeg costs and the counterparty PnL still move the pool, but not the
    /// reward (the paper MDP settles no funding).
    FeesOnly,
    /// Every term but the adjustment costs: the control reward with the books at the oracle
    /// (`mdp.valuation = oracle`, `RewardParts::net_at_oracle`). Repeg and k costs still
    /// move the pool (a memo item), not the reward (docs/modeling.md §15).
    AtOracle,
    /// No market: the band model's reward is −(a/2)·d² or −K (docs/band.md, "The model"),
    /// not money moving between traders and the pool; no split applies.
    NoMarket,
}

impl MoneyScope {
    /// What the page and the CLI say about the split under this scope (`None`: the split is
    /// the whole reward and needs no note).
    pub fn note(self) -> Option<&'static str> {
        match self {
            MoneyScope::All => None,
            MoneyScope::FeesOnly => Some(
                "The paper preset's reward is the fee income only (volume·fee·tranche): the split shows the fees by payer, and the repeg costs and counterparty PnL the pool also saw are a memo item, not part of the net (the paper MDP settles no funding).",
            ),
            MoneyScope::AtOracle => Some(
                "The books value the users' positions at the oracle (mdp.valuation = oracle): the counterparty PnL counts every fill against the oracle, so the repeg and k costs, which re-mark the curve, are paid from the pool (a memo item) but are not part of the net.",
            ),
            MoneyScope::NoMarket => Some(
                "The band preset has no market: its reward is −(a/2)·d² per step held or −K per repeg (docs/band.md), not money between traders and a fee pool, so there is no money split.",
            ),
        }
    }
}

/// The terms that add up to `net`, in the order `MoneySplit::terms` returns them (the
/// chart's stacking and legend order).
pub const TERM_NAMES: [&str; 8] = [
    "fees from uninformed traders",
    "fees from informed traders",
    "fees from the arbitrageur",
    "funding received",
    "funding paid",
    "adjustment costs",
    "overhead",
    "counterparty PnL at the oracle",
];

impl MoneySplit {
    /// The split of one step's reward parts.
    #[inline]
    pub fn of(p: &RewardParts) -> Self {
        Self {
            fee_uninformed: p.fee_uninformed,
            fee_informed: p.fee_informed,
            fee_arbitrageur: p.fee_arbitrageur,
            funding_received: p.funding.max(0.0),
            funding_paid: p.funding.min(0.0),
            adjustment: -p.adjustment_cost,
            overhead: -p.overhead,
            counterparty_pnl: p.counterparty_pnl,
            informed_loss: p.informed_loss,
            arbitrageur_loss: p.arbitrageur_loss,
            lvr_reference: p.lvr_reference,
            outside_reward: 0.0,
        }
    }

    /// This split as a preset's reward counts it: under `FeesOnly` every non-fee term moves
    /// to the memo `outside_reward` (their sum in `net`'s grouping) and becomes 0, so `net`
    /// is the fee income; under `AtOracle` the adjustment costs do; under `All` (and
    /// `NoMarket`, where callers show no split) it is unchanged.
    pub fn scoped(&self, scope: MoneyScope) -> Self {
        match scope {
            MoneyScope::All | MoneyScope::NoMarket => return *self,
            MoneyScope::AtOracle => {
                return Self {
                    adjustment: 0.0,
                    outside_reward: self.adjustment + self.outside_reward,
                    ..*self
                }
            }
            MoneyScope::FeesOnly => {}
        }
        Self {
            funding_received: 0.0,
            funding_paid: 0.0,
            adjustment: 0.0,
            overhead: 0.0,
            counterparty_pnl: 0.0,
            outside_reward: self.adjustment
                + self.overhead
                + (self.funding_received + self.funding_paid)
                + self.counterparty_pnl
                + self.outside_reward,
            ..*self
        }
    }

    /// The sum of the terms over `steps` (step 0 of a trajectory, the start state, holds
    /// no money and adds zeros).
    pub fn total(steps: &[StepInfo]) -> Self {
        steps
            .iter()
            .fold(Self::default(), |acc, s| acc.plus(&s.parts))
    }

    /// This split plus one step's parts, term by term.
    #[inline]
    pub fn plus(&self, p: &RewardParts) -> Self {
        let s = Self::of(p);
        Self {
            fee_uninformed: self.fee_uninformed + s.fee_uninformed,
            fee_informed: self.fee_informed + s.fee_informed,
            fee_arbitrageur: self.fee_arbitrageur + s.fee_arbitrageur,
            funding_received: self.funding_received + s.funding_received,
            funding_paid: self.funding_paid + s.funding_paid,
            adjustment: self.adjustment + s.adjustment,
            overhead: self.overhead + s.overhead,
            counterparty_pnl: self.counterparty_pnl + s.counterparty_pnl,
            informed_loss: self.informed_loss + s.informed_loss,
            arbitrageur_loss: self.arbitrageur_loss + s.arbitrageur_loss,
            lvr_reference: self.lvr_reference + s.lvr_reference,
            outside_reward: self.outside_reward + s.outside_reward,
        }
    }

    /// The terms in `TERM_NAMES` order.
    pub fn terms(&self) -> [f64; 8] {
        [
            self.fee_uninformed,
            self.fee_informed,
            self.fee_arbitrageur,
            self.funding_received,
            self.funding_paid,
            self.adjustment,
            self.overhead,
            self.counterparty_pnl,
        ]
    }

    /// Net protocol money: the terms summed in the grouping of `RewardParts::net` and
    /// `RewardParts::fee_income`, so that for one step it equals the control reward bit for
    /// bit (x − y = x + (−y) exactly, and one of the two funding terms is always 0).
    #[inline]
    pub fn net(&self) -> f64 {
        let fees = (self.fee_uninformed + self.fee_informed) + self.fee_arbitrageur;
        fees + self.adjustment
            + self.overhead
            + (self.funding_received + self.funding_paid)
            + self.counterparty_pnl
    }

    /// The sum of the terms' magnitudes: the scale of `net`'s rounding error over a sum of
    /// steps (each addition errs by at most 2⁻⁵³ of this).
    pub fn magnitude(&self) -> f64 {
        self.terms().iter().map(|v| v.abs()).sum()
    }
}

/// The cumulative split after each step of a trajectory (one entry per step).
pub fn cumulative(steps: &[StepInfo]) -> Vec<MoneySplit> {
    let mut acc = MoneySplit::default();
    steps
        .iter()
        .map(|s| {
            acc = acc.plus(&s.parts);
            acc
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_step_nets_to_the_reward_bit_for_bit() {
        let p = RewardParts {
            fee_income: (1.25 + 0.0) + 0.375,
            fee_uninformed: 1.25,
            fee_arbitrageur: 0.375,
            adjustment_cost: 7.1,
            funding: -3.3,
            overhead: 0.2,
            counterparty_pnl: 0.01,
            ..RewardParts::default()
        };
        let s = MoneySplit::of(&p);
        assert_eq!(s.net().to_bits(), p.net().to_bits());
        assert_eq!(s.funding_received, 0.0);
        assert_eq!(s.funding_paid, -3.3);
        assert_eq!(s.adjustment, -7.1);
    }

    #[test]
    fn a_fees_only_split_nets_to_the_fee_income_and_keeps_the_rest_as_memo() {
        let p = RewardParts {
            fee_income: (1.25 + 0.5) + 0.375,
            fee_uninformed: 1.25,
            fee_informed: 0.5,
            fee_arbitrageur: 0.375,
            adjustment_cost: 7.1,
            funding: 3.3,
            counterparty_pnl: -0.01,
            ..RewardParts::default()
        };
        let all = MoneySplit::of(&p);
        let s = all.scoped(MoneyScope::FeesOnly);
        assert_eq!(s.net().to_bits(), p.fee_income.to_bits());
        assert_eq!(s.terms()[3..], [0.0; 5]);
        assert_eq!(s.outside_reward, -7.1 + 3.3 - 0.01);
        assert_eq!(s.informed_loss, all.informed_loss);
        assert_eq!(all.scoped(MoneyScope::All), all);
        assert!(MoneyScope::All.note().is_none());
        assert!(MoneyScope::NoMarket
            .note()
            .unwrap()
            .contains("no money split"));
    }
}
