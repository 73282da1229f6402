//! Scripted AMM operations: the `damm amm` input format and its runner.
//!
//! An op sequence is applied to a market one op at a time; after each, the full state and
//! what the op did are recorded. The first refused op stops the run; the records before
//! it stand (a refused op changes nothing).

use serde::{Deserialize, Serialize};

use super::{Amm, AmmError, AmmInit, AmmState, Fill, Side};

/// One operation, as `{"op": "long_quote", "amount": 100}` etc.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Op {
    /// Long for `amount` USD of quote.
    LongQuote { amount: f64 },
    /// Short for `amount` USD of quote.
    ShortQuote { amount: f64 },
    /// Long `amount` base units.
    LongBase { amount: f64 },
    /// Short `amount` base units.
    ShortBase { amount: f64 },
    /// Set the peg multiplier.
    Repeg { peg: f64 },
    /// Set √k.
    UpdateK { sqrt_k: f64 },
}

impl Op {
    /// Applies the op; on error the market is unchanged.
    pub fn apply(&self, amm: &mut Amm) -> Result<Fill, AmmError> {
        match *self {
            Op::LongQuote { amount } => amm.trade_quote(Side::Long, amount),
            Op::ShortQuote { amount } => amm.trade_quote(Side::Short, amount),
            Op::LongBase { amount } => amm.trade_base(Side::Long, amount),
            Op::ShortBase { amount } => amm.trade_base(Side::Short, amount),
            Op::Repeg { peg } => amm.repeg(peg),
            Op::UpdateK { sqrt_k } => amm.update_k(sqrt_k),
        }
    }
}

/// The `damm amm` input: a starting market and the ops to apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    pub amm: AmmInit,
    pub ops: Vec<Op>,
}

/// The state after one op, with what the op did.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OpRecord {
    #[serde(flatten)]
    pub state: AmmState,
    #[serde(flatten)]
    pub fill: Fill,
}

/// A refused op: its index and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpFailure {
    pub op_index: usize,
    pub message: String,
    pub error: AmmError,
}

/// Runs a script; returns the records of the ops applied and the first failure, if any.
pub fn run(script: &Script) -> (Vec<OpRecord>, Option<OpFailure>) {
    let mut amm = match Amm::new(&script.amm) {
        Ok(a) => a,
        Err(error) => {
            return (
                Vec::new(),
                Some(OpFailure {
                    op_index: 0,
                    message: format!("initial market: {error}"),
                    error,
                }),
            )
        }
    };
    let mut out = Vec::with_capacity(script.ops.len());
    for (i, op) in script.ops.iter().enumerate() {
        match op.apply(&mut amm) {
            Ok(fill) => out.push(OpRecord {
                state: amm.state(),
                fill,
            }),
            Err(error) => {
                return (
                    out,
                    Some(OpFailure {
                        op_index: i,
                        message: error.to_string(),
                        error,
                    }),
                )
            }
        }
    }
    (out, None)
}
