#![cfg(not(target_arch = "wasm32"))]
//! Property tests of the vAMM (1,000+ cases each): invariants hold for any valid input,
//! and refused operations change nothing.

use damm::amm::ops::Op;
use damm::amm::{Amm, AmmInit, AmmRules, Side};
use proptest::prelude::*;

/// 1,000 cases per property, or more with `PROPTEST_CASES=N` (a deeper search).
fn config() -> ProptestConfig {
    let from_env = ProptestConfig::default();
    ProptestConfig {
        cases: from_env.cases.max(1_000),
        ..from_env
    }
}

/// A market with realistic magnitudes: reserves 1e2..1e9, peg 1e-3..1e5, P ≥ F/2.
fn market() -> impl Strategy<Value = AmmInit> {
    (
        2.0f64..9.0,
        -0.5f64..0.5,
        -3.0f64..5.0,
        0.0f64..1e6,
        0.5f64..1.0,
        0.0f64..0.01,
    )
        .prop_map(|(lb, skew, lp, fees, share, fee_rate)| {
            let b = 10f64.powf(lb);
            AmmInit {
                base_reserve: b,
                quote_reserve: b * 10f64.powf(skew),
                peg: 10f64.powf(lp),
                fee_rate,
                net_base: 0.0,
                sqrt_k: None,
                total_fee: fees,
                fee_pool: fees * share,
                rules: AmmRules {
                    k_floor: true,
                    ..AmmRules::default()
                },
            }
        })
}

/// An op whose size is relative to the market (fraction of a reserve or a price move);
/// some are too large on purpose.
#[derive(Debug, Clone, Copy)]
enum RelOp {
    Trade(Side, bool, f64),
    Repeg(f64),
    UpdateK(f64),
}

fn rel_op() -> impl Strategy<Value = RelOp> {
    prop_oneof![
        4 => (any::<bool>(), any::<bool>(), 1e-6f64..1.2).prop_map(|(long, quote, f)| {
            RelOp::Trade(if long { Side::Long } else { Side::Short }, quote, f)
        }),
        1 => (-0.1f64..0.1).prop_map(RelOp::Repeg),
        1 => (-0.05f64..0.1).prop_map(RelOp::UpdateK),
    ]
}

fn concrete(op: RelOp, amm: &Amm) -> Op {
    match op {
        RelOp::Trade(side, true, f) => {
            let amount = f * amm.quote_reserve() * amm.peg();
            match side {
                Side::Long => Op::LongQuote { amount },
                Side::Short => Op::ShortQuote { amount },
            }
        }
        RelOp::Trade(side, false, f) => {
            let amount = f * amm.base_reserve();
            match side {
                Side::Long => Op::LongBase { amount },
                Side::Short => Op::ShortBase { amount },
            }
        }
        RelOp::Repeg(x) => Op::Repeg {
            peg: amm.peg() * (1.0 + x),
        },
        RelOp::UpdateK(x) => Op::UpdateK {
            sqrt_k: amm.sqrt_k() * (1.0 + x),
        },
    }
}

