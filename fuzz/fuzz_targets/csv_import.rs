//! Fuzzes the Drift CSV import: any bytes must parse or return a `DataError`, never panic;
//! whatever parses must feed the analyses without panicking either.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(events) = damm::data::parse_curve_history(text) {
        let _ = damm::analysis::volume::volume_periods(&events, 1.0);
        let _ = damm::data::events::label_events(&events, &[], &Default::default());
        for e in &events {
            let _ = e.model_cost();
        }
    }
    let _ = damm::data::parse_funding_history(text);
});
