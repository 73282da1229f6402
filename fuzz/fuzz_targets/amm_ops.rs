//! Fuzzes `damm amm` scripts: the JSON is parsed as `amm::ops::Script` and run with
//! `amm::ops::run`, and the same ops are replayed one at a time. Invariants after every
//! accepted op: every number in the state and fill is finite, b·q = √k² within 1e-9
//! relative, open interest and fees never negative, and open interest grows by exactly the
//! base filled. A refused op leaves the market bit for bit unchanged, and the runner
//! stops at the first refused op with the same records as the replay.
#![no_main]

use damm::amm::ops::{self, Script};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(script) = serde_json::from_str::<Script>(text) else {
        return;
    };
    let (records, failure) = ops::run(&script);
    let replay = damm_fuzz::replay_ops(&script);
    assert_eq!(records, replay.records, "ops::run and the replay disagree");
    assert_eq!(
        failure.map(|f| f.op_index),
        replay.failed_at,
        "ops::run and the replay stop at different ops"
    );
});
