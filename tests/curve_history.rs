//! Drift's own recorded repeg and k-update costs (`data/curve_history_hist.csv`),
//! reproduced from each record's before-state with the formulas of `docs/amm-formulas.md` §5–6.

use damm::data::{parse_curve_history, EventKind};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[test]
fn recorded_costs_are_reproduced() {
    let events = parse_curve_history(include_str!("../data/curve_history_hist.csv")).unwrap();
    assert_eq!(events.len(), 347);
    let mut abs_err = Vec::new();
    let mut rel_err = Vec::new();
    let mut repeg_rel = Vec::new();
    let mut k_abs = Vec::new();
    let (mut repegs, mut ks) = (0, 0);
    for e in &events {
        let kind = e.kind();
        match kind {
            EventKind::Repeg => repegs += 1,
            EventKind::KUp | EventKind::KDown => ks += 1,
            EventKind::None => {
                assert_eq!(e.cost, 0.0, "record {}", e.record_id);
                continue;
            }
        }
        let model = e.model_cost();
        let err = (model - e.cost).abs();
        abs_err.push(err);
        if e.cost != 0.0 {
            rel_err.push(err / e.cost.abs());
        }
        if kind == EventKind::Repeg {
            repeg_rel.push(err / e.cost.abs().max(1e-6));
        } else {
            k_abs.push(err);
        }
        // On-chain rounding (1e-6 USD units, or peg×1e-6 ≈ $0.057 for BTC before 4 Jan 2022,
        // docs/amm-formulas.md §3) explains differences of a few cents; nothing larger is
        // acceptable.
        assert!(
            err <= 0.06 + 1e-6 * e.cost.abs(),
            "record {} ({:?}, {}): model {model}, recorded {}",
            e.record_id,
            kind,
            e.market(),
            e.cost
        );
    }
    println!("repegs {repegs}, k updates {ks}");
    assert_eq!((repegs, ks), (106, 235));
    abs_err.sort_by(f64::total_cmp);
    rel_err.sort_by(f64::total_cmp);
    println!(
        "{} costs: absolute error median {:.2e}, p90 {:.2e}, max {:.2e} USD; relative median {:.2e}, max {:.2e}",
        abs_err.len(),
        percentile(&abs_err, 0.5),
        percentile(&abs_err, 0.9),
        abs_err[abs_err.len() - 1],
        percentile(&rel_err, 0.5),
        rel_err[rel_err.len() - 1],
    );
    repeg_rel.sort_by(f64::total_cmp);
    k_abs.sort_by(f64::total_cmp);
    println!(
        "106 repegs: relative error median {:.2e}, max {:.2e}; 235 k updates: absolute error median {:.2e}, p90 {:.2e}, max {:.2e} USD",
        percentile(&repeg_rel, 0.5),
        repeg_rel[repeg_rel.len() - 1],
        percentile(&k_abs, 0.5),
        percentile(&k_abs, 0.9),
        k_abs[k_abs.len() - 1],
    );
    // Repegs are linear in Δpeg and reproduce to rounding; k costs carry v1's integer
    // rescaling of both reserves, a few tenths of a cent typically.
    assert!(percentile(&repeg_rel, 0.5) < 1e-6);
    assert!(percentile(&k_abs, 0.5) < 0.01);
}
