//! Arbitrary bytes as a scenario file: `scenario::load` returns a scenario or located
//! problems, and never panics, whatever the bytes (not UTF-8, not TOML, huge numbers).
//!
//! `cargo +nightly fuzz run scenario_load` from the repository root.

#![no_main]

use infercast::scenario;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fuzz.toml");
    std::fs::write(&path, data).expect("write the scenario");
    let _ = scenario::load(&path, &[]);
});
