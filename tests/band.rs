//! The band model: Q-learning finds the exact discrete-time optimal repeg band, for repeg
//! costs spanning 100×, and the band grows with the cost (docs/band.md).

use damm::learn::band::{band_learn_config, compare_bands, BandRow};
use damm::mdp::band::BandConfig;

/// σ = 1, a = 2: continuous bands (6K)^¼ from 2.3 to 7.4, exact discrete ones 1.7 to 7.0.
const KS: [f64; 5] = [5.0, 15.0, 50.0, 150.0, 500.0];

/// 100,000 episodes of 20 steps (2·10⁶ steps, ≈ 0.3 s per K).
const EPISODES: u32 = 100_000;

fn rows(episodes: u32, seed: u64) -> Vec<BandRow> {
    let cfg = BandConfig::default();
    compare_bands(&cfg, &KS, &band_learn_config(&cfg, episodes), seed).unwrap()
}

fn print(rows: &[BandRow], label: &str) {
    println!("{label}");
    println!("     K   learned  discrete  avg-cost  continuous  learned/discrete");
    for r in rows {
        println!(
            "{:6}  {:8.3}  {:8.3}  {:8.3}  {:10.3}  {:8.3}",
            r.repeg_cost, r.learned, r.discrete, r.discrete_average, r.continuous, r.ratio
        );
    }
}

#[test]
fn q_learning_finds_the_exact_band_within_10_percent_and_it_grows_with_k() {
    for seed in [1, 2, 3] {
        let rows = rows(EPISODES, seed);
        print(&rows, &format!("seed {seed}"));
        for r in &rows {
            let err = (r.learned / r.discrete - 1.0).abs();
            assert!(err < 0.10, "seed {seed}, K {}: {r:?}", r.repeg_cost);
            // The learner tracks the discrete-time optimum, not the continuous law (which is
            // 8–36% wider here): it is closer to the former.
            assert!(
                (r.learned - r.discrete).abs() < (r.learned - r.continuous).abs(),
                "seed {seed}, K {}: {r:?}",
                r.repeg_cost
            );
            // The grid resolves the band: bins are under 5% of it.
            assert!(r.bin_width < 0.05 * r.discrete, "{r:?}");
        }
        for w in rows.windows(2) {
            assert!(
                w[1].learned > w[0].learned,
                "seed {seed}: the band should grow with K: {w:?}"
            );
        }
    }
}

#[test]
fn far_too_little_training_misses_the_band() {
    // 100 episodes (2,000 steps, ~20 per state-action pair): the check above must fail.
    let rows = rows(100, 1);
    print(&rows, "100 episodes");
    let worst = rows
        .iter()
        .map(|r| (r.learned / r.discrete - 1.0).abs())
        .fold(0.0, f64::max);
    assert!(worst > 0.10, "worst relative error {worst}");
}

#[test]
fn the_comparison_is_serialisable_and_reproducible() {
    let cfg = BandConfig::default();
    let learn = band_learn_config(&cfg, 2_000);
    let a = compare_bands(&cfg, &[20.0], &learn, 9).unwrap();
    let b = compare_bands(&cfg, &[20.0], &learn, 9).unwrap();
    assert_eq!(a, b);
    let json = serde_json::to_string(&a).unwrap();
    let back: Vec<BandRow> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, a);
    // A bad configuration is an error naming the field.
    let bad = BandConfig { sigma: 0.0, ..cfg };
    let e = compare_bands(&bad, &[20.0], &learn, 9).unwrap_err();
    assert!(e.contains("band.sigma"), "{e}");
}

/// The band preset as a run (`Session`, default learning settings, `damm train --preset
/// band`): the band read off Q lies within 10% of the exact discrete-time optimum of the
/// same discounted problem, over a 100× range of K, and grows with K.
#[test]
fn band_preset_session_learns_the_band() {
    let mut last = 0.0;
    for k in [5.0, 50.0, 500.0] {
        let cfg = damm::config::Config::from_hash(&format!(
            "preset=band&band.repeg_cost={k}&band.gap_range=10"
        ))
        .unwrap();
        let episodes = cfg.learn.episodes;
        let mut s = damm::session::Session::new(cfg).unwrap();
        s.advance_episodes(episodes);
        let b = s.band_report().unwrap();
        let ratio = b.learned / b.discrete_optimum;
        println!(
            "K = {k}: learned {:.3}, optimum {:.3}, law {:.3}",
            b.learned, b.discrete_optimum, b.continuous_law
        );
        assert!((ratio - 1.0).abs() < 0.10, "K = {k}: ratio {ratio}");
        assert!(b.learned > last);
        last = b.learned;
    }
}
