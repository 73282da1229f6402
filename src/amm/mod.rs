//! The virtual AMM: Drift v1's constant-product curve with a peg, in plain f64 units.
//!
//! This module owns the state of one market (reserves, √k, peg, users' net position,
//! open interest, fees and the fee pool) and the operations Drift allows on it: swaps,
//! repegs, k updates and funding. Every operation validates its input first and either
//! applies completely or returns an [`AmmError`] leaving the state untouched.
//! It knows nothing of traders, oracles or learning; see `market` and `mdp` for those.
//!
//! Units: base amounts in base-asset units, quote reserves in unpegged quote units,
//! money in USD. Formulas cite `docs/amm-formulas.md` by section.

pub mod ops;
pub mod v2;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Drift v1's default taker fee, 10/10000 of the quote notional (docs/amm-formulas.md §4).
pub const DRIFT_FEE_RATE: f64 = 0.001;
/// Share of fees reserved by the 50% rule: the pool may not fall below F·½
/// (docs/amm-formulas.md §4).
pub const TRANCHE: f64 = 0.5;
/// Smallest √k ratio of one k update from 19 Jan 2022 (docs/amm-formulas.md §6, v1 commit a5eacdc).
pub const DRIFT_MIN_K_RATIO: f64 = 0.975;

/// The pegs (USD per quote unit) a market may start with (`market.peg`) and that the control
/// preset's oracle-valued repeg may move to: a repeg that follows an oracle beyond them would
/// price USD-sized trades in absurd quote amounts (docs/modeling.md §15).
pub const PEG_RANGE: (f64, f64) = (1e-4, 1e7);
/// Relative tolerance accepted between b·q and s² when both are given.
const RESERVE_CONSISTENCY_TOL: f64 = 1e-9;

/// Why an AMM operation was refused. The state is unchanged whenever one is returned.
#[derive(Debug, Clone, PartialEq, Error, Serialize)]
pub enum AmmError {
    /// A parameter is non-finite, non-positive or otherwise out of its domain.
    #[error("invalid {name}: {value} ({reason})")]
    InvalidParameter {
        name: &'static str,
        value: f64,
        reason: &'static str,
    },
    /// The trade would empty a reserve.
    #[error("trade too large: {reason}")]
    TradeTooLarge { reason: String },
    /// The adjustment's cost does not fit in the fee pool under the active rule.
    #[error("insufficient fee pool: cost {cost:.6} USD exceeds the spendable {available:.6} USD")]
    InsufficientFeePool { cost: f64, available: f64 },
    /// A single k update cut √k by more than the allowed ratio.
    #[error("k update too large: sqrt_k ratio {ratio} is below the minimum {min}")]
    KDecreaseTooLarge { ratio: f64, min: f64 },
    /// A repeg to the current peg (Drift refuses it).
    #[error("repeg to the current peg {peg} changes nothing")]
    PegUnchanged { peg: f64 },
    /// The net position cannot be closed on the curve after the operation.
    #[error("net position {net_base} cannot be closed against a base reserve of {base_reserve}")]
    Insolvent { net_base: f64, base_reserve: f64 },
}

/// Which of Drift's fee-pool and size rules the AMM enforces.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmmRules {
    /// Repegs must leave P ≥ F/2 (v1 `controller/repeg.rs`; docs/amm-formulas.md §4).
    pub repeg_floor: bool,
    /// A positive k cost must be ≤ P (v1 `lib.rs` update_k; no F/2 floor; docs/amm-formulas.md §4).
    pub k_cost_within_pool: bool,
    /// k updates must also leave P ≥ F/2 (not a v1 rule; docs/modeling.md §4 for the MDP).
    pub k_floor: bool,
    /// Smallest allowed √k ratio per k update (v1 from Jan 2022: 0.975); `None` = no limit.
    pub min_k_ratio: Option<f64>,
}

