//! Drift protocol v2's automatic vAMM rules, in plain f64 units: the budgeted repeg run
//! before every trade, formulaic k at every funding update, and the funding split between
//! users and the AMM (`docs/drift-v2-rules.md`).
//!
//! **What it is for:** a baseline policy for the simulator. Once per step (one funding
//! period) [`v2_step`] says what Drift v2 would do to a market: how √k and the peg move and
//! what that costs the fee pool. [`Amm::apply_adjustment`] then applies the decision to
//! the engine's AMM. The functions are pure: they take a [`V2Market`] snapshot and return
//! new values without side effects.
//!
//! **What it is not for:** it is not a fixed-point emulation of Drift. Money is in USD and
//! base in base units, as f64, and Drift's 1e-6 / 1e-9 integer rounding is left out except
//! for the few steps that change outcomes (`docs/drift-v2-rules.md` §5). Results match
//! Drift's own test vectors to about 1e-6 relative, and tiny costs to about 1e-5 USD. It
//! does not model dynamic spreads, oracle validity beyond "price > 0", TWAPs, the admin
//! repeg or market settlement.
//!
//! Section marks (§) in this file refer to `docs/drift-v2-rules.md`; each function also
//! names the Drift function it follows (`drift-labs/protocol-v2`, `programs/drift/src/`).

use serde::{Deserialize, Serialize};

use super::{
    budgeted_k_ratio, funding_rate_clamped, k_cost, mark_price, peg_for_price, quote_to_close, Amm,
    AmmError,
};

/// Share of √k removed by the k cut that pays for part of a repeg (Drift `math/repeg.rs`
/// adjust_amm; `docs/drift-v2-rules.md` §1.3).
pub const K_CUT_FRACTION: f64 = 0.001;
/// Largest √k, in base units (Drift `math/constants.rs` MAX_SQRT_K = 1e21 at 1e9).
pub const MAX_SQRT_K: f64 = 1e12;
/// Largest √k change per formulaic k update at intensity 100 (Drift MAX_K_BPS_INCREASE).
pub const FORMULAIC_K_STEP: f64 = 0.001;
/// Largest curve_update_intensity the admin may set (Drift `instructions/admin.rs`).
pub const MAX_CURVE_UPDATE_INTENSITY: u32 = 200;
/// Largest concentration coefficient Drift's admin may set, 1.4142 (stored as 1_414_200 at
/// 1e6; not √2).
pub const MAX_CONCENTRATION_COEFFICIENT: f64 = 1_414_200.0 / PERCENT_STEPS;
/// Slack, in USD, of the fee-pool floor check: a float full-budget repeg may exceed the
/// budget by an ulp where Drift's rounding guarantees it cannot (`docs/drift-v2-rules.md` §5).
pub const FLOOR_TOLERANCE: f64 = 1e-9;
/// The funding rate's offset divisor: |oracle_twap|/5000 is added to the spread (Drift
/// `math/funding.rs`, FUNDING_RATE_OFFSET_DENOMINATOR).
pub const FUNDING_RATE_OFFSET_DENOMINATOR: f64 = 5000.0;
/// Smallest peg Drift keeps after a budget-limited move (one raw unit at PEG_PRECISION).
const MIN_PEG: f64 = 1e-6;
/// Drift stores ratios and percentages at 1e6 (PERCENTAGE_PRECISION).
const PERCENT_STEPS: f64 = 1e6;
/// Drift stores reserves and √k at 1e-9 base units (AMM_RESERVE_PRECISION).
const SQRT_K_STEP: f64 = 1e-9;

/// The per-market settings of the v2 rules (Drift `state/perp_market.rs` AMM fields).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct V2Params {
    /// I, 0–200. 0 disables both rules; the 0.1% k cut needs I ≥ 100; formulaic k moves √k
    /// by at most ±0.1%·I/100 per funding update.
    pub curve_update_intensity: u32,
    /// Total bid-ask width allowed, as a fraction of the oracle; the repeg band is O ± half
    /// of it. Default 0.0475: Drift's market init sets (initial − maintenance margin
    /// ratio)·95% (`instructions/admin.rs` handle_initialize_perp_market), which is 4.75% for
    /// a typical 10%/5% market. Stored by Drift at 1e-6, so it is quantised to 1e-6 here.
    pub max_spread: f64,
    /// Concentration coefficient (> 1): the base reserve may range over
    /// [(b+N)/conc, (b+N)·conc]. Default 1.4142, Drift's maximum, used at market init.
    pub concentration_coef: f64,
    /// Smallest order, in base units (Drift's test default: one raw unit, 1e-9).
    pub min_order_size: f64,
    /// Base spread (fraction). With long = short = base = 0 spreads are ignored.
    pub base_spread: f64,
    /// Current long spread (fraction); above base_spread it blocks formulaic k increases.
    pub long_spread: f64,
    /// Current short spread (fraction); above base_spread it blocks formulaic k increases.
    pub short_spread: f64,
    /// Drift's `DisableFormulaicKUpdate` flag: no formulaic k and no 0.1% k cut.
    pub disable_formulaic_k: bool,
}

impl Default for V2Params {
    fn default() -> Self {
        Self {
            curve_update_intensity: 100,
            max_spread: 0.0475,
            concentration_coef: MAX_CONCENTRATION_COEFFICIENT,
            min_order_size: 1e-9,
            base_spread: 0.0,
            long_spread: 0.0,
            short_spread: 0.0,
            disable_formulaic_k: false,
        }
    }
}

/// Floors `v` to a multiple of `step`, as Drift's integer division does. A quotient within
/// a few ulps of an integer counts as that integer, so f64 noise on an exact product (such
/// as 500·1.001) does not lose a whole step.
fn floor_to_step(v: f64, step: f64) -> f64 {
    let units = v / step;
    let nearest = units.round();
    if (units - nearest).abs() <= 4.0 * f64::EPSILON * units.abs() {
        nearest * step
    } else {
        units.floor() * step
    }
}

fn out_of_range(name: &'static str, value: f64, reason: &'static str) -> AmmError {
    AmmError::InvalidParameter {
        name,
        value,
        reason,
    }
}

fn check(ok: bool, name: &'static str, value: f64, reason: &'static str) -> Result<(), AmmError> {
    if ok {
        Ok(())
    } else {
        Err(out_of_range(name, value, reason))
    }
}

impl V2Params {
    /// Checks every field; the error names the field and its allowed range.
    pub fn validate(&self) -> Result<(), AmmError> {
        let i = self.curve_update_intensity;
        check(
            i <= MAX_CURVE_UPDATE_INTENSITY,
            "curve_update_intensity",
            f64::from(i),
            "must be in [0, 200]",
        )?;
        let fraction = |v: f64| v.is_finite() && (0.0..1.0).contains(&v);
        check(
            fraction(self.max_spread),
            "max_spread",
            self.max_spread,
            "must be in [0, 1)",
        )?;
        let c = self.concentration_coef;
        check(
            c.is_finite() && c > 1.0,
            "concentration_coef",
            c,
            "must be finite and > 1",
        )?;
        let m = self.min_order_size;
        check(
            m.is_finite() && m >= 0.0,
            "min_order_size",
            m,
            "must be finite and >= 0",
        )?;
        for (name, v) in [
            ("base_spread", self.base_spread),
            ("long_spread", self.long_spread),
            ("short_spread", self.short_spread),
        ] {
            check(fraction(v), name, v, "must be in [0, 1)")?;
        }
        Ok(())
    }

    /// Half the max spread, as Drift computes it: floor(max_spread_raw / 2) at 1e-6, so an
    /// odd raw value loses half a unit (975 → 487; `docs/drift-v2-rules.md` §1.2).
    pub fn half_max_spread(&self) -> f64 {
        let raw = (self.max_spread * PERCENT_STEPS).round();
        (raw / 2.0).floor() / PERCENT_STEPS
    }

    /// The intensity as used by the repeg, min(I, 100).
    fn repeg_intensity(&self) -> u32 {
        self.curve_update_intensity.min(100)
    }

