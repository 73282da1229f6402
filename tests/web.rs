//! wasm-bindgen tests of the `Playground` binding, run in headless Chromium:
//! config in, snapshot out, errors as JS `Error`s that change nothing.
#![cfg(target_arch = "wasm32")]

use damm::wasm::Playground;
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

fn config(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

#[wasm_bindgen_test]
fn config_in_snapshot_out() {
    let mut pg = Playground::new(config(
        r#"{"preset": "paper", "seed": 9, "mdp": {"episode_len": 50, "imbalance_bins": 9}}"#,
    ))
    .unwrap();
    let done = pg.advance(120);
    assert_eq!(done, 2);
    let snap = pg.snapshot().unwrap();
    assert_eq!(get(&snap, "episode").as_f64(), Some(2.0));
    assert_eq!(get(&snap, "step").as_f64(), Some(20.0));
    assert_eq!(get(&snap, "n_states").as_f64(), Some(9.0));
    let q: js_sys::Array = get(&snap, "q").dyn_into().unwrap();
    assert_eq!(q.length(), 18);
    let traj: js_sys::Array = get(&snap, "trajectory").dyn_into().unwrap();
    assert_eq!(traj.length(), 21);
    let cfg = pg.config().unwrap();
    assert_eq!(get(&cfg, "preset").as_string().as_deref(), Some("paper"));
    // Pairs come in registry order (any order decodes).
    assert_eq!(
        pg.hash(),
        "preset=paper&seed=9&mdp.imbalance_bins=9&mdp.episode_len=50"
    );
}

#[wasm_bindgen_test]
fn same_config_same_numbers_and_hash_round_trip() {
    let mut a = Playground::new(config(r#"{"seed": 5}"#)).unwrap();
    a.set_param("learn.discount", "0.8").unwrap();
    let mut b = Playground::from_hash(&format!("#{}", a.hash())).unwrap();
    a.advance(2_000);
    b.advance(2_000);
    let qa = js_sys::JSON::stringify(&get(&a.snapshot().unwrap(), "q")).unwrap();
    let qb = js_sys::JSON::stringify(&get(&b.snapshot().unwrap(), "q")).unwrap();
    assert_eq!(qa, qb);
}

#[wasm_bindgen_test]
fn invalid_input_is_a_js_error_and_changes_nothing() {
    let mut pg = Playground::new(JsValue::UNDEFINED).unwrap();
    pg.advance(10);
    let before = pg.hash();
    let err: JsValue = pg.set_param("learn.discount", "1.5").unwrap_err().into();
    let err: js_sys::Error = err.dyn_into().expect("a JS Error");
    let msg = String::from(err.message());
    assert!(msg.contains("learn.discount"), "{msg}");
    assert_eq!(pg.hash(), before);
    assert_eq!(
        get(&pg.stats().unwrap(), "total_steps").as_f64(),
        Some(10.0)
    );
    // Unknown parameter, wrong type, bad config object, bad hash.
    assert!(pg.set_param("learn.nope", "1").is_err());
    assert!(pg.set_param("mdp.episode_len", "abc").is_err());
    let bad = Object::new();
    Reflect::set(&bad, &"learn".into(), &config(r#"{"alpha": -1}"#)).unwrap();
    assert!(Playground::new(bad.into()).is_err());
    assert!(Playground::new(config(r#"{"unknown": 1}"#)).is_err());
    assert!(Playground::from_hash("traders.informed_prob=2").is_err());
}

#[wasm_bindgen_test]
fn exports_are_well_formed() {
    let mut pg = Playground::new(config(r#"{"mdp": {"episode_len": 30}}"#)).unwrap();
    pg.finish_episode();
    let csv = pg.trajectory_csv();
    assert!(csv.starts_with("step,oracle,mark,"));
    assert_eq!(csv.trim().lines().count(), 1 + 31);
    let json = js_sys::JSON::parse(&pg.export_json().unwrap()).unwrap();
    assert_eq!(get(&json, "episodes").as_f64(), Some(1.0));
}

#[path = "common/fingerprint.rs"]
mod fingerprint;

/// The wasm half of tests/determinism.rs: every preset's training, evaluation and sweep in
/// the browser hash to the fingerprints the native run recorded.
#[wasm_bindgen_test]
fn every_preset_trains_evaluates_and_sweeps_bit_identically_to_native() {
    let want: std::collections::BTreeMap<String, String> =
        serde_json::from_str(include_str!("fixtures/determinism.json")).unwrap();
    let got = fingerprint::all();
    assert_eq!(got.len(), want.len());
    for (k, v) in got {
        assert_eq!(want.get(&k), Some(&format!("{v:016x}")), "{k}");
    }
}