impl Default for AmmRules {
    fn default() -> Self {
        Self {
            repeg_floor: true,
            k_cost_within_pool: true,
            k_floor: false,
            min_k_ratio: Some(DRIFT_MIN_K_RATIO),
        }
    }
}

impl AmmRules {
    /// No fee-pool or size checks: every well-formed adjustment is applied.
    pub const fn unchecked() -> Self {
        Self {
            repeg_floor: false,
            k_cost_within_pool: false,
            k_floor: false,
            min_k_ratio: None,
        }
    }
}

/// The starting values of a market, as in a Drift curve record (the `damm amm` input).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmmInit {
    pub base_reserve: f64,
    pub quote_reserve: f64,
    pub peg: f64,
    #[serde(default = "default_fee_rate")]
    pub fee_rate: f64,
    /// Users' net base position N already on the curve (> 0: net long).
    #[serde(default)]
    pub net_base: f64,
    /// √k; defaults to √(b·q). When given, q is normalised to s²/b (docs/amm-formulas.md §1).
    #[serde(default)]
    pub sqrt_k: Option<f64>,
    #[serde(default)]
    pub total_fee: f64,
    #[serde(default)]
    pub fee_pool: f64,
    #[serde(default)]
    pub rules: AmmRules,
}

fn default_fee_rate() -> f64 {
    DRIFT_FEE_RATE
}

/// The outcome of a k update that passed Drift's checks ([`Amm::update_k_check`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KCheck {
    /// Base and quote reserves after the update.
    pub b1: f64,
    pub q1: f64,
    /// Cost to the protocol (> 0 paid out of P).
    pub cost: f64,
    /// P after the cost.
    pub pool: f64,
}

/// What one operation did, besides changing the state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Fill {
    /// Base units filled by a trade (always ≥ 0).
    pub base_filled: f64,
    /// Quote notional of a trade in USD (always ≥ 0).
    pub quote_filled: f64,
    /// Fee charged to the trader and credited to F and P.
    pub fee: f64,
    /// Cost of an adjustment to the protocol (> 0 paid out of P, < 0 earned into P).
    pub cost: f64,
}

/// Side of a trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Long,
    Short,
}

/// A Drift-style virtual AMM market (plain data: `Copy`, so trying an operation on a copy is cheap).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Amm {
    base_reserve: f64,
    quote_reserve: f64,
    sqrt_k: f64,
    peg: f64,
    fee_rate: f64,
    net_base: f64,
    open_interest_long: f64,
    open_interest_short: f64,
    total_fee: f64,
    fee_pool: f64,
    rules: AmmRules,
}

/// A flat view of the AMM state with derived prices, as printed by `damm amm`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AmmState {
    pub base_reserve: f64,
    pub quote_reserve: f64,
    pub peg: f64,
    pub sqrt_k: f64,
    pub mark_price: f64,
    pub terminal_price: f64,
    pub open_interest_long: f64,
    pub open_interest_short: f64,
    pub net_base: f64,
    pub fee_rate: f64,
    pub total_fee: f64,
    pub fee_pool: f64,
}

impl AmmState {
    /// Every number of the state, in field order (for checks such as "all finite").
    pub fn numbers(&self) -> [f64; 12] {
        [
            self.base_reserve,
            self.quote_reserve,
            self.peg,
            self.sqrt_k,
            self.mark_price,
            self.terminal_price,
            self.open_interest_long,
            self.open_interest_short,
            self.net_base,
            self.fee_rate,
            self.total_fee,
            self.fee_pool,
        ]
    }

    /// True when every number of the state is finite.
    pub fn is_finite(&self) -> bool {
        self.numbers().iter().all(|v| v.is_finite())
    }
}

fn positive(name: &'static str, value: f64) -> Result<f64, AmmError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(AmmError::InvalidParameter {
            name,
            value,
            reason: "must be a positive finite number",
        })
    }
}