    /// Whether the 0.1% k cut may accompany a budget-limited repeg (I ≥ 100, flag off).
    fn k_cut_enabled(&self) -> bool {
        self.curve_update_intensity >= 100 && !self.disable_formulaic_k
    }
}

/// A snapshot of one market, in plain units, as the v2 rules read it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct V2Market {
    /// b, base units.
    pub base_reserve: f64,
    /// q, quote-reserve units (q·p is USD).
    pub quote_reserve: f64,
    /// s = √k, base units.
    pub sqrt_k: f64,
    /// p, USD per quote-reserve unit.
    pub peg: f64,
    /// N, users' net base position (> 0: users net long, the AMM short).
    pub net_base: f64,
    /// P, the fee pool (total fee minus distributions), USD; may be negative.
    pub fee_pool: f64,
    /// F, total exchange fees, USD.
    pub total_fee: f64,
    /// Lq, total liquidation fees, USD (raises the floor).
    #[serde(default)]
    pub liquidation_fee: f64,
    /// W, fees withdrawn to the revenue pool, USD (lowers the floor).
    #[serde(default)]
    pub fee_withdrawn: f64,
    /// q_t as stored by Drift when it differs from s²/(b+N); `None` = on the curve.
    #[serde(default)]
    pub terminal_quote: Option<f64>,
    /// L_b, gross long base (only needed for the capped funding rate).
    #[serde(default)]
    pub long_base: Option<f64>,
    /// S_b ≤ 0, gross short base (only needed for the capped funding rate).
    #[serde(default)]
    pub short_base: Option<f64>,
}

impl From<&Amm> for V2Market {
    /// The engine's AMM is always on its curve (b·q = s²) and has no liquidation fees or
    /// withdrawals; it tracks traded volume per side, not gross positions, so L_b and S_b
    /// are left unknown.
    fn from(amm: &Amm) -> Self {
        Self {
            base_reserve: amm.base_reserve(),
            quote_reserve: amm.quote_reserve(),
            sqrt_k: amm.sqrt_k(),
            peg: amm.peg(),
            net_base: amm.net_base(),
            fee_pool: amm.fee_pool(),
            total_fee: amm.total_fee(),
            liquidation_fee: 0.0,
            fee_withdrawn: 0.0,
            terminal_quote: None,
            long_base: None,
            short_base: None,
        }
    }
}

fn positive(name: &'static str, v: f64) -> Result<(), AmmError> {
    check(
        v.is_finite() && v > 0.0,
        name,
        v,
        "must be a positive finite number",
    )
}

fn finite(name: &'static str, v: f64) -> Result<(), AmmError> {
    check(v.is_finite(), name, v, "must be finite")
}

impl V2Market {
    /// Checks that every field is usable: reserves, √k and peg positive, the rest finite,
    /// b + N > 0, L_b ≥ 0 and S_b ≤ 0.
    pub fn validate(&self) -> Result<(), AmmError> {
        positive("base_reserve", self.base_reserve)?;
        positive("quote_reserve", self.quote_reserve)?;
        positive("sqrt_k", self.sqrt_k)?;
        positive("peg", self.peg)?;
        finite("net_base", self.net_base)?;
        for (name, v) in [
            ("fee_pool", self.fee_pool),
            ("total_fee", self.total_fee),
            ("liquidation_fee", self.liquidation_fee),
            ("fee_withdrawn", self.fee_withdrawn),
        ] {
            finite(name, v)?;
        }
        if let Some(qt) = self.terminal_quote {
            positive("terminal_quote", qt)?;
        }
        if let Some(l) = self.long_base {
            check(l.is_finite() && l >= 0.0, "long_base", l, "must be >= 0")?;
        }
        if let Some(s) = self.short_base {
            check(s.is_finite() && s <= 0.0, "short_base", s, "must be <= 0")?;
        }
        if self.base_reserve + self.net_base <= 0.0 {
            return Err(AmmError::Insolvent {
                net_base: self.net_base,
                base_reserve: self.base_reserve,
            });
        }
        Ok(())
    }

    /// Mark price M = q·p/b, USD.
    pub fn mark(&self) -> f64 {
        mark_price(self.base_reserve, self.quote_reserve, self.peg)
    }

    /// q − q_t, the repeg cost per unit of peg (USD); it has the sign of N (§1.2).
    pub fn quote_to_close(&self) -> f64 {
        match self.terminal_quote {
            Some(qt) => self.quote_reserve - qt,
            None => quote_to_close(self.base_reserve, self.quote_reserve, self.net_base),
        }
    }

    /// Repeg cost C(p1) = (q − q_t)·(p1 − p), USD (Drift `math/repeg.rs` calculate_repeg_cost).
    pub fn repeg_cost(&self, new_peg: f64) -> f64 {
        self.quote_to_close() * (new_peg - self.peg)
    }

    /// Fee-pool floor F/2 + Lq − W (Drift `math/repeg.rs` get_total_fee_lower_bound).
    pub fn fee_floor(&self) -> f64 {
        self.total_fee / 2.0 + self.liquidation_fee - self.fee_withdrawn
    }

    /// Repeg budget B0 = max(0, P − floor), USD (Drift `math/repeg.rs` calculate_fee_pool).
    pub fn fee_budget(&self) -> f64 {
        (self.fee_pool - self.fee_floor()).max(0.0)
    }

    /// Cost of moving √k to `new_sqrt_k` (§2.6). The closed form assumes q = s²/b; a stored
    /// q off the curve adds −p·(q − s²/b), because Drift rebuilds q′ from s′².
    pub fn k_cost(&self, new_sqrt_k: f64) -> f64 {
        let (b, s) = (self.base_reserve, self.sqrt_k);
        let q_curve = s * s / b;
        let on_curve = k_cost(b, q_curve, self.peg, self.net_base, new_sqrt_k / s);
        on_curve - self.peg * (self.quote_reserve - q_curve)
    }

    /// The same market with √k moved to `new_sqrt_k` at an unchanged peg (§2.4):
    /// b′ = b·s′/s, q′ = s′²/b′, and q_t back on the curve. P is not charged.
    pub fn with_sqrt_k(&self, new_sqrt_k: f64) -> Self {
        let b1 = self.base_reserve * (new_sqrt_k / self.sqrt_k);
        Self {
            base_reserve: b1,
            quote_reserve: new_sqrt_k * new_sqrt_k / b1,
            sqrt_k: new_sqrt_k,
            terminal_quote: None,
            ..*self
        }
    }

    /// Base-reserve bounds (b_min, b_max) = ((b+N)/conc, (b+N)·conc) (Drift `math/amm.rs`
    /// calculate_bid_ask_bounds), recomputed from the current state at every use.
    pub fn reserve_bounds(&self, conc: f64) -> (f64, f64) {
        let bt = self.base_reserve + self.net_base;
        (bt / conc, bt * conc)
    }
}

/// Whether √k may be lowered (Drift `state/perp_market.rs` can_lower_k; §1.3): the net
/// position and the smallest order must fit in the depth left on both sides.
pub fn can_lower_k(market: &V2Market, params: &V2Params) -> bool {
    let (b_min, b_max) = market.reserve_bounds(params.concentration_coef);
    let b = market.base_reserve;
    let max_bids = (b - b_min).max(0.0);
    let max_asks = (b_max - b).max(0.0);
    let n = market.net_base.abs();
    let m = params.min_order_size;
    n < max_bids.min(max_asks) && n.max(m) < market.sqrt_k && m < max_bids.max(max_asks)
}

/// Why a rule did not change the market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// curve_update_intensity is 0.
    IntensityZero,
    /// The market's DisableFormulaicKUpdate flag is set.
    FormulaicKDisabled,
    /// The oracle price is not a positive finite number.
    OracleNotPositive,
    /// The peg already equals the target.
    AtTarget,
    /// Formulaic k has a zero budget.
    NoBudget,
    /// A negative budget, but √k may not be lowered.
    CannotLowerK,
    /// An increase would pass MAX_SQRT_K (Drift errors; here nothing happens).
    MaxSqrtK,
}

