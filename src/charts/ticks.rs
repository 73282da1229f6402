//! Axis ticks whose labels never repeat: the step is a "nice" 1, 2 or 5 × 10^e chosen from
//! the range and the wanted count, and each label shows exactly the digits that step needs
//! (in k, M, G or e−3, e−6, … units for large or small numbers). Every chart with linear
//! axes takes its ticks from here. Not here: log axes (the convergence chart's own).

/// Tick positions and their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticks {
    pub values: Vec<f64>,
    pub labels: Vec<String>,
}

/// Ticks over `lo..hi` (either order), at most about `max` of them (at least 2 labels when
/// the range allows). With `integer`, the step is at least 1 (steps, episodes). A range
/// narrower than 1e-9 of its magnitude is widened to that, an empty one around its value;
/// non-finite input gives the ticks of 0..1.
pub fn ticks(lo: f64, hi: f64, max: usize, integer: bool) -> Ticks {
    let (mut lo, mut hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    if !(lo.is_finite() && hi.is_finite()) {
        (lo, hi) = (0.0, 1.0);
    }
    // Keep hi − lo finite.
    (lo, hi) = (lo.clamp(-1e300, 1e300), hi.clamp(-1e300, 1e300));
    let mag = lo.abs().max(hi.abs());
    let min_width = (mag * 1e-9).max(1e-300);
    if hi - lo < min_width {
        let mid = 0.5 * (lo + hi);
        let half = if mag > 0.0 { 0.5 * min_width } else { 1.0 };
        (lo, hi) = (mid - half, mid + half);
    }
    // With at least 3 steps in the range the step is below its width, so a tick falls inside.
    let count = max.max(3) as f64;
    let (values, e) = match multiples(lo, hi, count, integer) {
        Some(found) => found,
        // No whole number inside a narrow range: fractional ticks after all.
        None => multiples(lo, hi, count, false).unwrap_or((vec![lo], 0)),
    };
    let labels = labels(&values, e);
    Ticks { values, labels }
}

/// Ticks of a log axis over `lo..hi` (either order; both made positive), at most about
/// `max` of them: powers of ten (every k-th decade when there are many), else 1, 2 and 5
/// times a power of ten, else (a range under a factor of about 2.5) the linear ticks of
/// `ticks`. Labels are distinct in every case: "1e-3", "2e-3", … name distinct values.
pub fn log_ticks(lo: f64, hi: f64, max: usize) -> Ticks {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    let (lo, hi) = if lo.is_finite() && hi.is_finite() && lo > 0.0 {
        (lo.max(1e-300), hi.min(1e300))
    } else {
        (1e-3, 1.0)
    };
    let max = max.max(2);
    let inside = |v: f64| v >= lo * (1.0 - 1e-12) && v <= hi * (1.0 + 1e-12);
    let (e0, e1) = (lo.log10().ceil() as i32, hi.log10().floor() as i32);
    let decades = (e1 - e0 + 1).max(0) as usize;
    let (values, labels): (Vec<f64>, Vec<String>) = if decades >= 2 {
        let k = decades.div_ceil(max) as i32;
        (e0..=e1)
            .step_by(k as usize)
            .map(|e| (10f64.powi(e), format!("1e{e}")))
            .unzip()
    } else {
        let all: Vec<(f64, String)> = (e0 - 1..=e1 + 1)
            .flat_map(|e| [1u8, 2, 5].map(|a| (a, e)))
            .map(|(a, e)| (f64::from(a) * 10f64.powi(e), format!("{a}e{e}")))
            .filter(|(v, _)| inside(*v))
            .collect();
        // At most `max` of them: every k-th (the powers of ten sit at the same phase only
        // by chance; every label still names a distinct value).
        let k = all.len().div_ceil(max).max(1);
        all.into_iter().step_by(k).unzip()
    };
    if values.len() >= 2 {
        Ticks { values, labels }
    } else {
        // At least 5 wanted: the nice step is then at most half the range, so two fit.
        ticks(lo, hi, max.max(5), false)
    }
}

/// The multiples of a nice step a·10^e (a ∈ {1, 2, 5}, at least 1 with `integer`) inside
/// `lo..=hi`, about `count` of them, with e; `None` when none falls inside.
fn multiples(lo: f64, hi: f64, count: f64, integer: bool) -> Option<(Vec<f64>, i32)> {
    let raw = (hi - lo) / count;
    let mut e = raw.log10().floor() as i32;
    let unit = 10f64.powi(e);
    let mut a = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|a| a * unit >= raw * (1.0 - 1e-12))
        .unwrap_or(10.0);
    if a == 10.0 {
        a = 1.0;
        e += 1;
    }
    if integer && e < 0 {
        (a, e) = (1.0, 0);
    }
    let step = a * 10f64.powi(e);
    let (i0, i1) = ((lo / step).ceil() as i64, (hi / step).floor() as i64);
    (i1 >= i0).then(|| ((i0..=i1).map(|i| i as f64 * step).collect(), e))
}