fn finite(name: &'static str, value: f64) -> Result<f64, AmmError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(AmmError::InvalidParameter {
            name,
            value,
            reason: "must be finite",
        })
    }
}

fn non_negative(name: &'static str, value: f64) -> Result<f64, AmmError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(AmmError::InvalidParameter {
            name,
            value,
            reason: "must be a non-negative finite number",
        })
    }
}

/// Mark price (q/b)·p (docs/amm-formulas.md §2; v1 `math/amm.rs` calculate_price).
pub fn mark_price(base_reserve: f64, quote_reserve: f64, peg: f64) -> f64 {
    quote_reserve / base_reserve * peg
}

/// Terminal price s²·p/(b+N)², the mark once every position is closed (docs/amm-formulas.md §2).
pub fn terminal_price(base_reserve: f64, sqrt_k: f64, peg: f64, net_base: f64) -> f64 {
    let bt = base_reserve + net_base;
    sqrt_k / bt * (sqrt_k / bt) * peg
}

/// q − q_t = q·N/(b+N) when b·q = s²: the cancellation-free form (docs/amm-formulas.md §2).
/// It is the repeg cost per unit of peg, in USD (docs/drift-v2-rules.md §1.2).
pub fn quote_to_close(base_reserve: f64, quote_reserve: f64, net_base: f64) -> f64 {
    quote_reserve * net_base / (base_reserve + net_base)
}

/// Net market value V = (q − s²/(b+N))·p of the users' net position (docs/amm-formulas.md §2).
pub fn net_value(base_reserve: f64, quote_reserve: f64, peg: f64, net_base: f64) -> f64 {
    quote_to_close(base_reserve, quote_reserve, net_base) * peg
}

/// Repeg cost C = (q − s²/(b+N))·(p1 − p0) (docs/amm-formulas.md §5; v2 `math/repeg.rs`
/// calculate_repeg_cost).
pub fn repeg_cost(base_reserve: f64, quote_reserve: f64, net_base: f64, p0: f64, p1: f64) -> f64 {
    quote_to_close(base_reserve, quote_reserve, net_base) * (p1 - p0)
}

/// k cost C = p·q·N²·(r−1)/((r·b+N)(b+N)), r = s1/s0 (docs/amm-formulas.md §6, closed form).
pub fn k_cost(base_reserve: f64, quote_reserve: f64, peg: f64, net_base: f64, ratio: f64) -> f64 {
    peg * quote_reserve * net_base * net_base * (ratio - 1.0)
        / ((ratio * base_reserve + net_base) * (base_reserve + net_base))
}

/// √k ratio whose k cost equals budget B: (p·q·N² + B·N·(b+N))/(p·q·N² − B·b·(b+N))
/// (docs/amm-formulas.md §6).
pub fn budgeted_k_ratio(
    base_reserve: f64,
    quote_reserve: f64,
    peg: f64,
    net_base: f64,
    budget: f64,
) -> f64 {
    let pqn2 = peg * quote_reserve * net_base * net_base;
    let bn = base_reserve + net_base;
    (pqn2 + budget * net_base * bn) / (pqn2 - budget * base_reserve * bn)
}

/// Peg that puts the mark at `target` with unchanged reserves: p = P·b/q (docs/amm-formulas.md §2).
pub fn peg_for_price(base_reserve: f64, quote_reserve: f64, target: f64) -> f64 {
    target * base_reserve / quote_reserve
}

/// Hourly funding rate (mark_twap − oracle_twap)/(24 h / period) in USD per base unit
/// (docs/amm-formulas.md §7).
pub fn funding_rate(mark_twap: f64, oracle_twap: f64, period_hours: f64) -> f64 {
    (mark_twap - oracle_twap) / (24.0 / period_hours.max(1.0))
}

/// Divisor of v1's funding clamp from 26 Jan 2022: the spread is limited to ±oracle/33
/// (docs/amm-formulas.md §7, v1 63613fb).
pub const V1_FUNDING_CLAMP_DIVISOR: f64 = 33.0;

