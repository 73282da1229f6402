//! The whole configuration of a run, its validation, and its URL-hash encoding.
//!
//! A `Config` is plain serde data with a default for every field, so `{}` is a valid
//! config and any subset of fields overrides the defaults. Every field's range lives in the
//! parameter registry (`params`), which validation and the URL hash go through. The URL
//! hash is `path=value` pairs (`learn.discount=0.95&traders.informed_prob=0.7`), shared by
//! the page and the CLI's `--url`; only parameters that differ from the default are
//! written (plus a replayed oracle series), and decoding starts from the default.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::amm::v2::V2Params;
use crate::learn::LearnConfig;
use crate::market::{OracleConfig, TraderConfig};
use crate::mdp::band::BandModel;
use crate::mdp::{EnvError, MarketConfig, PresetInputs};
use crate::mdp::{MdpConfig, Preset};
use params::ParamError;

pub mod params;

/// How the `damm eval` comparison runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvalConfig {
    /// Number of evaluation seeds.
    pub seeds: u32,
    /// First evaluation seed (kept apart from the training seed).
    pub first_seed: u64,
    /// Gap threshold of the Drift-style rule.
    pub drift_threshold: f64,
    /// Transitions sampled for the best-tabular yardstick (0 = no yardstick).
    pub yardstick_transitions: u64,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            seeds: 100,
            first_seed: 1_000_000,
            drift_threshold: 0.01,
            yardstick_transitions: 0,
        }
    }
}

/// Everything that defines a run; same config and seed → same numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub preset: Preset,
    /// Seed of the run's random number generator (a u32, so it survives a JS number).
    pub seed: u32,
    pub market: MarketConfig,
    pub mdp: MdpConfig,
    pub oracle: OracleConfig,
    pub traders: TraderConfig,
    pub learn: LearnConfig,
    pub eval: EvalConfig,
    /// Drift v2's automatic rules, as evaluated by the `drift_v2` baseline.
    pub drift_v2: V2Params,
    /// The stylised repeg-band model (the `band` preset).
    pub band: BandModel,
}

/// Why a configuration was rejected. The message names the offending field.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConfigError {
    #[error("{0}")]
    Env(#[from] EnvError),
    #[error("{0}")]
    Param(#[from] ParamError),
    #[error("{path} = {value}: {reason}")]
    Rule {
        path: &'static str,
        value: f64,
        reason: &'static str,
    },
    #[error("cannot parse config: {0}")]
    Parse(String),
}

/// The URL-hash key of a replayed oracle series (a list, so not a registry parameter).
pub const SERIES_KEY: &str = "oracle.series";

impl Config {
    /// Parses a JSON config (any subset of fields) and validates it.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        // Bytes, not `from_str`: every JSON the wasm module reads goes through serde_json's
        // one slice reader, so each type's deserializer is compiled once (the module's size).
        let cfg: Config = serde_json::from_slice(text.as_bytes())
            .map_err(|e| ConfigError::Parse(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks every parameter against its registry range, then the rules that tie several
    /// parameters together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for p in params::PARAMS {
            p.check(p.value(self))?;
        }
        if let Some(&p) = self
            .oracle
            .series
            .iter()
            .find(|p| !(p.is_finite() && **p > 0.0))
        {
            return Err(ConfigError::Rule {
                path: SERIES_KEY,
                value: p,
                reason: "every price must be positive and finite",
            });
        }
        if self.preset == Preset::Control {
            if let Some(min) = self.market.rules.min_k_ratio {
                if 1.0 / (1.0 + self.mdp.kappa) < min {
                    return Err(ConfigError::Rule {
                        path: "mdp.kappa",
                        value: self.mdp.kappa,
                        reason: "k down would cut √k by more than market.rules.min_k_ratio allows",
                    });
                }
            }
        }
        if self.preset == Preset::Band && self.learn.discount <= 0.0 {
            return Err(ConfigError::Rule {
                path: "learn.discount",
                value: self.learn.discount,
                reason: "the band preset needs γ in (0, 1)",
            });
        }
        // The starting market itself (reserves, peg, fees) must be a valid AMM.
        self.market.amm().map_err(EnvError::from)?;
        Ok(())
    }

    /// What the preset's environment is built from.
    pub fn preset_inputs(&self) -> PresetInputs<'_> {
        PresetInputs {
            market: &self.market,
            mdp: &self.mdp,
            oracle: &self.oracle,
            traders: &self.traders,
            band: &self.band,
            discount: self.learn.discount,
        }
    }

    /// Encodes the parameters that differ from the default as `a.b=v&…` (the URL hash),
    /// plus a replayed oracle series as comma-separated prices.
    pub fn to_hash(&self) -> String {
        let base = Config::default();
        let mut pairs: Vec<String> = params::PARAMS
            .iter()
            .filter(|p| p.value(self) != p.value(&base))
            .map(|p| format!("{}={}", p.path, encode(&p.text(self))))
            .collect();
        if !self.oracle.series.is_empty() {
            let list: Vec<String> = self.oracle.series.iter().map(|x| x.to_string()).collect();
            pairs.push(format!("{SERIES_KEY}={}", list.join(",")));
        }
        pairs.join("&")
    }

    /// Decodes a URL hash (with or without the leading `#`) on top of the default config.
    pub fn from_hash(hash: &str) -> Result<Self, ConfigError> {
        let mut cfg = Config::default();
        for pair in hash
            .trim_start_matches('#')
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (decode(k), decode(v));
            if k == SERIES_KEY {
                cfg.oracle.series = parse_series(&v)?;
            } else {
                cfg = cfg.with_param(&k, &v)?;
            }
        }
        cfg.validate()?;
        Ok(cfg)
    }

    /// A copy with one parameter (a registry path such as `learn.discount`, or a derived
    /// view such as `traders.uninformed_prob`) set from text. The value is checked against
    /// the parameter's range; the copy is not validated as a whole; `self` never changes.
    pub fn with_param(&self, path: &str, text: &str) -> Result<Self, ConfigError> {
        let mut cfg = self.clone();
        params::set(&mut cfg, path, text)?;
        Ok(cfg)
    }
}