/// Labels of ticks that are multiples of a step a·10^e (a ∈ {1, 2, 5}).
fn labels(values: &[f64], e: i32) -> Vec<String> {
    let mag = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    // Unit exponent u (a multiple of 3) and its suffix.
    let (u, suffix) = if mag >= 1e12 {
        // Beyond G: an exponent, as for tiny numbers ("5e15", not "5000000G").
        let u = 3 * (mag.log10() / 3.0).floor() as i32;
        (u, format!("e{u}"))
    } else if mag >= 1e9 {
        (9, "G".to_string())
    } else if mag >= 1e6 {
        (6, "M".to_string())
    } else if mag >= 1e4 {
        (3, "k".to_string())
    } else if mag >= 1e-3 || mag == 0.0 {
        (0, String::new())
    } else {
        let u = 3 * (mag.log10() / 3.0).floor() as i32;
        (u, format!("e{u}"))
    };
    let decimals = (u - e).max(0) as usize;
    let scale = 10f64.powi(u);
    values
        .iter()
        .map(|v| {
            let s = format!("{:.*}", decimals, v / scale);
            // Zero is "0" (never "-0" or "0.00"); ticks are distinct multiples of the
            // step, so at most one of them rounds to zero.
            if s.trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.')
            {
                "0".to_string()
            } else {
                format!("{s}{suffix}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reported_repeats_are_gone() {
        // "173 173 173": a flat price with the charts' 1e-6 padding.
        let t = ticks(173.0 * (1.0 - 1e-6), 173.0 * (1.0 + 1e-6), 6, false);
        assert_eq!(t.labels, ["172.9999", "173.0000", "173.0001"]);
        // "0 0 0 1 1": an empty 0..1 axis of episodes.
        let t = ticks(0.0, 1.0, 6, true);
        assert_eq!(t.labels, ["0", "1"]);
        let t = ticks(0.0, 1.0, 6, false);
        assert_eq!(t.labels, ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        assert_eq!(ticks(0.0, 1.0, 1, true).labels, ["0", "1"]);
        let t = ticks(-52_000.0, 218_000.0, 6, false);
        assert_eq!(t.labels[0], "-50k");
        let t = ticks(219_000.0, 219_050.0, 6, false);
        assert_eq!(t.labels[..2], ["219.00k", "219.01k"]);
        let t = ticks(0.0, 3e-7, 6, false);
        assert_eq!(t.labels[..3], ["0", "50e-9", "100e-9"]);
        let t = ticks(0.0, 2e15, 4, false);
        assert_eq!(t.labels, ["0", "0.5e15", "1.0e15", "1.5e15", "2.0e15"]);
    }

    #[test]
    fn log_ticks_never_repeat_a_label() {
        // Many decades: every k-th one (13 decades, at most 6 ticks: every third).
        let t = log_ticks(1e-7, 1e5, 6);
        assert_eq!(t.labels, ["1e-7", "1e-4", "1e-1", "1e2", "1e5"]);
        assert_eq!(log_ticks(0.02, 30.0, 6).labels, ["1e-1", "1e0", "1e1"]);
        // Within one decade: 1, 2 and 5 times a power of ten (plotters printed
        // "2e-3 2e-3 3e-3" here).
        let t = log_ticks(1.5e-3, 1.2e-2, 6);
        assert_eq!(t.labels, ["2e-3", "5e-3", "1e-2"]);
        // At most `max`: 1.1..99 holds 2, 5, 10, 20, 50; with 2 wanted every third.
        assert_eq!(log_ticks(1.1, 99.0, 2).labels, ["2e0", "2e1"]);
        // Narrower than 1-2-5 steps: linear ticks, still distinct.
        let t = log_ticks(3.1e4, 4.9e4, 6);
        assert!(t.values.len() >= 2);
        let mut l = t.labels.clone();
        l.dedup();
        assert_eq!(l.len(), t.labels.len(), "{:?}", t.labels);
        // Nonsense ranges fall back to 1e-3..1.
        assert_eq!(
            log_ticks(-1.0, f64::NAN, 6).labels,
            ["1e-3", "1e-2", "1e-1", "1e0"]
        );
    }
}