/// Funding rate with the spread clamped to ±oracle_twap/divisor (docs/amm-formulas.md §7, v1
/// 63613fb / v2 tiers).
pub fn funding_rate_clamped(
    mark_twap: f64,
    oracle_twap: f64,
    period_hours: f64,
    divisor: f64,
) -> f64 {
    let bound = oracle_twap / divisor;
    let spread = (mark_twap - oracle_twap).clamp(-bound, bound);
    spread / (24.0 / period_hours.max(1.0))
}

/// Signed quote (USD; > 0 long) that moves the mark to `target`: b* = √(s²p/P*), q* = s²/b*
/// (docs/amm-formulas.md §2).
pub fn target_price_trade(
    base_reserve: f64,
    quote_reserve: f64,
    sqrt_k: f64,
    peg: f64,
    target: f64,
) -> (f64, f64) {
    let b_star = sqrt_k * (peg / target).sqrt();
    let q_star = sqrt_k * sqrt_k / b_star;
    ((q_star - quote_reserve) * peg, base_reserve - b_star)
}

impl Amm {
    /// Builds a market from its starting values, validating every field.
    pub fn new(init: &AmmInit) -> Result<Self, AmmError> {
        let b = positive("base_reserve", init.base_reserve)?;
        let q = positive("quote_reserve", init.quote_reserve)?;
        let peg = positive("peg", init.peg)?;
        let fee_rate = non_negative("fee_rate", init.fee_rate)?;
        if fee_rate >= 1.0 {
            return Err(AmmError::InvalidParameter {
                name: "fee_rate",
                value: fee_rate,
                reason: "must be below 1",
            });
        }
        let net_base = finite("net_base", init.net_base)?;
        let total_fee = non_negative("total_fee", init.total_fee)?;
        let fee_pool = finite("fee_pool", init.fee_pool)?;
        let sqrt_k = match init.sqrt_k {
            Some(s) => {
                let s = positive("sqrt_k", s)?;
                let rel = (b * q - s * s).abs() / (s * s);
                // A NaN ratio (overflowing products) is refused too.
                if rel.is_nan() || rel > RESERVE_CONSISTENCY_TOL {
                    return Err(AmmError::InvalidParameter {
                        name: "sqrt_k",
                        value: s,
                        reason: "sqrt_k² must equal base_reserve·quote_reserve (1e-9 relative)",
                    });
                }
                s
            }
            None => (b * q).sqrt(),
        };
        // b·q (or s²) beyond f64's range would make every later number infinite.
        if !(sqrt_k * sqrt_k).is_finite() || !(sqrt_k * sqrt_k / b).is_finite() {
            return Err(AmmError::InvalidParameter {
                name: "sqrt_k",
                value: sqrt_k,
                reason: "base_reserve·quote_reserve must stay within f64's range",
            });
        }
        if let Some(r) = init.rules.min_k_ratio {
            positive("rules.min_k_ratio", r)?;
        }
        if b + net_base <= 0.0 {
            return Err(AmmError::Insolvent {
                net_base,
                base_reserve: b,
            });
        }
        Ok(Self {
            base_reserve: b,
            // Spec §1: derive the dependent reserve from s² so b·q = s² holds exactly.
            quote_reserve: sqrt_k * sqrt_k / b,
            sqrt_k,
            peg,
            fee_rate,
            net_base,
            open_interest_long: 0.0,
            open_interest_short: 0.0,
            total_fee,
            fee_pool,
            rules: init.rules,
        })
    }

