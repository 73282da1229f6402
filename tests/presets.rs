//! Which presets a parameter changes (`Param::presets` in the registry, what the page uses
//! to hide the controls that do not apply to the current preset): changing a parameter
//! leaves every other preset's run bit for bit the same. An integration test because it
//! runs sessions, which the config layer must not import.

use damm::config::params::{Kind, PARAMS};
use damm::config::Config;
use damm::mdp::Preset;
use damm::session::Session;

/// A parameter marked for some presets only leaves the other presets' runs unchanged,
/// bit for bit (three short episodes: trajectory, Q and returns), so hiding its control
/// under them hides nothing that matters.
#[test]
fn a_parameter_for_some_presets_leaves_the_other_presets_runs_unchanged() {
    let run = |c: &Config| {
        let mut s = Session::new(c.clone()).unwrap();
        s.advance_episodes(3);
        let snap = s.snapshot();
        (snap.q, snap.trajectory, snap.history.episode_return)
    };
    let mut checked = 0;
    for p in PARAMS
        .iter()
        .filter(|p| p.presets.len() < Preset::ALL.len())
    {
        for preset in Preset::ALL.into_iter().filter(|x| !p.presets.contains(x)) {
            let mut base = Config {
                preset,
                ..Config::default()
            };
            base.mdp.episode_len = 30;
            let now = p.value(&base);
            let candidates = match p.kind {
                Kind::Flag => vec![now.map(|v| 1.0 - v)],
                _ => [p.slider_min, p.slider_max, p.min, p.max]
                    .map(Some)
                    .to_vec(),
            };
            let other = candidates.into_iter().find(|v| {
                let mut c = base.clone();
                *v != now && p.assign(&mut c, *v).is_ok() && c.validate().is_ok()
            });
            let Some(v) = other else {
                panic!("{}: no other valid value to try", p.path)
            };
            let mut changed = base.clone();
            p.assign(&mut changed, v).unwrap();
            assert!(
                run(&base) == run(&changed),
                "{} changes the {preset:?} run",
                p.path
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} checked");
}
