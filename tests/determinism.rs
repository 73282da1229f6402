//! Native half of the determinism check: every preset's training, evaluation and sweep
//! fingerprints (tests/common/fingerprint.rs) equal the recorded ones in
//! tests/fixtures/determinism.json, which the wasm half (tests/web.rs, headless Chromium)
//! asserts too — so native and wasm runs are bit-identical.
//! `UPDATE_FIXTURES=1 cargo test --test determinism` rewrites the fixture after an
//! intended change of the numbers.

#[path = "common/fingerprint.rs"]
mod fingerprint;

const FIXTURE: &str = "tests/fixtures/determinism.json";

#[test]
fn fingerprints_match_the_recorded_ones() {
    let got = fingerprint::all();
    let json = serde_json::to_string_pretty(
        &got.iter()
            .map(|(k, v)| (k.clone(), format!("{v:016x}")))
            .collect::<std::collections::BTreeMap<_, _>>(),
    )
    .unwrap();
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(FIXTURE, json + "\n").unwrap();
        return;
    }
    let want: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    for (k, v) in &got {
        assert_eq!(
            want.get(k).map(String::as_str),
            Some(format!("{v:016x}").as_str()),
            "{k}: the run's numbers changed (UPDATE_FIXTURES=1 if intended)"
        );
    }
    assert_eq!(want.len(), got.len());
}

#[test]
fn a_different_seed_changes_the_training_fingerprint() {
    // The hash is sensitive: seed 78 instead of 77 changes the training fingerprint.
    let a = fingerprint::fingerprints("control");
    let mut cfg = fingerprint::config("control");
    cfg.seed = 78;
    let mut s = damm::session::Session::new(cfg.clone()).unwrap();
    s.advance_episodes(cfg.learn.episodes);
    s.compute_q_star();
    let snap = serde_json::to_string(&s.snapshot()).unwrap();
    assert_ne!(fingerprint::fnv1a(snap.as_bytes()), a[0].1);
}