    pub fn base_reserve(&self) -> f64 {
        self.base_reserve
    }
    pub fn quote_reserve(&self) -> f64 {
        self.quote_reserve
    }
    pub fn sqrt_k(&self) -> f64 {
        self.sqrt_k
    }
    pub fn peg(&self) -> f64 {
        self.peg
    }
    pub fn fee_rate(&self) -> f64 {
        self.fee_rate
    }
    pub fn net_base(&self) -> f64 {
        self.net_base
    }
    pub fn open_interest_long(&self) -> f64 {
        self.open_interest_long
    }
    pub fn open_interest_short(&self) -> f64 {
        self.open_interest_short
    }
    pub fn total_fee(&self) -> f64 {
        self.total_fee
    }
    pub fn fee_pool(&self) -> f64 {
        self.fee_pool
    }
    pub fn rules(&self) -> AmmRules {
        self.rules
    }
    /// Replaces the rule set (e.g. the paper's MDP applies its price moves without pool checks).
    pub fn set_rules(&mut self, rules: AmmRules) {
        self.rules = rules;
    }

    /// Mark price (q/b)·p (docs/amm-formulas.md §2).
    pub fn mark_price(&self) -> f64 {
        mark_price(self.base_reserve, self.quote_reserve, self.peg)
    }

    /// Terminal price s²·p/(b+N)² (docs/amm-formulas.md §2).
    pub fn terminal_price(&self) -> f64 {
        terminal_price(self.base_reserve, self.sqrt_k, self.peg, self.net_base)
    }

    /// Signed USD value of closing the users' net position on the curve (docs/amm-formulas.md §2).
    pub fn net_value(&self) -> f64 {
        net_value(
            self.base_reserve,
            self.quote_reserve,
            self.peg,
            self.net_base,
        )
    }

    /// Fee-pool budget above the 50% floor, P − F/2 (docs/amm-formulas.md §4).
    pub fn spendable(&self) -> f64 {
        self.fee_pool - TRANCHE * self.total_fee
    }

    /// A flat copy of the state with the derived prices.
    pub fn state(&self) -> AmmState {
        AmmState {
            base_reserve: self.base_reserve,
            quote_reserve: self.quote_reserve,
            peg: self.peg,
            sqrt_k: self.sqrt_k,
            mark_price: self.mark_price(),
            terminal_price: self.terminal_price(),
            open_interest_long: self.open_interest_long,
            open_interest_short: self.open_interest_short,
            net_base: self.net_base,
            fee_rate: self.fee_rate,
            total_fee: self.total_fee,
            fee_pool: self.fee_pool,
        }
    }

    fn credit_fee(&mut self, notional: f64) -> f64 {
        // Spec §4: fee = rate × quote notional, credited to both F and P, outside the curve.
        let fee = self.fee_rate * notional;
        self.total_fee += fee;
        self.fee_pool += fee;
        fee
    }

    /// Trades `amount` USD of quote: a long adds q += A/p, a short removes it
    /// (docs/amm-formulas.md §3).
    pub fn trade_quote(&mut self, side: Side, amount: f64) -> Result<Fill, AmmError> {
        positive("amount", amount)?;
        let dq = amount / self.peg;
        let q1 = match side {
            Side::Long => self.quote_reserve + dq,
            Side::Short => self.quote_reserve - dq,
        };
        if !(q1.is_finite() && q1 > 0.0) {
            let what = match side {
                Side::Long => "a long",
                Side::Short => "a short",
            };
            return Err(AmmError::TradeTooLarge {
                reason: format!(
                    "{what} of {amount} USD needs {dq} quote units but the reserve holds {}",
                    self.quote_reserve
                ),
            });
        }
        let b1 = self.sqrt_k * self.sqrt_k / q1;
        // Users receive (long) or owe (short) |b − b′| = b·|Δq|/q′ (b·q = s²; no cancellation).
        let base = self.base_reserve * dq / q1;
        if !(base.is_finite() && b1.is_finite() && b1 > 0.0) {
            return Err(AmmError::TradeTooLarge {
                reason: format!(
                    "{} USD is beyond what the curve can fill in f64",
                    crate::display::num(amount)
                ),
            });
        }
        self.settle_trade(side, b1, q1, base, amount)
    }