/// What happened to a proposed adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum V2Status {
    /// The change and its cost were applied.
    Applied,
    /// Nothing was proposed.
    Skipped { reason: SkipReason },
    /// The cost would leave P below the floor (`apply_cost_to_market`); nothing changes.
    Rejected { cost: f64, floor: f64 },
}

impl V2Status {
    /// True when the change was applied.
    pub fn applied(&self) -> bool {
        matches!(self, V2Status::Applied)
    }
}

/// The repeg target and budget of §1.2.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PegTarget {
    /// p*, the peg that puts the mark on the oracle, or on the band edge when out of band.
    pub peg: f64,
    /// The budget, USD: B0, or the cost of reaching the band edge.
    pub budget: f64,
    /// Whether the floor check applies to the resulting cost.
    pub check_floor: bool,
}

/// Target peg and budget (Drift `math/repeg.rs` calculate_optimal_peg_and_budget; §1.2).
pub fn optimal_peg_and_budget(market: &V2Market, oracle: f64, params: &V2Params) -> PegTarget {
    let (b, q) = (market.base_reserve, market.quote_reserve);
    let full_peg = peg_for_price(b, q, oracle);
    let budget = market.fee_budget();
    if budget >= market.repeg_cost(full_peg).max(0.0) {
        return PegTarget {
            peg: full_peg,
            budget,
            check_floor: true,
        };
    }
    let half = oracle * params.half_max_spread();
    let gap = market.mark() - oracle;
    if gap.abs() > half {
        let edge = if gap < 0.0 {
            oracle - half
        } else {
            oracle + half
        };
        let peg = peg_for_price(b, q, edge);
        return PegTarget {
            peg,
            budget: market.repeg_cost(peg),
            check_floor: false,
        };
    }
    PegTarget {
        peg: full_peg,
        budget,
        check_floor: budget != 0.0,
    }
}

/// The 0.1% k cut that helps pay for a budget-limited repeg (§1.3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KCut {
    /// √k after the cut.
    pub sqrt_k: f64,
    /// Its k cost (≤ 0). It widens the move but is never credited to P.
    pub revenue: f64,
}

/// A repeg proposed by [`adjust_amm`], before the floor check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PegAdjustment {
    /// The market after the move (new peg, possibly cut √k and reserves); P not yet charged.
    pub market: V2Market,
    /// Repeg cost on the (possibly cut) curve, USD; the only amount charged to P.
    pub cost: f64,
    /// The k cut, if one was made.
    pub k_cut: Option<KCut>,
}

/// √k after the 0.1% cut: max(0.999·s, min(s, max(min_order_size, |N|))) (§1.3).
fn k_cut_sqrt_k(market: &V2Market, params: &V2Params) -> f64 {
    let s = market.sqrt_k;
    let keep = params.min_order_size.max(market.net_base.abs()).min(s);
    (s * (1.0 - K_CUT_FRACTION)).max(keep)
}

/// Whether the budget buys the whole move: no cost per peg, a move that earns, or
/// |B/c1| > |Δ| (strict; §1.3).
fn budget_covers(per_peg: f64, delta: f64, budget: f64) -> bool {
    per_peg == 0.0 || per_peg.signum() != delta.signum() || (budget / per_peg).abs() > delta.abs()
}

/// Budget-limited peg with the 0.1% k cut (Drift `math/repeg.rs` adjust_amm; §1.3).
/// `None` when the target is the current peg or the intensity is 0.
pub fn adjust_amm(
    market: &V2Market,
    target_peg: f64,
    budget: f64,
    adjust_k: bool,
    params: &V2Params,
) -> Option<PegAdjustment> {
    if target_peg == market.peg || params.repeg_intensity() == 0 {
        return None;
    }
    let delta = target_peg - market.peg;
    if budget_covers(market.quote_to_close(), delta, budget) {
        let mut after = *market;
        after.peg = target_peg;
        return Some(PegAdjustment {
            market: after,
            cost: market.repeg_cost(target_peg),
            k_cut: None,
        });
    }
    let (curve, k_cut) = if adjust_k && can_lower_k(market, params) {
        let s1 = k_cut_sqrt_k(market, params);
        let cut = KCut {
            sqrt_k: s1,
            revenue: market.k_cost(s1),
        };
        (market.with_sqrt_k(s1), Some(cut))
    } else {
        (*market, None)
    };
    let extra = k_cut.map_or(0.0, |c| c.revenue.abs());
    let step = (budget + extra) / curve.quote_to_close();
    let new_peg = if market.peg + step <= 0.0 {
        MIN_PEG
    } else {
        market.peg + step
    };
    let cost = curve.repeg_cost(new_peg);
    let mut after = curve;
    after.peg = new_peg;
    Some(PegAdjustment {
        market: after,
        cost,
        k_cut,
    })
}

/// Charges `cost` to P, or refuses it (Drift `controller/repeg.rs` apply_cost_to_market;
/// §1.4): with the floor check on, a positive cost may not leave P below F/2 + Lq − W
/// (less [`FLOOR_TOLERANCE`]). Returns the new P.
pub fn apply_cost(market: &V2Market, cost: f64, check_floor: bool) -> Result<f64, V2Status> {
    let floor = market.fee_floor();
    let after = market.fee_pool - cost;
    if cost > 0.0 && check_floor && after < floor - FLOOR_TOLERANCE {
        return Err(V2Status::Rejected { cost, floor });
    }
    Ok(after)
}

/// Outcome of the automatic repeg ([`update_amm`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RepegOutcome {
    /// Target and budget (`None` when skipped before computing them).
    pub target: Option<PegTarget>,
    /// The proposal, whether or not it was applied.
    pub proposal: Option<PegAdjustment>,
    /// The market afterwards (unchanged unless applied).
    pub market: V2Market,
    /// Cost charged to P, USD (0 unless applied).
    pub cost: f64,
    pub status: V2Status,
}

impl RepegOutcome {
    fn skipped(market: &V2Market, target: Option<PegTarget>, reason: SkipReason) -> Self {
        Self {
            target,
            proposal: None,
            market: *market,
            cost: 0.0,
            status: V2Status::Skipped { reason },
        }
    }
}

/// The automatic repeg run before every trade (Drift `controller/repeg.rs` _update_amm;
/// §1): target and budget, budget-limited peg with the k cut, then the floor check.
pub fn update_amm(market: &V2Market, oracle: f64, params: &V2Params) -> RepegOutcome {
    if params.repeg_intensity() == 0 {
        return RepegOutcome::skipped(market, None, SkipReason::IntensityZero);
    }
    if !(oracle.is_finite() && oracle > 0.0) {
        return RepegOutcome::skipped(market, None, SkipReason::OracleNotPositive);
    }
    let target = optimal_peg_and_budget(market, oracle, params);
    let adjust_k = params.k_cut_enabled();
    let Some(proposal) = adjust_amm(market, target.peg, target.budget, adjust_k, params) else {
        return RepegOutcome::skipped(market, Some(target), SkipReason::AtTarget);
    };
    match apply_cost(market, proposal.cost, target.check_floor) {
        Ok(pool) => RepegOutcome {
            target: Some(target),
            proposal: Some(proposal),
            market: V2Market {
                fee_pool: pool,
                ..proposal.market
            },
            cost: proposal.cost,
            status: V2Status::Applied,
        },
        Err(status) => RepegOutcome {
            target: Some(target),
            proposal: Some(proposal),
            market: *market,
            cost: 0.0,
            status,
        },
    }
}

/// Formulaic k budget, USD (Drift `controller/amm.rs` formulaic_update_k; §2.2). `x` is
/// the funding imbalance cost (−U, < 0 when the AMM received funding) and `r` the net
/// revenue since the last funding, already including this period's funding.
pub fn formulaic_k_budget(x: f64, r: f64, params: &V2Params) -> f64 {
    if x < 0.0 {
        let widened = params.long_spread.max(params.short_spread) > params.base_spread;
        if widened {
            0.0
        } else {
            -x / 2.0
        }
    } else if r < x {
        (r.max(0.0) - x) / 2.0
    } else {
        0.0
    }
}

