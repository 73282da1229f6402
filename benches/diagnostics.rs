//! Criterion benches of the diagnostics: value iteration on the control preset's model
//! after 5,000 episodes (cold, to the full tolerance; and warm from its own answer, the
//! cadence's situation), `evaluate` (four policies on the eval seeds) and drawing every
//! chart to SVG (the figures `damm bench` reports under "value_iteration", "eval" and
//! "charts").

use criterion::{criterion_group, criterion_main, Criterion};
use damm::config::Config;
use damm::learn::model::DEFAULT_MAX_SWEEPS;
use damm::session::Session;
use std::hint::black_box;

fn trained() -> Session {
    let mut cfg = Config::default();
    cfg.learn.qstar_every = 0;
    let mut s = Session::new(cfg).unwrap();
    s.advance_episodes(5_000);
    s
}

fn diagnostics(c: &mut Criterion) {
    let mut s = trained();
    let g = s.config().learn.discount;
    let tol = 1e-10 * damm::learn::max_abs(s.agent().q()).max(1.0);
    let (warm, _) = s.model().q_star_report(g, tol, None, DEFAULT_MAX_SWEEPS);
    c.bench_function("value_iteration_cold", |b| {
        b.iter(|| black_box(s.model().q_star_report(g, tol, None, DEFAULT_MAX_SWEEPS)))
    });
    c.bench_function("value_iteration_warm", |b| {
        b.iter(|| {
            black_box(
                s.model()
                    .q_star_report(g, tol, Some(&warm), DEFAULT_MAX_SWEEPS),
            )
        })
    });
    c.bench_function("evaluate_all_policies", |b| {
        b.iter(|| black_box(s.evaluate()))
    });
    s.compute_q_star();
    let trade = s.typical_trade();
    c.bench_function("draw_all_charts_svg", |b| {
        b.iter(|| {
            let view = s.view();
            for name in damm::charts::CHART_NAMES {
                black_box(damm::charts::svg::render(name, &view, trade).unwrap());
            }
        })
    });
}

criterion_group!(benches, diagnostics);
criterion_main!(benches);
