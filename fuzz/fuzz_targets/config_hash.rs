//! Fuzzes the URL-hash decoder (`Config::from_hash`), the page's `#…` and the CLI's `--url`.
//! Any text must decode or return a `ConfigError`, never panic. Whatever decodes must
//! validate, re-encode to a hash that decodes to an equal config (and encodes the same way
//! again), survive a JSON round trip, and build a session that can take a few steps with
//! finite numbers.
#![no_main]

use damm::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(cfg) = Config::from_hash(text) else {
        return;
    };
    damm_fuzz::check_config(&cfg);
});