fn parse_series(text: &str) -> Result<Vec<f64>, ConfigError> {
    text.split(',')
        .filter(|t| !t.trim().is_empty())
        .map(|t| {
            t.trim().parse::<f64>().map_err(|_| {
                ConfigError::Param(ParamError::Parse {
                    path: SERIES_KEY.into(),
                    text: t.into(),
                    reason: "not a number".into(),
                })
            })
        })
        .collect()
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_json_is_the_default() {
        assert_eq!(Config::from_json("{}").unwrap(), Config::default());
        assert_eq!(Config::default().to_hash(), "");
    }

    #[test]
    fn hash_round_trips() {
        let mut c = Config {
            preset: Preset::Paper,
            seed: 42,
            ..Config::default()
        };
        c.learn.discount = 0.95;
        c.traders.informed_prob = 0.75;
        c.mdp.funding = false;
        c.market.rules.min_k_ratio = None;
        c.mdp.episode_len = 100;
        let h = c.to_hash();
        assert!(h.contains("learn.discount=0.95"), "{h}");
        assert_eq!(Config::from_hash(&format!("#{h}")).unwrap(), c);
    }

    #[test]
    fn with_param_validates_and_names_the_field() {
        let c = Config::default();
        let e = c.with_param("learn.nope", "1").unwrap_err();
        assert_eq!(
            e,
            ConfigError::Param(ParamError::Unknown("learn.nope".into()))
        );
        let e = c.with_param("learn.discount", "abc").unwrap_err();
        assert!(e.to_string().starts_with("learn.discount"));
        let e = c.with_param("learn.discount", "1.5").unwrap_err();
        assert_eq!(e.to_string(), "learn.discount = 1.5: must be in [0, 1)");
        let mut bad = c.clone();
        bad.learn.discount = 1.5;
        let e = bad.validate().unwrap_err();
        assert!(e.to_string().starts_with("learn.discount = 1.5"), "{e}");
        assert_eq!(
            c.with_param("mdp.episode_len", "120")
                .unwrap()
                .mdp
                .episode_len,
            120
        );
        assert!(c.with_param("mdp.episode_len", "1.5").is_err());
    }

    #[test]
    fn hash_keeps_a_replayed_oracle_series() {
        let mut c = Config::default();
        c.oracle.series = vec![101.25, 99.5, 1e-3 / 3.0];
        let h = c.to_hash();
        assert!(h.contains("oracle.series=101.25,99.5,"), "{h}");
        assert_eq!(Config::from_hash(&h).unwrap(), c);
        assert!(Config::from_hash("oracle.series=1,-2").is_err());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(decode("a%20b"), "a b");
        assert_eq!(decode("%zz"), "%zz");
        assert_eq!(decode("50%"), "50%");
    }
}