    /// Trades `amount` base units: a long removes b −= B, a short adds b += B
    /// (docs/amm-formulas.md §3).
    pub fn trade_base(&mut self, side: Side, amount: f64) -> Result<Fill, AmmError> {
        positive("amount", amount)?;
        let b1 = match side {
            Side::Long => self.base_reserve - amount,
            Side::Short => self.base_reserve + amount,
        };
        if !(b1.is_finite() && b1 > 0.0) {
            return Err(AmmError::TradeTooLarge {
                reason: format!(
                    "a long of {amount} base units needs more than the base reserve {}",
                    self.base_reserve
                ),
            });
        }
        let q1 = self.sqrt_k * self.sqrt_k / b1;
        // The user pays (long) or receives (short) |q′ − q|·p = q·|Δb|/b′·p.
        let quote = self.quote_reserve * amount / b1 * self.peg;
        self.settle_trade(side, b1, q1, amount, quote)
    }

    /// Commits a trade of `base` units for `quote` USD that leaves reserves (b1, q1): checks
    /// the net position can still be closed and every number is finite, then updates N,
    /// open interest and the fees. Nothing changes on error.
    fn settle_trade(
        &mut self,
        side: Side,
        b1: f64,
        q1: f64,
        base: f64,
        quote: f64,
    ) -> Result<Fill, AmmError> {
        let n1 = match side {
            Side::Long => self.net_base + base,
            Side::Short => self.net_base - base,
        };
        if !(b1 + n1 > 0.0 && [b1, q1, base, quote].iter().all(|v| v.is_finite())) {
            return Err(AmmError::Insolvent {
                net_base: n1,
                base_reserve: b1,
            });
        }
        self.base_reserve = b1;
        self.quote_reserve = q1;
        self.net_base = n1;
        match side {
            Side::Long => self.open_interest_long += base,
            Side::Short => self.open_interest_short += base,
        }
        let fee = self.credit_fee(quote);
        Ok(Fill {
            base_filled: base,
            quote_filled: quote,
            fee,
            cost: 0.0,
        })
    }

    /// Repeg cost of moving to `new_peg`, without applying it (docs/amm-formulas.md §5).
    pub fn repeg_cost(&self, new_peg: f64) -> f64 {
        repeg_cost(
            self.base_reserve,
            self.quote_reserve,
            self.net_base,
            self.peg,
            new_peg,
        )
    }

    /// Applies a cost to P under Drift's pool rules (docs/amm-formulas.md §4), or says why it
    /// cannot.
    fn pool_after_cost(&self, cost: f64, floor: bool, within_pool: bool) -> Result<f64, AmmError> {
        finite("cost", cost)?;
        if cost <= 0.0 {
            return Ok(self.fee_pool - cost);
        }
        if floor {
            // v1 repeg: P = max(P − C, 0), refused if P < F/2.
            let after = (self.fee_pool - cost).max(0.0);
            if after < TRANCHE * self.total_fee {
                return Err(AmmError::InsufficientFeePool {
                    cost,
                    available: self.spendable().max(0.0),
                });
            }
            return Ok(after);
        }
        if within_pool && cost > self.fee_pool {
            return Err(AmmError::InsufficientFeePool {
                cost,
                available: self.fee_pool.max(0.0),
            });
        }
        Ok(self.fee_pool - cost)
    }

    /// Changes the peg, paying or earning C = (q − q_t)·Δp (docs/amm-formulas.md §5; v1
    /// `controller/repeg.rs`).
    pub fn repeg(&mut self, new_peg: f64) -> Result<Fill, AmmError> {
        let (cost, pool) = self.repeg_check(new_peg)?;
        self.peg = new_peg;
        self.fee_pool = pool;
        Ok(Fill {
            cost,
            ..Fill::default()
        })
    }

