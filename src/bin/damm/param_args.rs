//! The parameter registry's CLI flags (`--informed`, `--gamma`, …) as a clap argument group.
//!
//! Every registry entry with a `cli` alias becomes a `--flag X` whose help names the config
//! path and the allowed range; the values are applied to the config through the registry, so
//! the CLI holds no parameter list of its own. Not here: the subcommands' own options.

use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};
use damm::config::params::{self, DERIVED, PARAMS};

/// `(flag, path, help)` for every aliased parameter and view, in registry order.
fn flags() -> Vec<(&'static str, &'static str, String)> {
    let mut out: Vec<_> = PARAMS
        .iter()
        .filter_map(|p| {
            let flag = p.cli?;
            Some((
                flag,
                p.path,
                format!("{} ({}; {})", p.label, p.path, p.range_text()),
            ))
        })
        .collect();
    out.extend(DERIVED.iter().filter_map(|d| {
        let flag = d.cli?;
        Some((flag, d.path, format!("{} ({})", d.label, d.path)))
    }));
    out
}

/// The registry flags given on the command line, as `(path, text)` in registry order.
#[derive(Debug, Default, Clone)]
pub struct ParamArgs {
    pub values: Vec<(&'static str, String)>,
}

impl FromArgMatches for ParamArgs {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut s = Self::default();
        s.update_from_arg_matches(m)?;
        Ok(s)
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        for (flag, path, _) in flags() {
            if let Some(v) = m.get_one::<String>(flag) {
                self.values.push((path, v.clone()));
            }
        }
        Ok(())
    }
}

impl Args for ParamArgs {
    fn augment_args(cmd: Command) -> Command {
        flags().into_iter().fold(cmd, |c, (flag, _, help)| {
            c.arg(
                Arg::new(flag)
                    .long(flag)
                    .value_name("X")
                    .allow_hyphen_values(true)
                    .help(help),
            )
        })
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl ParamArgs {
    /// Applies the flags to `cfg`; the error names the flag's config path and range.
    pub fn apply(&self, cfg: &mut damm::config::Config) -> Result<(), params::ParamError> {
        for (path, text) in &self.values {
            params::set(cfg, path, text)?;
        }
        Ok(())
    }
}
