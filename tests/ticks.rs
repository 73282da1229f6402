#![cfg(not(target_arch = "wasm32"))]
//! Property test of the charts' axis ticks (`damm::charts::ticks`): for any range and any
//! tick count the labels are distinct, ordered values sit inside the (possibly widened)
//! range, and nothing panics — including empty, reversed and non-finite ranges.

use damm::charts::ticks::ticks;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 2_000,
        ..ProptestConfig::default()
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
    if lo.is_finite() && hi.is_finite() && width > 1e-6 * lo.abs().max(hi.abs()) && width > 1e-290 {
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
