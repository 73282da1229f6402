#![cfg(not(target_arch = "wasm32"))]
//! Every chart, drawn as SVG for every preset from an empty run to a trained one, shows no
//! axis label twice on one axis (the teaching issue's "173 173 173" and "0 0 0 1 1"). An
//! axis's labels are the texts sharing one `x` (the y axis) or one `y` (the x axis)
//! coordinate; only numeric texts count.

use std::collections::BTreeMap;

use damm::charts::{svg, CHART_NAMES};
use damm::config::Config;
use damm::mdp::Preset;
use damm::session::Session;

/// (x, y, text) of every `<text>` element of an SVG.
fn texts(svg: &str) -> Vec<(String, String, String)> {
    let attr = |tag: &str, name: &str| {
        let key = format!(" {name}=\"");
        tag.find(&key).map(|i| {
            let rest = &tag[i + key.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_string()
        })
    };
    svg.split("<text")
        .skip(1)
        .filter_map(|part| {
            let (tag, rest) = part.split_once('>')?;
            let body = rest.split("</text>").next()?.trim().to_string();
            Some((attr(tag, "x")?, attr(tag, "y")?, body))
        })
        .collect()
}

/// A tick label: a number, perhaps with a unit suffix. Signed "+1" texts are the Q-table's
/// action marks inside its cells, not ticks.
fn numeric(s: &str) -> bool {
    let s = s.trim_end_matches(['k', 'M', 'G', '%']);
    !s.is_empty() && !s.starts_with('+') && s.parse::<f64>().is_ok()
}

/// Repeated numeric labels among texts that share a coordinate (one axis).
fn repeats(svg: &str) -> Vec<String> {
    let mut by_x: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut by_y: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (x, y, t) in texts(svg).into_iter().filter(|t| numeric(&t.2)) {
        by_x.entry(x).or_default().push(t.clone());
        by_y.entry(y).or_default().push(t);
    }
    by_x.into_values()
        .chain(by_y.into_values())
        .filter(|labels| labels.len() > 1)
        .filter_map(|mut labels| {
            let all = labels.join(" ");
            labels.sort();
            let n = labels.len();
            labels.dedup();
            (labels.len() < n).then_some(all)
        })
        .collect()
}

#[test]
fn no_chart_repeats_an_axis_label() {
    let mut drawn = 0;
    for preset in [Preset::Paper, Preset::Control, Preset::Band] {
        for episodes in [0u32, 1, 3, 300] {
            let cfg = Config {
                preset,
                seed: 11,
                ..Config::default()
            };
            let mut session = Session::new(cfg).unwrap();
            session.advance_episodes(episodes);
            let view = session.view();
            for name in CHART_NAMES {
                let svg = svg::render(name, &view, session.typical_trade()).unwrap();
                let bad = repeats(&svg);
                assert!(
                    bad.is_empty(),
                    "{preset:?} after {episodes} episodes, {name}: {bad:?}"
                );
                drawn += 1;
            }
        }
    }
    assert_eq!(drawn, 3 * 4 * CHART_NAMES.len());
}

#[test]
fn the_check_sees_a_repeated_label() {
    // The check itself must fail on what plotters drew before (labels "0 0 0 1 1").
    let svg =
        r#"<text x="5" y="100">0</text><text x="10" y="100">0</text><text x="15" y="100">1</text>"#;
    assert_eq!(repeats(svg), ["0 0 1"]);
}