/// √k ratio bounds of one formulaic k update, 1 ∓ 0.1%·I/100 (§2.3).
pub fn formulaic_k_bounds(intensity: u32) -> (f64, f64) {
    let step = FORMULAIC_K_STEP * f64::from(intensity) / 100.0;
    (1.0 - step, 1.0 + step)
}

/// The √k ratio whose k cost is `budget` (Drift `math/cp_curve.rs`
/// _calculate_budgeted_k_scale; §2.5), floored to 1e-6 (so an increase never overspends)
/// and clamped to [r_min, r_max]. A budget larger than any increase can cost gives r_max;
/// a non-positive numerator (Drift asserts it is positive) gives r_min.
pub fn budgeted_k_scale(market: &V2Market, budget: f64, r_min: f64, r_max: f64) -> f64 {
    let (x, y, d) = (market.base_reserve, market.quote_reserve, market.net_base);
    let a = market.peg * y * d * d;
    let spend = budget * x * (x + d);
    if budget > 0.0 && spend > a {
        return r_max;
    }
    let r = budgeted_k_ratio(x, y, market.peg, d, budget);
    if !(r.is_finite() && r > 0.0) {
        return if budget > 0.0 { r_max } else { r_min };
    }
    floor_to_step(r, 1.0 / PERCENT_STEPS).clamp(r_min, r_max)
}

/// Outcome of formulaic k ([`formulaic_k`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KOutcome {
    /// Budget B of §2.2, USD.
    pub budget: f64,
    /// √k ratio proposed (1 when skipped).
    pub ratio: f64,
    /// The market afterwards (unchanged unless applied).
    pub market: V2Market,
    /// k cost charged to P, USD (0 unless applied).
    pub cost: f64,
    pub status: V2Status,
}

/// Formulaic k at a funding update (Drift `controller/amm.rs` formulaic_update_k; §2.3):
/// a budgeted √k change of at most ±0.1%·I/100, charged to P under the floor check.
pub fn formulaic_k(market: &V2Market, x: f64, r: f64, params: &V2Params) -> KOutcome {
    let budget = formulaic_k_budget(x, r, params);
    let skip = |reason| KOutcome {
        budget,
        ratio: 1.0,
        market: *market,
        cost: 0.0,
        status: V2Status::Skipped { reason },
    };
    if params.curve_update_intensity == 0 {
        return skip(SkipReason::IntensityZero);
    }
    if params.disable_formulaic_k {
        return skip(SkipReason::FormulaicKDisabled);
    }
    if budget == 0.0 {
        return skip(SkipReason::NoBudget);
    }
    if budget > 0.0 && market.sqrt_k >= MAX_SQRT_K {
        return skip(SkipReason::MaxSqrtK);
    }
    if budget < 0.0 && !can_lower_k(market, params) {
        return skip(SkipReason::CannotLowerK);
    }
    let (r_min, r_max) = formulaic_k_bounds(params.curve_update_intensity);
    let ratio = budgeted_k_scale(market, budget, r_min, r_max);
    // Drift stores √k at 1e-9 base units and floors s·r (§2.3); over thousands of updates
    // the floor adds up to ~1e-9 relative (test K5) and decides when MAX_SQRT_K is hit (K6).
    let s1 = floor_to_step(market.sqrt_k * ratio, SQRT_K_STEP);
    if s1 > MAX_SQRT_K {
        return skip(SkipReason::MaxSqrtK);
    }
    if s1 < market.net_base.abs() {
        return skip(SkipReason::CannotLowerK);
    }
    let cost = market.k_cost(s1);
    match apply_cost(market, cost, true) {
        Ok(pool) => KOutcome {
            budget,
            ratio,
            market: V2Market {
                fee_pool: pool,
                ..market.with_sqrt_k(s1)
            },
            cost,
            status: V2Status::Applied,
        },
        Err(status) => KOutcome {
            budget,
            ratio,
            market: *market,
            cost: 0.0,
            status,
        },
    }
}

/// What Drift v2 does to a market in one step (one funding period).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct V2Decision {
    /// Formulaic k for the period just ended.
    pub k: KOutcome,
    /// The automatic repeg before the next trade, on the market left by `k`.
    pub repeg: RepegOutcome,
    /// The final market: peg, √k, reserves and P.
    pub after: V2Market,
    /// Total cost to the protocol, USD (> 0 paid out of P): k.cost + repeg.cost.
    pub total_cost: f64,
    /// R after the step: formulaic k runs before R is reset, so only the repeg counts.
    pub net_revenue_after: f64,
}

/// One step of Drift v2's automatic rules, in the order of `docs/drift-v2-rules.md` §4
/// "Event order": formulaic k for the funding period just ended (with the funding
/// imbalance cost X = −U and the net revenue R, which already includes the period's
/// funding), then the automatic repeg toward `oracle` before the next trade. `state.fee_pool`
/// must already include the period's funding (see [`funding_split`]).
pub fn v2_step(
    state: &V2Market,
    oracle: f64,
    funding_imbalance_cost: f64,
    net_revenue: f64,
    params: &V2Params,
) -> Result<V2Decision, AmmError> {
    params.validate()?;
    state.validate()?;
    finite("funding_imbalance_cost", funding_imbalance_cost)?;
    finite("net_revenue", net_revenue)?;
    let k = formulaic_k(state, funding_imbalance_cost, net_revenue, params);
    let repeg = update_amm(&k.market, oracle, params);
    Ok(V2Decision {
        k,
        repeg,
        after: repeg.market,
        total_cost: k.cost + repeg.cost,
        net_revenue_after: -repeg.cost,
    })
}

/// Drift's contract tiers, which set the funding clamp (`state/perp_market.rs` ContractTier).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractTier {
    A,
    B,
    C,
    Speculative,
    #[default]
    HighlySpeculative,
    Isolated,
}

impl ContractTier {
    /// The funding spread is clamped to ±oracle_twap / this (§3.1).
    pub fn funding_clamp_divisor(self) -> f64 {
        match self {
            ContractTier::A | ContractTier::B => 33.0,
            ContractTier::C => 20.0,
            ContractTier::Speculative
            | ContractTier::HighlySpeculative
            | ContractTier::Isolated => 10.0,
        }
    }
}

/// Largest |spread| the funding rate may use, oracle_twap / divisor, USD (§3.1).
pub fn max_funding_spread(oracle_twap: f64, tier: ContractTier) -> f64 {
    oracle_twap / tier.funding_clamp_divisor()
}

/// v2 funding rate per period, USD per base unit (Drift `math/funding.rs`; §3.1): the
/// spread mark_twap − oracle_twap plus the offset |oracle_twap|/5000, clamped by tier,
/// over 24/period_hours.
pub fn funding_rate_v2(
    mark_twap: f64,
    oracle_twap: f64,
    tier: ContractTier,
    period_hours: f64,
) -> Result<f64, AmmError> {
    positive("oracle_twap", oracle_twap)?;
    finite("mark_twap", mark_twap)?;
    positive("period_hours", period_hours)?;
    let offset = oracle_twap.abs() / FUNDING_RATE_OFFSET_DENOMINATOR;
    Ok(funding_rate_clamped(
        mark_twap + offset,
        oracle_twap,
        period_hours,
        tier.funding_clamp_divisor(),
    ))
}

/// The AMM's share of one funding payment (§3.2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FundingSplit {
    /// U = rate·N, the AMM's uncapped funding pnl (> 0 received). Formulaic k uses X = −U.
    pub uncapped: f64,
    /// What P and R actually change by: U, or max(U, −B0/3) when the AMM pays.
    pub amm_pnl: f64,
    /// P afterwards.
    pub fee_pool_after: f64,
    /// Whether the AMM's payment was capped.
    pub capped: bool,
    /// Rate longs pay (> 0) or receive; `None` if capped and L_b is unknown or 0.
    pub long_rate: Option<f64>,
    /// Rate shorts receive (> 0) or pay; `None` if capped and S_b is unknown or 0.
    pub short_rate: Option<f64>,
}