    /// What [`Amm::repeg`] to `new_peg` would cost and leave in P, or why it is refused,
    /// without applying it (the same checks `repeg` runs; no copy of the market).
    pub fn repeg_check(&self, new_peg: f64) -> Result<(f64, f64), AmmError> {
        positive("peg", new_peg)?;
        if new_peg == self.peg {
            return Err(AmmError::PegUnchanged { peg: new_peg });
        }
        let cost = self.repeg_cost(new_peg);
        let pool = self.pool_after_cost(cost, self.rules.repeg_floor, false)?;
        Ok((cost, pool))
    }

    /// Peg of the largest repeg toward `oracle` that Drift v1 allows: prices move toward the
    /// oracle and neither the mark nor the terminal price crosses it (docs/amm-formulas.md §5, v1
    /// `controller/repeg.rs` step 3, with a zero confidence band). Both prices scale with the
    /// peg, so the move is the factor O/mark or O/terminal nearer to 1; `None` when the
    /// oracle lies between the two prices (no move toward it keeps both on their side) or
    /// the prices already sit on it.
    pub fn peg_toward(&self, oracle: f64) -> Option<f64> {
        if !(oracle.is_finite() && oracle > 0.0) {
            return None;
        }
        let f_mark = oracle / self.mark_price();
        let f_term = oracle / self.terminal_price();
        let f = if f_mark > 1.0 && f_term > 1.0 {
            f_mark.min(f_term)
        } else if f_mark < 1.0 && f_term < 1.0 {
            f_mark.max(f_term)
        } else {
            return None;
        };
        let peg = self.peg * f;
        (peg.is_finite() && peg > 0.0 && peg != self.peg).then_some(peg)
    }

    /// k cost of moving √k to `new_sqrt_k`, without applying it (docs/amm-formulas.md §6, closed
    /// form).
    pub fn k_cost(&self, new_sqrt_k: f64) -> f64 {
        k_cost(
            self.base_reserve,
            self.quote_reserve,
            self.peg,
            self.net_base,
            new_sqrt_k / self.sqrt_k,
        )
    }

    /// Scales the reserves by r = s1/s0 (b′ = r·b, q′ = s1²/b′) and pays the k cost
    /// (docs/amm-formulas.md §6).
    pub fn update_k(&mut self, new_sqrt_k: f64) -> Result<Fill, AmmError> {
        let KCheck { b1, q1, cost, pool } = self.update_k_check(new_sqrt_k)?;
        self.base_reserve = b1;
        self.quote_reserve = q1;
        self.sqrt_k = new_sqrt_k;
        self.fee_pool = pool;
        Ok(Fill {
            cost,
            ..Fill::default()
        })
    }

    /// What [`Amm::update_k`] to `new_sqrt_k` would do (reserves, cost, P after), or why it
    /// is refused, without applying it (the same checks `update_k` runs; no copy of the
    /// market).
    pub fn update_k_check(&self, new_sqrt_k: f64) -> Result<KCheck, AmmError> {
        positive("sqrt_k", new_sqrt_k)?;
        let ratio = new_sqrt_k / self.sqrt_k;
        if let Some(min) = self.rules.min_k_ratio {
            // Tolerate representation error at the boundary (0.975 exactly must pass).
            if ratio < min * (1.0 - 1e-12) {
                return Err(AmmError::KDecreaseTooLarge { ratio, min });
            }
        }
        let (b1, q1) = self.rescaled_reserves(new_sqrt_k)?;
        let cost = self.k_cost(new_sqrt_k);
        if !cost.is_finite() {
            return Err(AmmError::InvalidParameter {
                name: "sqrt_k",
                value: new_sqrt_k,
                reason: "the k cost is not finite",
            });
        }
        let pool = self.pool_after_cost(cost, self.rules.k_floor, self.rules.k_cost_within_pool)?;
        Ok(KCheck { b1, q1, cost, pool })
    }

