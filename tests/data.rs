//! Drift data: import errors, the volume regression, event labels, the classifier table
//! and the next-change predictor on the bundled history (fixed numbers).
#![cfg(not(target_arch = "wasm32"))]

use damm::analysis::dataset::bundled;
use damm::analysis::Dataset;
use damm::data::events::LabelRule;
use damm::data::{parse_curve_history, parse_funding_history};

fn dataset() -> Dataset {
    Dataset::parse(bundled::CURVE_HISTORY, bundled::FUNDING_HISTORY).unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

#[test]
fn volume_regression_table() {
    // (β, standard errors, R²) per variant; n = 149 periods of ≥ 1 h.
    #[rustfmt::skip]
    let expected: [([f64; 3], [f64; 3], f64); 4] = [
        ([210234.58657201397, -0.95443834732884, 2.602973914726277e-09], [15270.307960886767, 0.8562437204321796, 3.449796512042755e-09], 0.013287467546636234),
        ([207861.1167815378, -0.9028712291006934, 0.017819441499105075], [15498.805185354975, 0.8564940365229129, 0.015938270530357124], 0.01784861128284565),
        ([225613.60554283365, -465.5920054006708, 1.89541656227953e-09], [16822.81334118131, 201.38981090940376, 3.4199012380988076e-09], 0.04003323001377801),
        ([223272.72646068374, -451.0575126255326, 0.013849202058367838], [17130.708901975257, 202.12286754078326, 0.015853030407404486], 0.04301591721579523),
    ];
    let fits = dataset().volume_fits().unwrap();
    assert_eq!(fits.len(), 4);
    for (f, (beta, se, r2)) in fits.iter().zip(expected) {
        assert_eq!(f.fit.n, 149);
        for j in 0..3 {
            assert!(
                rel(f.fit.beta[j], beta[j]) < 1e-6,
                "{:?}/{:?} beta {j}: {}",
                f.price_transform,
                f.k_transform,
                f.fit.beta[j]
            );
            assert!(
                rel(f.fit.std_err[j], se[j]) < 1e-6,
                "se {j}: {}",
                f.fit.std_err[j]
            );
        }
        assert!(rel(f.fit.r_squared, r2) < 1e-6, "r2 {}", f.fit.r_squared);
    }
    // An independent check of one variant: the normal equations' residuals are
    // orthogonal to every regressor.
    let periods = damm::analysis::volume::volume_periods(&dataset().curve, 1.0);
    let res = &fits[3].fit.residuals;
    let dot_one: f64 = res.iter().sum();
    let dot_price: f64 = res
        .iter()
        .zip(&periods)
        .map(|(e, p)| e * p.price.sqrt())
        .sum();
    let dot_k: f64 = res.iter().zip(&periods).map(|(e, p)| e * p.sqrt_k).sum();
    let scale: f64 = res.iter().map(|e| e.abs()).sum();
    assert!(dot_one.abs() < 1e-6 * scale);
    assert!(dot_price.abs() < 1e-6 * scale * 20.0);
    assert!(dot_k.abs() < 1e-6 * scale * 1e6);
}

#[test]
fn the_engine_default_volume_model_is_the_best_fit() {
    let best = dataset().best_volume_model().unwrap();
    assert_eq!(best, damm::reward::VolumeModel::default());
}

#[test]
fn events_and_labels() {
    let ds = dataset();
    let ev = ds.events(&LabelRule::default());
    assert_eq!(
        ev.len(),
        333,
        "341 adjustments minus the last of each of 8 markets"
    );
    assert_eq!(ev.iter().filter(|e| e.success).count(), 133);
    // Stricter thresholds can only remove successes.
    let strict = ds.events(&LabelRule {
        min_oi_change: 0.05,
        max_cost_share: 0.001,
    });
    assert!(strict.iter().filter(|e| e.success).count() < 133);
    assert!(strict.iter().zip(&ev).all(|(s, e)| !s.success || e.success));
    // Every event found an oracle TWAP within two hours before it.
    assert!(ev.iter().all(|e| e.gap != 0.0));
}

#[test]
fn classifier_table_with_fixed_seed() {
    let r = dataset()
        .classify(
            &LabelRule::default(),
            damm::analysis::CV_FOLDS,
            damm::analysis::CV_SEED,
        )
        .unwrap();
    assert_eq!((r.events, r.successes, r.folds), (333, 133, 5));
    // (model, accuracy, precision, recall, F1)
    #[rustfmt::skip]
    let expected = [
        ("majority", 200.0 / 333.0, 0.0, 0.0, 0.0),
        ("knn", 0.6306306306306306, 0.5416666666666666, 0.48872180451127817, 0.5138339920948616),
        ("naive_bayes", 0.6036036036036037, 0.5020080321285141, 0.9398496240601504, 0.6544502617801047),
        ("decision_tree", 0.6336336336336337, 0.5544554455445545, 0.42105263157894735, 0.47863247863247865),
        ("logistic", 0.5945945945945946, 0.4827586206896552, 0.21052631578947367, 0.2931937172774869),
    ];
    for (s, (name, acc, p, rc, f1)) in r.scores.iter().zip(expected) {
        assert_eq!(s.model, name);
        let m = s.metrics;
        for (got, want) in [
            (m.accuracy, acc),
            (m.precision, p),
            (m.recall, rc),
            (m.f1, f1),
        ] {
            assert!((got - want).abs() < 1e-9, "{name}: {m:?}");
        }
    }
}

#[test]
fn predictor_against_baselines() {
    let (net, r) = dataset().predict(damm::analysis::PREDICT_WINDOW, damm::analysis::PREDICT_SEED);
    // The net keeps the window it was trained on (the ensemble reads it, not a guess).
    assert_eq!(net.window, damm::analysis::PREDICT_WINDOW);
    assert!(net.window > net.kernel);
    assert_eq!((r.train, r.test), (238, 79));
    assert!((r.mae_no_change - 1.678374493882172).abs() < 1e-9);
    assert!((r.mae_last_change - 0.9065323417208603).abs() < 1e-9);
    assert!(
        (r.mae_model - 0.9150088183689825).abs() < 1e-6,
        "{}",
        r.mae_model
    );
}

/// A valid two-row curve history to corrupt.
fn good_curve() -> String {
    let lines: Vec<&str> = bundled::CURVE_HISTORY.lines().take(3).collect();
    lines.join("\n") + "\n"
}

#[test]
fn malformed_curve_files_name_line_and_column() {
    let good = good_curve();
    assert_eq!(parse_curve_history(&good).unwrap().len(), 2);
    let header = good.lines().next().unwrap().to_string();
    let row = good.lines().nth(1).unwrap().to_string();
    let fields: Vec<&str> = row.split(',').collect();
    let with = |i: usize, v: &str| {
        let mut f = fields.clone();
        f[i] = v;
        format!("{header}\n{}\n", f.join(","))
    };
    let col = |name: &str| header.split(',').position(|h| h == name).unwrap();
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "the file is empty"),
        ("   \n".into(), "the file is empty"),
        (format!("{header}\n"), "the file has a header but no data rows"),
        (good.replace("sqrt_k_before", "sqrtk_before"), "missing column 'sqrt_k_before'"),
        (with(col("peg_multiplier_before"), "abc"), "line 2, column 'peg_multiplier_before': 'abc' is not a number"),
        (with(col("peg_multiplier_before"), "57.19"), "line 2, column 'peg_multiplier_before': '57.19' is not an integer: raw Drift fields are fixed-point integers (already converted?)"),
        (with(col("base_asset_reserve_before"), "-5"), "line 2, column 'base_asset_reserve_before': '-5' must be positive"),
        (with(col("total_fee"), ""), "line 2, column 'total_fee': '' is empty"),
        (with(col("ts"), "yesterday"), "line 2, column 'ts': 'yesterday' is not a time like 2021-11-28 20:00:49-05:00"),
        (with(col("market_index"), "300"), "line 2, column 'market_index': '300' is not a market index (0..64)"),
        (with(col("sqrt_k_before"), "923225042591"), "line 2, column 'sqrt_k_before': '923225042591' does not satisfy base·quote = sqrt_k² (wrong column or units?)"),
        (format!("{header}\n{row},7\n"), "line 2: expected 19 fields, found 20"),
        (with(col("record_id"), "-1"), "line 2, column 'record_id': '-1' must be a non-negative integer"),
        (with(col("total_fee"), "-100"), "line 2, column 'total_fee': '-100' must not be negative"),
    ];
    assert!(cases.len() >= 10);
    for (text, want) in cases {
        let err = parse_curve_history(&text).unwrap_err().to_string();
        // A missing column also lists the columns found.
        assert!(
            err == want || err.starts_with(&format!("{want} (found: ")),
            "{err} ≠ {want}"
        );
    }
}

#[test]
fn malformed_funding_files() {
    let head = "ts,record_id,market_index,funding_rate,oracle_price_twap,mark_price_twap";
    let err = parse_funding_history(&format!(
        "{head}\n2021-11-14 18:00:38-05:00,478,0,-4,0,2367475486921\n"
    ))
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "line 2, column 'oracle_price_twap': '0' must be positive"
    );
    let err = parse_funding_history("ts,record_id\n1,2\n")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("missing column 'market_index'"), "{err}");
}