/// The receiving side's rate when the AMM's payment is capped (§3.2): it gets what the
/// payers pay plus the capped AMM share, spread over its gross base.
fn capped_receiving_rate(rate: f64, limit: f64, market: &V2Market) -> (Option<f64>, Option<f64>) {
    let (payers, receivers) = if rate > 0.0 {
        (market.long_base, market.short_base)
    } else {
        (market.short_base, market.long_base)
    };
    let recv = match (payers, receivers) {
        (Some(p), Some(r)) if r != 0.0 => Some((limit - (rate * p).abs()) / r),
        _ => None,
    };
    if rate > 0.0 {
        (Some(rate), recv)
    } else {
        (recv, Some(rate))
    }
}

/// Splits funding at `rate` between users and the AMM, which holds −N (Drift
/// `math/funding.rs` calculate_funding_rate_long_short; §3.2). When the AMM pays, it pays
/// at most a third of the fee budget B0 per period, and the receiving side's rate is cut.
/// Errors if a capped payment would leave P below F/2 (InvalidFundingProfitability).
pub fn funding_split(market: &V2Market, rate: f64) -> Result<FundingSplit, AmmError> {
    finite("funding rate", rate)?;
    let uncapped = rate * market.net_base;
    if uncapped >= 0.0 {
        return Ok(FundingSplit {
            uncapped,
            amm_pnl: uncapped,
            fee_pool_after: market.fee_pool + uncapped,
            capped: false,
            long_rate: Some(rate),
            short_rate: Some(rate),
        });
    }
    let limit = -market.fee_budget() / 3.0;
    let amm_pnl = uncapped.max(limit);
    let after = market.fee_pool + amm_pnl;
    if amm_pnl != 0.0 && after < market.total_fee / 2.0 {
        return Err(AmmError::InsufficientFeePool {
            cost: -amm_pnl,
            available: market.fee_pool - market.total_fee / 2.0,
        });
    }
    let capped = uncapped < limit;
    let (long_rate, short_rate) = if capped {
        capped_receiving_rate(rate, limit, market)
    } else {
        (Some(rate), Some(rate))
    };
    Ok(FundingSplit {
        uncapped,
        amm_pnl,
        fee_pool_after: after,
        capped,
        long_rate,
        short_rate,
    })
}

#[cfg(test)]
mod tests {
    //! Drift's own test vectors (`docs/drift-v2-rules.md` §6). Raw integers are converted
    //! to plain units by their precision: reserves, √k and base at 1e9, money, prices and
    //! pegs at 1e6, ratios and spreads at 1e6. Each check states its tolerance; they are
    //! no looser than what a plain-f64 port can reach (Drift rounds at 1e-6 USD).

    use super::*;
    use crate::amm::{peg_for_price, AmmInit, AmmRules};

    /// AMM_RESERVE_PRECISION / BASE_PRECISION.
    const BASE: f64 = 1e9;
    /// QUOTE / PRICE / PEG / PERCENTAGE precision.
    const E6: f64 = 1e6;

    /// Asserts |actual − expected| ≤ rel·|expected| and prints the error (for `--nocapture`).
    fn rel(what: &str, actual: f64, expected: f64, tol: f64) {
        let err = (actual - expected).abs() / expected.abs();
        eprintln!("{what}: {actual} vs {expected}: rel {err:.2e} (tol {tol:.1e})");
        assert!(
            err <= tol,
            "{what}: {actual} vs {expected}: rel {err:e} > {tol:e}"
        );
    }

    /// Asserts |actual − expected| ≤ tol and prints the error.
    fn abs(what: &str, actual: f64, expected: f64, tol: f64) {
        let err = (actual - expected).abs();
        eprintln!("{what}: {actual} vs {expected}: abs {err:.2e} (tol {tol:.1e})");
        assert!(
            err <= tol,
            "{what}: {actual} vs {expected}: abs {err:e} > {tol:e}"
        );
    }

    fn market(b: f64, q: f64, s: f64, peg: f64, n: f64) -> V2Market {
        V2Market {
            base_reserve: b,
            quote_reserve: q,
            sqrt_k: s,
            peg,
            net_base: n,
            fee_pool: 0.0,
            total_fee: 0.0,
            liquidation_fee: 0.0,
            fee_withdrawn: 0.0,
            terminal_quote: None,
            long_base: None,
            short_base: None,
        }
    }

    /// "Mkt-B", Drift's `AMM::default_btc_test` (q_t = 64 = s²/(b+N), so on the curve).
    fn mkt_b() -> V2Market {
        market(
            65e9 / BASE,
            63_015_384_615.0 / BASE,
            64e9 / BASE,
            19_400e6 / E6,
            -1e9 / BASE,
        )
    }

    fn mkt_b_params() -> V2Params {
        V2Params {
            curve_update_intensity: 100,
            max_spread: 975.0 / E6,
            concentration_coef: 1_414_200.0 / E6,
            min_order_size: 1.0 / BASE,
            base_spread: 250.0 / E6,
            ..V2Params::default()
        }
    }

    /// "Mkt-K", the market of Drift's cp_curve and formulaic-k tests.
    fn mkt_k() -> V2Market {
        market(
            512_295_081_967.0 / BASE,
            488e9 / BASE,
            500e9 / BASE,
            50e6 / E6,
            -12_295_081_967.0 / BASE,
        )
    }

    fn mkt_k_params() -> V2Params {
        V2Params {
            curve_update_intensity: 100,
            concentration_coef: 1_414_200.0 / E6,
            min_order_size: 1.0 / BASE,
            ..V2Params::default()
        }
    }

    fn applied(outcome: &RepegOutcome) -> V2Market {
        assert!(
            outcome.status.applied(),
            "not applied: {:?}",
            outcome.status
        );
        outcome.market
    }

    // ---- R1–R8: automatic repeg (§1) ----

    /// R1 `math/repeg/tests.rs` calc_peg_tests. Tolerance 1e-9 relative (Drift floors at 1e-6).
    #[test]
    fn r1_peg_from_target_price() {
        let px = 19_401_125_456.0 / E6;
        let cases = [
            (1e9, 1e9, px, 19_401_125_456.0),
            (1e9 - 1e4, 1e9 + 1e4, px, 19_401_513_482.0),
            (1e9 + 1e4, 1e9 - 1e4, px, 19_400_737_437.0),
            (5e8, 2e9, px, 77_604_501_824.0),
            (1e9, 1e9, 1_000_500.0 / E6, 1_000_500.0),
            (1e9, 1e9, 1_000_499.0 / E6, 1_000_499.0),
        ];
        for (q, b, price, expected) in cases {
            let peg = peg_for_price(b / BASE, q / BASE, price);
            rel("R1 peg", peg, expected / E6, 1e-9);
        }
    }

    /// R2 `math/repeg/tests.rs` calculate_optimal_peg_and_budget_test. Tolerance 1e-9 relative.
    #[test]
    fn r2_optimal_peg_and_budget() {
        let params = V2Params {
            max_spread: 50_000.0 / E6,
            ..mkt_b_params()
        };
        let mut m = mkt_b();
        m.total_fee = 1e6 / E6;
        m.fee_pool = 40e6 / E6;
        rel("R2 B0", m.fee_budget(), 39.5, 1e-12);
        let cases = [
            (12_400.0, 13_110_290_527.0, 6_192_944_714.0, false),
            (18_901.0, 19_496_270_752.0, 39_500_000.0, true),
            (18_601.0, 19_186_822_509.0, 39_500_000.0, true),
            (20_400.0, 21_042_480_468.0, 39_500_000.0, true),
            (42_400.0, 43_735_351_562.0, 39_500_000.0, true),
        ];
        for (oracle, peg, budget, check_floor) in cases {
            let t = optimal_peg_and_budget(&m, oracle, &params);
            rel("R2 peg", t.peg, peg / E6, 1e-9);
            rel("R2 budget", t.budget, budget / E6, 1e-9);
            assert_eq!(t.check_floor, check_floor, "R2 check_floor at {oracle}");
        }
        // Users net long (N = +1), q_t recomputed: out of band above the mark.
        m.net_base = 1.0;
        let t = optimal_peg_and_budget(&m, 42_400.0, &params);
        rel("R2 long peg", t.peg, 42_641_967_773.0 / E6, 1e-9);
        rel("R2 long budget", t.budget, 22_190_932_405.0 / E6, 1e-9);
        assert!(!t.check_floor);
    }