fn all_finite(a: &Amm) -> bool {
    a.state().is_finite()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn constant_product_holds_across_any_sequence(init in market(), ops in prop::collection::vec(rel_op(), 1..40)) {
        let mut amm = Amm::new(&init).unwrap();
        for op in ops {
            let _ = concrete(op, &amm).apply(&mut amm);
            let k = amm.sqrt_k() * amm.sqrt_k();
            let rel = (amm.base_reserve() * amm.quote_reserve() - k).abs() / k;
            prop_assert!(rel <= 1e-9, "b·q drifted from k by {rel}");
        }
    }

    #[test]
    fn long_then_short_of_the_same_base_restores_reserves(init in market(), f in 1e-6f64..0.9, long_first in any::<bool>()) {
        let mut amm = Amm::new(&init).unwrap();
        let (b0, q0) = (amm.base_reserve(), amm.quote_reserve());
        let amount = f * b0;
        let (first, second) = if long_first { (Side::Long, Side::Short) } else { (Side::Short, Side::Long) };
        amm.trade_base(first, amount).unwrap();
        amm.trade_base(second, amount).unwrap();
        prop_assert!((amm.base_reserve() - b0).abs() <= 1e-12 * b0);
        prop_assert!((amm.quote_reserve() - q0).abs() <= 1e-9 * q0);
        prop_assert!(amm.net_base().abs() <= 1e-12 * b0);
    }

    #[test]
    fn fees_are_never_negative_and_the_pool_keeps_its_floor(init in market(), ops in prop::collection::vec(rel_op(), 1..40), rates in prop::collection::vec(-10.0f64..10.0, 40)) {
        let mut amm = Amm::new(&init).unwrap();
        for (op, rate) in ops.into_iter().zip(rates) {
            let before = amm.total_fee();
            if let Ok(fill) = concrete(op, &amm).apply(&mut amm) {
                prop_assert!(fill.fee >= 0.0);
            }
            amm.settle_funding(rate * amm.peg() * 1e-3).unwrap();
            prop_assert!(amm.total_fee() >= before);
            prop_assert!(amm.fee_pool() >= 0.5 * amm.total_fee() - 1e-9 * amm.total_fee().max(1.0),
                "pool {} below half of {}", amm.fee_pool(), amm.total_fee());
        }
    }

    #[test]
    fn a_rejected_operation_changes_nothing(init in market(), ops in prop::collection::vec(rel_op(), 1..40)) {
        let mut amm = Amm::new(&init).unwrap();
        for op in ops {
            let before = amm;
            if concrete(op, &amm).apply(&mut amm).is_err() {
                prop_assert_eq!(amm, before);
            }
        }
    }

    #[test]
    fn invalid_parameters_are_rejected_without_change(init in market(), bad in prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-1.0), Just(0.0), Just(f64::NEG_INFINITY)]) {
        let mut amm = Amm::new(&init).unwrap();
        let before = amm;
        for op in [
            Op::LongQuote { amount: bad },
            Op::ShortQuote { amount: bad },
            Op::LongBase { amount: bad },
            Op::ShortBase { amount: bad },
            Op::Repeg { peg: bad },
            Op::UpdateK { sqrt_k: bad },
        ] {
            prop_assert!(op.apply(&mut amm).is_err());
            prop_assert_eq!(amm, before);
        }
        let mut init = init;
        init.base_reserve = bad;
        prop_assert!(Amm::new(&init).is_err());
    }

    #[test]
    fn no_nan_or_infinity_from_valid_input(init in market(), ops in prop::collection::vec(rel_op(), 1..40)) {
        let mut amm = Amm::new(&init).unwrap();
        for op in ops {
            if let Ok(fill) = concrete(op, &amm).apply(&mut amm) {
                prop_assert!(fill.fee.is_finite() && fill.cost.is_finite() && fill.base_filled.is_finite() && fill.quote_filled.is_finite());
            }
            prop_assert!(all_finite(&amm));
        }
    }
}

/// The funding payout stops at P = F/2 exactly, even when P is many orders of magnitude
/// above F (where P + (F/2 − P) would round away from F/2; the case proptest found).
#[test]
fn funding_payout_stops_exactly_at_the_floor_of_a_large_pool() {
    let mut amm = Amm::new(&AmmInit {
        base_reserve: 1e6,
        quote_reserve: 1e6,
        peg: 1.0,
        fee_rate: 0.0,
        net_base: 0.0,
        sqrt_k: None,
        total_fee: 15_271.112_073_694_512,
        fee_pool: 4.4e12,
        rules: AmmRules::default(),
    })
    .unwrap();
    amm.trade_base(Side::Long, 1e3).unwrap();
    let before = amm.fee_pool();
    // Longs are owed 1e3 × 1e12 = 1e15, far more than the spendable pool.
    let received = amm.settle_funding(-1e12).unwrap();
    assert_eq!(amm.fee_pool(), 0.5 * amm.total_fee());
    assert_eq!(received, amm.fee_pool() - before);
    // Already at the floor: nothing more is paid.
    assert_eq!(amm.settle_funding(-1.0).unwrap(), 0.0);
    assert_eq!(amm.fee_pool(), 0.5 * amm.total_fee());
}