    /// Reserves after moving √k to `new_sqrt_k` at an unchanged mark: b′ = b·s1/s0,
    /// q′ = s1²/b′ (docs/amm-formulas.md §6), refused if the net position could no longer be closed.
    fn rescaled_reserves(&self, new_sqrt_k: f64) -> Result<(f64, f64), AmmError> {
        let b1 = self.base_reserve * (new_sqrt_k / self.sqrt_k);
        if b1 + self.net_base <= 0.0 {
            return Err(AmmError::Insolvent {
                net_base: self.net_base,
                base_reserve: b1,
            });
        }
        Ok((b1, new_sqrt_k * new_sqrt_k / b1))
    }

    /// Applies an adjustment already decided elsewhere (e.g. by [`v2::v2_step`]): sets √k
    /// (rebuilding b, q with b·q = s² as [`Amm::update_k`] does), sets the peg, and takes
    /// `cost` out of P (a negative cost adds to P). No fee-pool rule is checked here: the
    /// caller's rules have decided that, and P may go negative (as Drift v2 allows for an
    /// out-of-band repeg, `docs/drift-v2-rules.md` §1.5). Nothing changes on error.
    pub fn apply_adjustment(&mut self, sqrt_k: f64, peg: f64, cost: f64) -> Result<Fill, AmmError> {
        positive("sqrt_k", sqrt_k)?;
        positive("peg", peg)?;
        finite("cost", cost)?;
        let (b1, q1) = self.rescaled_reserves(sqrt_k)?;
        let pool = finite("fee_pool after the cost", self.fee_pool - cost)?;
        if !(b1.is_finite() && b1 > 0.0 && q1.is_finite() && q1 > 0.0) {
            return Err(AmmError::InvalidParameter {
                name: "sqrt_k",
                value: sqrt_k,
                reason: "the rebuilt reserves are not positive finite numbers",
            });
        }
        self.base_reserve = b1;
        self.quote_reserve = q1;
        self.sqrt_k = sqrt_k;
        self.peg = peg;
        self.fee_pool = pool;
        Ok(Fill {
            cost,
            ..Fill::default()
        })
    }

    /// Settles funding at `rate` (USD per base unit; longs pay when > 0) against the AMM,
    /// which holds −N: it receives N·rate, and pays out at most down to P = F/2
    /// (docs/amm-formulas.md §7).
    /// Returns the signed amount the protocol received.
    pub fn settle_funding(&mut self, rate: f64) -> Result<f64, AmmError> {
        finite("funding rate", rate)?;
        let received = self.net_base * rate;
        let after = if received < 0.0 {
            // Clamp the pool itself, not the payout: P + (F/2 − P) rounds away from F/2 when
            // P ≫ F, and the floor must hold exactly. A pool already below F/2 pays nothing.
            (self.fee_pool + received).max((TRANCHE * self.total_fee).min(self.fee_pool))
        } else {
            self.fee_pool + received
        };
        let received = after - self.fee_pool;
        self.fee_pool = after;
        Ok(received)
    }

    /// Sets F and P back to given values (used when an episode starts from a prepared state).
    pub(crate) fn restore_fees(&mut self, total_fee: f64, fee_pool: f64) {
        self.total_fee = total_fee;
        self.fee_pool = fee_pool;
    }

    /// Applies the smallest trade that puts the mark at `target`, used to set initial states.
    pub fn trade_to_price(&mut self, target: f64) -> Result<Fill, AmmError> {
        positive("target price", target)?;
        let (quote, _) = target_price_trade(
            self.base_reserve,
            self.quote_reserve,
            self.sqrt_k,
            self.peg,
            target,
        );
        if quote > 0.0 {
            self.trade_quote(Side::Long, quote)
        } else if quote < 0.0 {
            self.trade_quote(Side::Short, -quote)
        } else {
            Ok(Fill::default())
        }
    }
}