    /// R3 `math/repeg/tests.rs` calculate_optimal_peg_and_budget_2_test: a zero budget in
    /// band, paid for by the 0.1% k cut. Tolerances: peg 1e-9 relative; the $0.000442 cost
    /// 2.5e-2 relative (1.2e-5 USD; Drift's +1e-9 on the cut ratio is not emulated).
    #[test]
    fn r3_zero_budget_repeg_paid_by_k_cut() {
        let mut m = market(
            2_270_516_211_133.0 / BASE,
            2_270_925_669_621.0 / BASE,
            2_270_720_931_148.0 / BASE,
            17_723_081_263.0 / E6,
            237_200_000.0 / BASE,
        );
        m.total_fee = 298_628_987.0 / E6;
        m.fee_pool = -242_668_966.0 / E6;
        m.fee_withdrawn = 124_247_717.0 / E6;
        let params = V2Params {
            max_spread: 50_000.0 / E6,
            concentration_coef: 1_020_710.0 / E6,
            min_order_size: 1.0 / BASE,
            curve_update_intensity: 100,
            ..V2Params::default()
        };
        let t = optimal_peg_and_budget(&m, 17_800.0, &params);
        rel("R3 peg", t.peg, 17_796_790_576.0 / E6, 1e-9);
        assert_eq!(t.budget, 0.0);
        assert!(!t.check_floor);
        let out = update_amm(&m, 17_800.0, &params);
        applied(&out);
        rel("R3 cost", out.cost, 442.0 / E6, 2.5e-2);
        abs("R3 cost", out.cost, 442.0 / E6, 1.2e-5);
    }

    /// R4 `math/repeg/tests.rs` calc_adjust_amm_tests_repeg_in_favour: N = +1 with the
    /// stored q_t = 64 (off the curve). Tolerance 1e-9 relative.
    #[test]
    fn r4_repeg_in_favour() {
        let mut m = mkt_b();
        m.net_base = 1.0;
        m.terminal_quote = Some(64e9 / BASE);
        let target = peg_for_price(m.base_reserve, m.quote_reserve, 20_401_125_456.0 / E6);
        let adj = adjust_amm(&m, target, 0.0, true, &mkt_b_params()).expect("a move");
        rel("R4 cost", adj.cost, -1_618_354_580.0 / E6, 1e-9);
        assert_eq!(adj.market.peg, target);
        assert!(adj.k_cut.is_none());
        let mark_change = adj.market.mark() - m.mark();
        rel("R4 mark change", mark_change, 1_593_456_817.0 / E6, 1e-9);
    }

    /// R5 `math/repeg/tests.rs` calc_adjust_amm_tests_sufficent_fee_for_repeg: a partial
    /// repeg spending the whole budget. Tolerances: peg 1e-6 relative, cost 2e-6 relative
    /// (the k cut's $5.7e-7 is absorbed by Drift's rounding, not by f64).
    #[test]
    fn r5_partial_repeg_spends_budget() {
        let mut m = market(
            60_437_939_720_095.0 / BASE,
            60_440_212_459_368.0 / BASE,
            60_439_076_079_049.0 / BASE,
            34_353_000.0 / E6,
            1e9 / BASE,
        );
        m.fee_pool = 304_289.0 / E6;
        let target = peg_for_price(m.base_reserve, m.quote_reserve, 35_768_000.0 / E6);
        let adj =
            adjust_amm(&m, target, m.fee_budget(), true, &mkt_k_params()).expect("a partial move");
        rel("R5 peg", adj.market.peg, 34_657_283.0 / E6, 1e-6);
        rel("R5 cost", adj.cost, 304_289.0 / E6, 2e-6);
        assert!(
            adj.k_cut.is_some(),
            "the 0.1% cut accompanies a partial repeg"
        );
    }

    /// R6 `controller/repeg/tests.rs` update_amm_test: out of band with an empty pool; the
    /// peg goes past the band edge by the k cut and P goes negative. Tolerance 3e-7 relative.
    #[test]
    fn r6_out_of_band_empty_pool() {
        let params = V2Params {
            max_spread: 55_500.0 / E6,
            concentration_coef: 31_020_710.0 / E6,
            ..mkt_b_params()
        };
        let out = update_amm(&mkt_b(), 12_400.0, &params);
        let m = applied(&out);
        rel("R6 sqrt_k", m.sqrt_k, 63_936_000_000.0 / BASE, 1e-12);
        rel("R6 peg", m.peg, 13_145_260_284.0 / E6, 3e-7);
        rel("R6 cost", out.cost, 6_158_609_264.0 / E6, 3e-7);
        rel("R6 P", m.fee_pool, -6_158_609_264.0 / E6, 3e-7);
        rel("R6 mark", m.mark(), 12_743_902_015.0 / E6, 3e-7);
    }

    /// R7 `controller/repeg/tests.rs` update_amm_larg_conf_test: successive oracles on
    /// Mkt-B with P = 0. Tolerance 5e-8 relative; the zero cost 1e-9 USD absolute.
    #[test]
    fn r7_successive_updates() {
        let params = mkt_b_params();
        let out = update_amm(&mkt_b(), 18_850.0, &params);
        let m = applied(&out);
        rel("R7 cost 1", out.cost, -42_992_787.0 / E6, 5e-8);

        let out = update_amm(&m, 18_850.0, &params);
        abs("R7 cost 2", out.cost, 0.0, 1e-9);
        let m = out.market;
        rel("R7 peg 2", m.peg, 19_443_664_550.0 / E6, 5e-8);

        let out = update_amm(&m, 18_820.0, &params);
        let m = applied(&out);
        rel("R7 cost 3", out.cost, 30_468_749.0 / E6, 5e-8);
        rel("R7 mark 3", m.mark(), 18_819_999_999.0 / E6, 5e-8);

        let out = update_amm(&m, 18_823.0, &params);
        let m = applied(&out);
        rel("R7 cost 4", out.cost, -3_046_875.0 / E6, 5e-8);
        rel("R7 mark 4", m.mark(), 18_822_999_999.0 / E6, 5e-8);
    }

    /// R8 `controller/repeg/tests.rs` update_amm_larg_conf_w_neg_tfmd_test: a negative
    /// pool. Tolerance 2.5e-6 relative, except the $0.299367 cost: 1.5e-4 relative
    /// (4.5e-5 USD; Drift's +1e-9 on the cut ratio is not emulated).
    #[test]
    fn r8_negative_fee_pool() {
        let params = V2Params {
            concentration_coef: 1_414_213.0 / E6,
            ..mkt_b_params()
        };
        let mut m = mkt_b();
        m.fee_pool = -10_000e6 / E6;
        let tol = 2.5e-6;

        let out = update_amm(&m, 18_850.0, &params);
        let m = applied(&out);
        rel("R8 cost 1", out.cost, -42_992_787.0 / E6, tol);
        rel("R8 P 1", m.fee_pool, -9_957_007_213.0 / E6, tol);
        let (b_min, b_max) = m.reserve_bounds(params.concentration_coef);
        rel("R8 b_min", b_min, 45_254_851_991.0 / BASE, tol);
        rel("R8 b_max", b_max, 90_509_632_000.0 / BASE, tol);

        let out = update_amm(&m, 18_850.0, &params);
        abs("R8 cost 2", out.cost, 0.0, 1e-9);
        let m = out.market;

        let out = update_amm(&m, 18_820.0, &params);
        let m = applied(&out);
        rel("R8 cost 3", out.cost, 21_459_587.0 / E6, tol);
        rel("R8 sqrt_k 3", m.sqrt_k, 63_936_000_000.0 / BASE, tol);
        rel("R8 b 3", m.base_reserve, 64_935_000_065.0 / BASE, tol);
        rel("R8 q 3", m.quote_reserve, 62_952_369_167.0 / BASE, tol);
        let q_t = m.quote_reserve - m.quote_to_close();
        rel("R8 q_t 3", q_t, 63_936_999_950.0 / BASE, tol);
        rel("R8 peg 3", m.peg, 19_421_869_997.0 / E6, tol);
        rel("R8 mark 3", m.mark(), 18_828_870_851.0 / E6, tol);

        let out = update_amm(&m, 18_823.0, &params);
        let m = applied(&out);
        rel("R8 cost 4", out.cost, 299_367.0 / E6, 1.5e-4);
        abs("R8 cost 4", out.cost, 299_367.0 / E6, 4.5e-5);
        rel("R8 mark 4", m.mark(), 18_828_576_061.0 / E6, tol);
    }

