//! The invariants the fuzz targets check, shared by the targets and by the regression
//! tests in `tests/hostile.rs` (which replay the inputs under `tests/fixtures/fuzz/`).

use damm::amm::ops::{OpRecord, Script};
use damm::amm::{Amm, AmmState, Fill};
use damm::config::Config;
use damm::session::Session;

/// Relative tolerance of b·q = √k².
pub const RESERVE_TOL: f64 = 1e-9;

/// Checks a config that decoded: it validates, its hash decodes to an equal config and
/// re-encodes to the same hash, its JSON parses back to an equal config, and a session
/// built from it takes a few steps with a finite market.
pub fn check_config(cfg: &Config) {
    cfg.validate().expect("a decoded config validates");
    let hash = cfg.to_hash();
    let back = Config::from_hash(&hash)
        .unwrap_or_else(|e| panic!("the config's own hash '{hash}' is refused: {e}"));
    assert_eq!(&back, cfg, "from_hash(to_hash(cfg)) != cfg for '{hash}'");
    assert_eq!(back.to_hash(), hash, "the hash is not stable");
    let json = serde_json::to_string(cfg).expect("a config serialises");
    let back = Config::from_json(&json)
        .unwrap_or_else(|e| panic!("the config's own JSON is refused: {e}\n{json}"));
    assert_eq!(&back, cfg, "from_json(to_json(cfg)) != cfg");
    // Keep the session small: the state space can reach 64·64·15 states.
    let mut session = Session::new(cfg.clone()).expect("a valid config builds a session");
    session.advance(3);
    // The band preset has no AMM; its step record must stay finite.
    match session.env().market() {
        Some(m) => check_state(&m.amm().state(), "session"),
        None => {
            let l = session.env().last();
            assert!(
                l.mark.is_finite() && l.reward.is_finite(),
                "band step not finite"
            );
        }
    }
}

/// Every number finite, reserves positive, b·q = √k² (1e-9 relative), OI and F ≥ 0.
pub fn check_state(s: &AmmState, what: &str) {
    assert!(
        s.is_finite(),
        "{what}: a non-finite number in the state {s:?}"
    );
    assert!(s.base_reserve > 0.0 && s.quote_reserve > 0.0 && s.peg > 0.0);
    let k = s.sqrt_k * s.sqrt_k;
    let rel = (s.base_reserve * s.quote_reserve - k).abs() / k;
    assert!(
        rel <= RESERVE_TOL,
        "{what}: b·q differs from √k² by {rel:e}: {s:?}"
    );
    assert!(s.open_interest_long >= 0.0 && s.open_interest_short >= 0.0);
    assert!(s.total_fee >= 0.0);
}

fn check_fill(f: &Fill) {
    assert!(
        [f.base_filled, f.quote_filled, f.fee, f.cost]
            .iter()
            .all(|x| x.is_finite()),
        "a non-finite number in the fill {f:?}"
    );
    assert!(f.base_filled >= 0.0 && f.quote_filled >= 0.0 && f.fee >= 0.0);
}

/// What the one-op-at-a-time replay saw.
pub struct Replay {
    pub records: Vec<OpRecord>,
    pub failed_at: Option<usize>,
}

/// Replays a script one op at a time, checking the invariants after every op.
pub fn replay_ops(script: &Script) -> Replay {
    let mut amm = match Amm::new(&script.amm) {
        Ok(a) => a,
        Err(_) => {
            return Replay {
                records: Vec::new(),
                failed_at: Some(0),
            }
        }
    };
    check_state(&amm.state(), "initial market");
    let mut records = Vec::new();
    for (i, op) in script.ops.iter().enumerate() {
        let before = amm;
        match op.apply(&mut amm) {
            Ok(fill) => {
                let s = amm.state();
                check_state(&s, &format!("after op {i} {op:?}"));
                check_fill(&fill);
                let d_long = s.open_interest_long - before.open_interest_long();
                let d_short = s.open_interest_short - before.open_interest_short();
                // OI grows by exactly the base filled, on the trade's side only.
                let grown = d_long + d_short;
                let tol = 1e-9 * (s.open_interest_long + s.open_interest_short).max(1.0);
                assert!(
                    (grown - fill.base_filled).abs() <= tol,
                    "op {i}: open interest grew by {grown} for a fill of {}",
                    fill.base_filled
                );
                records.push(OpRecord { state: s, fill });
            }
            Err(_) => {
                assert_eq!(
                    amm.state(),
                    before.state(),
                    "refused op {i} {op:?} changed the state"
                );
                return Replay {
                    records,
                    failed_at: Some(i),
                };
            }
        }
    }
    Replay {
        records,
        failed_at: None,
    }
}
