//! How numbers read in messages: one formatter for every error that quotes a value or a
//! range, so 1e300 reads `1e300` and not 1 followed by 300 zeros. Not for charts (their
//! axis labels are chosen in `charts`) or for machine output (JSON and CSV keep every digit).

/// `x` in full up to 10^15 (and every integer up to 2^53, the largest f64 counts exactly),
/// in shortest scientific form beyond that or below 10^-6; the registry's open ends
/// (±f64::MAX) as ±∞.
pub fn num(x: f64) -> String {
    if x == f64::MAX {
        "∞".into()
    } else if x == f64::MIN {
        "−∞".into()
    } else if x != 0.0
        && x.is_finite()
        && (x.abs() < 1e-6 || (x.abs() >= 1e15 && !(x.fract() == 0.0 && x.abs() <= 2f64.powi(53))))
    {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn huge_and_tiny_values_read_compactly() {
        assert_eq!(num(1e300), "1e300");
        assert_eq!(num(1e-300), "1e-300");
        assert_eq!(num(-2.5e20), "-2.5e20");
        assert_eq!(num(1e308), "1e308");
        assert_eq!(num(1e12), "1000000000000");
        assert_eq!(num(2f64.powi(53)), "9007199254740992");
        assert_eq!(num(2f64.powi(53) + 2.0), "9.007199254740994e15");
        assert_eq!(num(0.0001), "0.0001");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(f64::MAX), "∞");
        assert_eq!(num(f64::MIN), "−∞");
        assert_eq!(num(f64::NAN), "NaN");
    }
}