    // ---- K1–K7: formulaic k (§2) ----

    /// K1 `math/cp_curve/tests.rs` calculate_k_tests: √k 500 → 501 on Mkt-K. Tolerance
    /// 5e-6 relative (the cost is $0.029448 at 1e-6 rounding).
    #[test]
    fn k1_update_k_mechanics_and_cost() {
        let m = mkt_k();
        let after = m.with_sqrt_k(501.0);
        rel("K1 b'", after.base_reserve, 513_319_672_130.0 / BASE, 1e-9);
        rel("K1 q'", after.quote_reserve, 488_976_000_001.0 / BASE, 1e-9);
        let q_t = after.quote_reserve - after.quote_to_close();
        rel("K1 q_t'", q_t, 500_975_411_043.0 / BASE, 1e-9);
        rel("K1 cost", m.k_cost(501.0), 29_448.0 / E6, 5e-6);
    }

    /// K2 `math/cp_curve/tests.rs` calculate_k_tests, budgeted ratio with bounds
    /// [0.978, 1.001]. Tolerance 1e-6 relative (one step of the 1e-6 floor).
    #[test]
    fn k2_budgeted_ratio() {
        let (x, y) = (55_414e9 / BASE, 55_530e9 / BASE);
        let m = market(x, y, (x * y).sqrt(), 36_365_000.0 / E6, 66e9 / BASE);
        for (budget, expected) in [(0.002, 1_000_700.0), (-0.02, 993_050.0), (-0.04, 986_196.0)] {
            let r = budgeted_k_scale(&m, budget, 0.978, 1.001);
            rel("K2 ratio", r, expected / E6, 1e-6);
        }
        let x = 500_000_000_049_750_000_004_950.0 / BASE;
        let y = 499_999_999_950_250_000_000_000.0 / BASE;
        let m = market(x, y, (x * y).sqrt(), 40.0, 49_750_000_004_950.0 / BASE);
        rel(
            "K2 clamp up",
            budgeted_k_scale(&m, 0.114_638, 0.978, 1.001),
            1.001,
            1e-12,
        );
        rel(
            "K2 clamp down",
            budgeted_k_scale(&m, -0.114_638, 0.978, 1.001),
            0.978,
            1e-12,
        );
    }

    /// K3 `math/cp_curve/tests.rs` calculate_k_with_rounding: bounds [1, 100]. Tolerance
    /// 1e-6 relative on the ratio, 5e-6 on the cost.
    #[test]
    fn k3_ratio_with_rounding() {
        let b = 9_942_017_440_883_516_352.0 / BASE;
        let q = 10_058_320_717_561_858_267.0 / BASE;
        let m = market(
            b,
            q,
            1e19 / BASE,
            1103.0 / E6,
            57_982_559_000_000_000.0 / BASE,
        );
        let r = budgeted_k_scale(&m, 32_195_176.0 / E6, 1.0, 100.0);
        rel("K3 ratio", r, 1_094_419.0 / E6, 1e-6);
        let cost = m.k_cost(m.sqrt_k * 373_175.0 / 340_980.0);
        rel("K3 cost", cost, 32_195_097.0 / E6, 5e-6);
    }

    /// K4 `controller/amm/tests.rs` formualic_k_tests: successive funding imbalances on
    /// Mkt-K with P = $1000, R = 0. Tolerance 2e-9 relative (needs the 1e-6 ratio floor).
    #[test]
    fn k4_formulaic_k_sequence() {
        let params = mkt_k_params();
        let mut m = mkt_k();
        m.fee_pool = 1000.0;
        let steps = [
            (0.0, 500_000_000_000.0, 1_000_000_000.0),
            (500.0, 499_500_000_000.0, 1_000_014_768.0),
            (-500.0, 499_999_500_000.0, 1_000_000_013.0),
            (-0.001, 500_015_999_983.0, 999_999_527.0),
        ];
        for (x, s, pool) in steps {
            let out = formulaic_k(&m, x, 0.0, &params);
            m = out.market;
            rel("K4 sqrt_k", m.sqrt_k, s / BASE, 2e-9);
            rel("K4 P", m.fee_pool, pool / E6, 2e-9);
        }
    }

    /// Mkt-K with P = $1000 and formulaic k repeated with X, as Drift's test loops do:
    /// `go_on(√k before the last update, updates so far)` is checked before each update.
    fn iterate_formulaic_k(x: f64, go_on: impl Fn(f64, usize) -> bool) -> (V2Market, usize) {
        let params = mkt_k_params();
        let mut m = mkt_k();
        m.fee_pool = 1000.0;
        let (mut n, mut prev) = (0, m.sqrt_k);
        while go_on(prev, n) {
            prev = m.sqrt_k;
            let out = formulaic_k(&m, x, 0.0, &params);
            assert!(out.status.applied(), "step {n}: {:?}", out.status);
            m = out.market;
            n += 1;
        }
        (m, n)
    }

    /// K5 `controller/amm/tests.rs` iterative_bounds_formualic_k_tests: X = −$1, 10000
    /// times. Tolerance √k 1e-9 relative; P 1.5e-5 relative (Drift's $1.2e-6 bias per step).
    #[test]
    fn k5_iterated_small_budget() {
        let (m, _) = iterate_formulaic_k(-1.0, |_, n| n < 10_000);
        rel("K5 sqrt_k", m.sqrt_k, 10_958_340_658_498_292.0 / BASE, 1e-9);
        rel("K5 P", m.fee_pool, 985_612_320.0 / E6, 1.5e-5);
    }

    /// K6 `controller/amm/tests.rs` iterative_no_bounds_formualic_k_tests: X = −$100000
    /// while the √k before the last update is below 0.99·MAX_SQRT_K (so one update past
    /// the threshold). Tolerance √k 1e-9 relative; P 3e-5 relative.
    #[test]
    fn k6_iterated_to_max_sqrt_k() {
        let (m, n) = iterate_formulaic_k(-100_000.0, |prev, _| prev < 0.99 * MAX_SQRT_K);
        assert_eq!(n, 21_419);
        rel(
            "K6 sqrt_k",
            m.sqrt_k,
            991_917_456_633_894_384_209.0 / BASE,
            1e-9,
        );
        rel("K6 P", m.fee_pool, 985_625_029.0 / E6, 3e-5);
    }

    /// K7 `controller/amm/tests.rs` concentration_coef_tests: k cost of √k ×5 on Mkt-K.
    /// Tolerance 1e-6 relative.
    #[test]
    fn k7_cost_of_five_fold_k() {
        let m = mkt_k();
        rel("K7 cost", m.k_cost(5.0 * m.sqrt_k), 11_575_563.0 / E6, 1e-6);
    }

    // ---- F1–F2: funding (§3) ----

