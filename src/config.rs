//! The whole configuration of a run, its validation, and its URL-hash encoding.
//!
//! A `Config` is plain serde data with a default for every field, so `{}` is a valid
//! config and any subset of fields overrides the defaults. The URL hash is the config
//! flattened to `path=value` pairs (`learn.discount=0.95&traders.informed_prob=0.7`),
//! shared by the page and the CLI's `--url`; only fields that differ from the default are
//! written, and decoding starts from the default.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;

use crate::learn::LearnConfig;
use crate::market::{OracleConfig, TraderConfig};
use crate::mdp::market_env::{EnvError, MarketConfig};
use crate::mdp::{MdpConfig, Preset};

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
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            seeds: 100,
            first_seed: 1_000_000,
            drift_threshold: 0.01,
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
}

/// Why a configuration was rejected. The message names the offending field.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConfigError {
    #[error("{0}")]
    Env(#[from] EnvError),
    #[error("{0}")]
    Field(String),
    #[error("cannot parse config: {0}")]
    Parse(String),
    #[error("unknown parameter '{0}'")]
    Unknown(String),
}

impl Config {
    /// Parses a JSON config (any subset of fields) and validates it.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let cfg: Config =
            serde_json::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks every field (the environment's own checks included).
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.learn.validate().map_err(ConfigError::Field)?;
        if self.eval.seeds == 0 || self.eval.seeds > 100_000 {
            return Err(ConfigError::Field(format!(
                "eval.seeds = {}: must be 1..=100000",
                self.eval.seeds
            )));
        }
        if !(self.eval.drift_threshold.is_finite() && self.eval.drift_threshold >= 0.0) {
            return Err(ConfigError::Field(format!(
                "eval.drift_threshold = {}: must be a non-negative number",
                self.eval.drift_threshold
            )));
        }
        crate::mdp::MarketEnv::new(
            self.preset,
            &self.market,
            &self.mdp,
            &self.oracle,
            &self.traders,
        )?;
        Ok(())
    }

    /// Encodes the fields that differ from the default as `a.b=v&…` (the URL hash).
    pub fn to_hash(&self) -> String {
        let mut here = Vec::new();
        let mut base = Vec::new();
        flatten("", &to_value(self), &mut here);
        flatten("", &to_value(&Config::default()), &mut base);
        here.into_iter()
            .filter(|(k, v)| {
                k != "oracle.series"
                    && base.iter().find(|(bk, _)| bk == k).map(|(_, bv)| bv) != Some(v)
            })
            .map(|(k, v)| format!("{k}={}", encode(&v)))
            .collect::<Vec<_>>()
            .join("&")
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
            cfg = cfg.with_param(&decode(k), &decode(v))?;
        }
        cfg.validate()?;
        Ok(cfg)
    }

    /// A copy with one parameter (a dotted path, e.g. `learn.discount`) set from text.
    /// The copy is not validated as a whole; `self` is never modified.
    pub fn with_param(&self, path: &str, text: &str) -> Result<Self, ConfigError> {
        let mut root = to_value(self);
        let mut node = &mut root;
        for part in path.split('.') {
            node = node
                .as_object_mut()
                .and_then(|m| m.get_mut(part))
                .ok_or_else(|| ConfigError::Unknown(path.to_string()))?;
        }
        let blank = matches!(text.trim(), "" | "null" | "none");
        *node = match node {
            // An optional number may be cleared; serde rejects it for required fields.
            Value::Number(_) if blank => Value::Null,
            Value::Number(_) => {
                let x: f64 = text
                    .trim()
                    .parse()
                    .map_err(|_| ConfigError::Field(format!("{path} = '{text}': not a number")))?;
                if !x.is_finite() {
                    return Err(ConfigError::Field(format!(
                        "{path} = '{text}': not a finite number"
                    )));
                }
                serde_json::Number::from_f64(x)
                    .map(Value::Number)
                    .ok_or_else(|| ConfigError::Field(format!("{path} = '{text}': not a number")))?
            }
            Value::Bool(_) => match text.trim() {
                "true" | "1" | "on" => Value::Bool(true),
                "false" | "0" | "off" => Value::Bool(false),
                _ => {
                    return Err(ConfigError::Field(format!(
                        "{path} = '{text}': expected true or false"
                    )))
                }
            },
            Value::Null => {
                if blank {
                    Value::Null
                } else {
                    let x: f64 = text.trim().parse().map_err(|_| {
                        ConfigError::Field(format!("{path} = '{text}': not a number"))
                    })?;
                    serde_json::Number::from_f64(x)
                        .map(Value::Number)
                        .unwrap_or(Value::Null)
                }
            }
            _ => Value::String(text.to_string()),
        };
        let cfg: Config = serde_json::from_value(integral(root))
            .map_err(|e| ConfigError::Field(format!("{path} = '{text}': {e}")))?;
        Ok(cfg)
    }
}

fn to_value(cfg: &Config) -> Value {
    serde_json::to_value(cfg).unwrap_or(Value::Null)
}

/// Turns floats with integral values into integers so integer fields deserialize.
fn integral(v: Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() && x.fract() == 0.0 && x.abs() < 9e15 => {
                if x >= 0.0 {
                    Value::from(x as u64)
                } else {
                    Value::from(x as i64)
                }
            }
            _ => Value::Number(n),
        },
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k, integral(v)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(integral).collect()),
        other => other,
    }
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

fn encode(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
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
        assert_eq!(e, ConfigError::Unknown("learn.nope".into()));
        let e = c.with_param("learn.discount", "abc").unwrap_err();
        assert!(e.to_string().starts_with("learn.discount"));
        let bad = c.with_param("learn.discount", "1.5").unwrap();
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
    fn percent_decoding() {
        assert_eq!(decode("a%20b"), "a b");
        assert_eq!(decode("%zz"), "%zz");
        assert_eq!(decode("50%"), "50%");
    }
}
