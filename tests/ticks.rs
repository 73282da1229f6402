#![cfg(not(target_arch = "wasm32"))]
//! Property test of the charts' axis ticks (`damm::charts::ticks`): for any range and any
//! tick count the labels are distinct, ordered values sit inside the (possibly widened)
//! range, and nothing panics — including empty, reversed and non-finite ranges.

use damm::charts::ticks::{log_ticks, ticks};
use proptest::prelude::*;

/// 2,000 cases per property, or more with `PROPTEST_CASES=N`.
fn config() -> ProptestConfig {
    let from_env = ProptestConfig::default();
    ProptestConfig {
        cases: from_env.cases.max(2_000),
        ..from_env
    }
}

fn check(lo: f64, hi: f64, max: usize, integer: bool) -> Result<(), TestCaseError> {
    let t = ticks(lo, hi, max, integer);
    prop_assert!(!t.values.is_empty(), "{lo} {hi}");
    prop_assert_eq!(t.values.len(), t.labels.len());
    prop_assert!(
        t.values.len() <= max.max(3) + 1,
        "{lo} {hi} {max}: {:?}",
        t.labels
    );
    prop_assert!(t.values.windows(2).all(|w| w[0] < w[1]));
    let mut seen = t.labels.clone();
    seen.sort();
    seen.dedup();
    prop_assert_eq!(
        seen.len(),
        t.labels.len(),
        "{} {} {}: {:?}",
        lo,
        hi,
        max,
        t.labels
    );
    let width = (hi - lo).abs();
    // `ticks` clamps to ±1e300 and widens ranges under 1e-300: check the rest.
    let inside_clamp = lo.abs().max(hi.abs()) <= 1e300;
    if lo.is_finite()
        && hi.is_finite()
        && inside_clamp
        && width > 1e-6 * lo.abs().max(hi.abs())
        && width > 1e-290
    {
        let (a, b) = (lo.min(hi), lo.max(hi));
        let slack = 1e-9 * (b - a);
        prop_assert!(t.values.iter().all(|v| *v >= a - slack && *v <= b + slack));
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Realistic chart ranges: magnitudes 1e-12..1e12, either sign, widths from 1e-9 of the
    /// magnitude to 1e3 times it.
    #[test]
    fn labels_are_distinct_for_chart_ranges(
        lm in -12.0f64..12.0,
        neg in any::<bool>(),
        lw in -9.0f64..3.0,
        max in 1usize..14,
        integer in any::<bool>(),
    ) {
        let centre = if neg { -10f64.powf(lm) } else { 10f64.powf(lm) };
        let width = 10f64.powf(lm + lw);
        check(centre - width / 2.0, centre + width / 2.0, max, integer)?;
    }

    /// Log axes (the convergence chart's): any positive range from a hair wide to 600
    /// decades, any count; labels distinct, values ordered and inside the range.
    #[test]
    fn log_labels_are_distinct(l0 in -300.0f64..300.0, lw in -9.0f64..600.0, max in 0usize..14) {
        let lo = 10f64.powf(l0);
        let hi = (lo * (1.0 + 10f64.powf(lw.min(0.0))) * 10f64.powf(lw.max(0.0))).min(1e300);
        let t = log_ticks(lo, hi, max);
        // Two ticks at least, unless the range is narrower than `ticks` resolves.
        prop_assert!(t.values.len() >= 2 || hi - lo <= 1e-290 || hi <= lo * (1.0 + 1e-6), "{lo} {hi}: {:?}", t.labels);
        prop_assert!(t.values.windows(2).all(|w| w[0] < w[1]), "{:?}", t.values);
        // About `max` at most (the linear fallback asks for at least 5).
        prop_assert!(t.values.len() <= max.max(5) + 1, "{} {} {}: {:?}", lo, hi, max, t.labels);
        let mut seen = t.labels.clone();
        seen.sort();
        seen.dedup();
        prop_assert_eq!(seen.len(), t.labels.len(), "{} {}: {:?}", lo, hi, t.labels);
        // As for linear ticks: `ticks` widens ranges narrower than 1e-300 (its floor).
        if hi > lo * (1.0 + 1e-6) && hi - lo > 1e-290 {
            let slack = 1e-9;
            prop_assert!(t.values.iter().all(|v| *v >= lo * (1.0 - slack) && *v <= hi * (1.0 + slack)),
                "{} {}: {:?}", lo, hi, t.values);
        }
    }

    /// Any two f64s at all (NaN, infinities, equal, reversed).
    #[test]
    fn labels_are_distinct_for_any_pair(lo in any::<f64>(), hi in any::<f64>(), max in 0usize..20) {
        check(lo, hi, max, false)?;
    }

    /// Flat series: the charts pad a constant by 1e-6 of its size ("173 173 173").
    #[test]
    fn flat_series_get_distinct_labels(v in -1e9f64..1e9, max in 2usize..10) {
        let pad = (v.abs() * 1e-6).max(1e-9);
        check(v - pad, v + pad, max, false)?;
    }
}
