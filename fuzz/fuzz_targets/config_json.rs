//! Fuzzes the JSON config parser (`Config::from_json`, the CLI's `--config`). Any text must
//! parse or return a `ConfigError`, never panic. Whatever parses must validate, round-trip
//! through the URL hash and through JSON to an equal config, and build a session that can
//! take a few steps with finite numbers.
#![no_main]

use damm::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(cfg) = Config::from_json(text) else {
        return;
    };
    damm_fuzz::check_config(&cfg);
});
