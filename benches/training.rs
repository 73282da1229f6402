//! Criterion benches of training: one episode (100 steps) of the paper and control presets
//! with the Q* cadence off, and the minimal loop of the paper step for reference (the
//! figures `damm bench` reports under "training" and "minimal_loop").

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use damm::config::Config;
use damm::mdp::Preset;
use damm::session::Session;
use std::hint::black_box;

#[path = "../src/bin/damm/minimal.rs"]
mod minimal;

fn session(preset: Preset) -> Session {
    let mut cfg = Config {
        preset,
        ..Config::default()
    };
    cfg.learn.qstar_every = 0;
    let mut s = Session::new(cfg).unwrap();
    // Past the first episodes, where the model's outcome lists are still growing.
    s.advance_episodes(1_000);
    s
}

fn training(c: &mut Criterion) {
    let mut g = c.benchmark_group("training");
    g.throughput(Throughput::Elements(100));
    for (name, preset) in [("paper", Preset::Paper), ("control", Preset::Control)] {
        let mut s = session(preset);
        g.bench_function(format!("{name}_episode"), |b| {
            b.iter(|| black_box(s.advance(100)))
        });
    }
    let cfg = Config {
        preset: Preset::Paper,
        ..Config::default()
    };
    g.bench_function("minimal_loop_100_steps", |b| {
        b.iter(|| black_box(minimal::run(black_box(&cfg), 100)))
    });
    g.finish();
}

criterion_group!(benches, training);
criterion_main!(benches);