    /// F1 `math/funding/tests.rs` capped_sym_funding_test. Tolerance 2.5e-6 relative.
    #[test]
    fn f1_capped_funding() {
        let mut m = mkt_k();
        m.long_base = Some(12_295_081_967.0 / BASE);
        m.short_base = Some(-2.0 * 12_295_081_967.0 / BASE);
        m.total_fee = 0.5;
        m.fee_pool = 0.5;
        let rate = 41_666_666.0 / BASE;
        let split = funding_split(&m, rate).expect("within the pool");
        assert!(split.capped);
        rel("F1 long rate", split.long_rate.unwrap_or(0.0), rate, 1e-12);
        let short = split.short_rate.unwrap_or(0.0);
        rel("F1 short rate", short, 24_222_164.0 / BASE, 2.5e-6);
        rel("F1 P", split.fee_pool_after, 416_667.0 / E6, 2.5e-6);

        m.net_base = 12_295_081_967.0 / BASE;
        let split = funding_split(&m, rate).expect("the AMM receives");
        assert!(!split.capped);
        rel("F1 P long", split.fee_pool_after, 1_012_295.0 / E6, 2.5e-6);
    }

    /// F2 `math/funding/tests.rs` unsettled_funding_pnl and max_funding_rates. Tolerance
    /// 2.5e-6 relative (on the change of P for the pool).
    #[test]
    fn f2_rate_offset_clamp_and_receipt() {
        let tier = ContractTier::default();
        let rate = funding_rate_v2(47_629_736.0 / E6, 51.0, tier, 1.0).expect("valid twaps");
        rel("F2 rate", rate, -140_002_666.0 / BASE, 2.5e-6);
        let mut m = mkt_k();
        m.net_base = -512_295_081_967.0 / BASE;
        m.fee_pool = 99_999.0;
        let split = funding_split(&m, rate).expect("the AMM receives");
        let gain = split.fee_pool_after - m.fee_pool;
        rel("F2 P change", gain, 71_722_677.0 / E6, 2.5e-6);
        rel("F2 P", split.fee_pool_after, 100_070_722_677.0 / E6, 1e-9);
        rel("F2 cap", max_funding_spread(49.0, tier), 4.9, 1e-12);
        let cap_b = max_funding_spread(49.0, ContractTier::B);
        rel("F2 cap B", cap_b, 1_484_848.0 / E6, 2.5e-6);
    }

    // ---- API behaviour ----

    #[test]
    fn params_validate_names_the_field() {
        assert!(V2Params::default().validate().is_ok());
        let bad = V2Params {
            curve_update_intensity: 201,
            ..V2Params::default()
        };
        let msg = bad.validate().map_err(|e| e.to_string()).unwrap_err();
        assert!(msg.contains("curve_update_intensity") && msg.contains("[0, 200]"));
        let bad = V2Params {
            concentration_coef: 1.0,
            ..V2Params::default()
        };
        let msg = bad.validate().map_err(|e| e.to_string()).unwrap_err();
        assert!(msg.contains("concentration_coef"));
        let bad = V2Params {
            max_spread: f64::NAN,
            ..V2Params::default()
        };
        assert!(bad.validate().is_err());
        let parsed: Result<V2Params, _> = serde_json::from_str(r#"{"intensity": 1}"#);
        assert!(parsed.is_err(), "unknown fields are refused");
        let parsed: V2Params = serde_json::from_str(r#"{"max_spread": 0.1}"#).expect("json");
        assert_eq!(parsed.curve_update_intensity, 100);
    }

    #[test]
    fn odd_max_spread_is_halved_down() {
        let p = mkt_b_params();
        assert_eq!(p.half_max_spread(), 487.0 / E6);
    }

    /// In band with 0 < B0 < C(p*) and the k cut on, the move costs more than B0: refused.
    #[test]
    fn in_band_partial_budget_is_rejected() {
        let mut m = mkt_b();
        m.fee_pool = 5.0;
        let out = update_amm(&m, 18_800.0, &mkt_b_params());
        assert!(matches!(out.status, V2Status::Rejected { .. }), "{out:?}");
        assert_eq!(out.market, m);
        assert_eq!(out.cost, 0.0);
        // Without the k cut (I < 100) it is a partial repeg that ends at the floor.
        let params = V2Params {
            curve_update_intensity: 99,
            ..mkt_b_params()
        };
        let out = update_amm(&m, 18_800.0, &params);
        let after = applied(&out);
        abs("P at the floor", after.fee_pool, 0.0, 1e-9);
        assert_eq!(after.sqrt_k, m.sqrt_k);
    }

    #[test]
    fn intensity_zero_and_bad_oracle_skip() {
        let params = V2Params {
            curve_update_intensity: 0,
            ..mkt_b_params()
        };
        let out = update_amm(&mkt_b(), 18_850.0, &params);
        assert_eq!(
            out.status,
            V2Status::Skipped {
                reason: SkipReason::IntensityZero
            }
        );
        let out = update_amm(&mkt_b(), 0.0, &mkt_b_params());
        assert_eq!(
            out.status,
            V2Status::Skipped {
                reason: SkipReason::OracleNotPositive
            }
        );
    }

    /// v2_step runs formulaic k first, then the repeg on the market it leaves.
    #[test]
    fn v2_step_runs_k_then_repeg() {
        let mut m = mkt_k();
        m.fee_pool = 1000.0;
        let params = mkt_k_params();
        let d = v2_step(&m, 52.0, -500.0, 0.0, &params).expect("valid input");
        assert!(d.k.status.applied() && d.repeg.status.applied());
        rel("step sqrt_k", d.after.sqrt_k, 500.5, 1e-12);
        let repeg_alone = update_amm(&d.k.market, 52.0, &params);
        assert_eq!(repeg_alone.market, d.after);
        rel("step mark", d.after.mark(), 52.0, 1e-12);
        let total = d.k.cost + d.repeg.cost;
        assert_eq!(d.total_cost, total);
        abs("step P", d.after.fee_pool, m.fee_pool - total, 1e-9);
        assert_eq!(d.net_revenue_after, -d.repeg.cost);
        let bad = V2Params {
            max_spread: 2.0,
            ..params
        };
        assert!(v2_step(&m, 52.0, 0.0, 0.0, &bad).is_err());
    }

    fn engine_amm() -> Amm {
        Amm::new(&AmmInit {
            base_reserve: 512.295_081_967,
            quote_reserve: 488.0,
            peg: 50.0,
            fee_rate: 0.001,
            net_base: -12.295_081_967,
            sqrt_k: None,
            total_fee: 0.0,
            fee_pool: 3.0,
            rules: AmmRules::default(),
        })
        .expect("valid market")
    }

    /// A decision applied to the engine keeps b·q = s², moves the peg and charges P, even
    /// past zero; bad input leaves the AMM unchanged.
    #[test]
    fn apply_adjustment_to_engine() {
        let mut amm = engine_amm();
        let before = V2Market::from(&amm);
        let d = v2_step(&before, 45.0, 0.0, 0.0, &V2Params::default()).expect("valid input");
        amm.apply_adjustment(d.after.sqrt_k, d.after.peg, d.total_cost)
            .expect("valid adjustment");
        let (b, q, s) = (amm.base_reserve(), amm.quote_reserve(), amm.sqrt_k());
        rel("b·q = s²", b * q, s * s, 1e-14);
        rel("engine b", b, d.after.base_reserve, 1e-12);
        rel("engine q", q, d.after.quote_reserve, 1e-12);
        assert_eq!(amm.peg(), d.after.peg);
        abs("engine P", amm.fee_pool(), d.after.fee_pool, 1e-9);

        let fill = amm
            .apply_adjustment(400.0, 40.0, 10.0)
            .expect("P may go negative");
        assert_eq!(fill.cost, 10.0);
        assert!(amm.fee_pool() < 0.0);
        rel(
            "b·q = s² again",
            amm.base_reserve() * amm.quote_reserve(),
            160_000.0,
            1e-14,
        );

        let snapshot = amm;
        for (s, p, c) in [
            (f64::NAN, 40.0, 0.0),
            (-1.0, 40.0, 0.0),
            (400.0, 0.0, 0.0),
            (400.0, 40.0, f64::INFINITY),
            (1.0, 40.0, 0.0), // b′ + N ≤ 0: the net position could not be closed
        ] {
            assert!(amm.apply_adjustment(s, p, c).is_err(), "{s} {p} {c}");
            assert_eq!(amm, snapshot);
        }
    }
}
