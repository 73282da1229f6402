//! The parameter registry: every tunable parameter of a run, declared once.
//!
//! Each [`Param`] holds a parameter's config path, label, unit, allowed range, scale, step,
//! group, optional CLI flag and how to read and write it in a [`Config`]. The registry
//! drives validation (`Config::validate`), the URL hash, the CLI's flags, the page's
//! controls (exported to JavaScript by the wasm binding) and the README's parameter table
//! (kept in sync by a test). Derived views such as λu = 1 − λi are [`Derived`] entries mapped
//! onto their source.
//!
//! Not here: what a parameter does (the engine modules), and cross-field rules that no
//! single range can express (`Config::validate` lists those).

use serde::Serialize;

use crate::config::Config;
use crate::display::num;
use crate::mdp::{Preset, Valuation};
use crate::reward::Transform;

/// How a control moves through the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    Linear,
    /// Logarithmic: sliders move in log10 space.
    Log,
}

/// Where a parameter is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Run,
    Traders,
    Market,
    Mdp,
    Learn,
    Eval,
}

/// What values a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "choices")]
pub enum Kind {
    Float,
    /// A float that may be left empty (`none`).
    OptionalFloat,
    /// Integral values only.
    Int,
    /// Odd integers only.
    OddInt,
    /// true / false (stored as 1 / 0 in the registry's numeric view).
    Flag,
    /// One of the named choices (stored as its index).
    Choice(&'static [&'static str]),
}

type Getter = fn(&Config) -> Option<f64>;
type Setter = fn(&mut Config, Option<f64>);

/// One parameter of a run.
#[derive(Clone, Copy, Serialize)]
pub struct Param {
    /// Dotted config path, e.g. `traders.informed_prob`; also the URL-hash key.
    pub path: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    /// One sentence for tooltips and `--help`.
    pub help: &'static str,
    pub kind: Kind,
    pub min: f64,
    pub max: f64,
    /// The page slider's span, inside [min, max] (the number box accepts the whole range).
    pub slider_min: f64,
    pub slider_max: f64,
    /// The upper end is excluded (γ < 1).
    pub max_open: bool,
    pub scale: Scale,
    /// Slider step (in log10 units for a log scale).
    pub step: f64,
    pub group: Group,
    /// Long CLI flag (`--informed`), if the parameter has a shorthand.
    pub cli: Option<&'static str>,
    /// Shown as a control on the page.
    pub control: bool,
    /// The presets whose run the parameter changes (the page hides its control under the
    /// others): the traders', market's and oracle's need a market, the band model's only the
    /// band preset, and some MDP parameters only one market preset.
    pub presets: &'static [Preset],
    #[serde(skip)]
    get: Getter,
    #[serde(skip)]
    set: Setter,
}

/// A view of another parameter: view = offset + factor·source.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Derived {
    pub path: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub help: &'static str,
    pub source: &'static str,
    pub offset: f64,
    pub factor: f64,
    pub group: Group,
    pub cli: Option<&'static str>,
    pub control: bool,
}

/// Why a parameter value was refused; the message names the parameter and its range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    #[error("unknown parameter '{0}'")]
    Unknown(String),
    #[error("{path} = '{text}': {reason}")]
    Parse {
        path: String,
        text: String,
        reason: String,
    },
    #[error("{path} = {}: must be {range}", num(*.value))]
    Range {
        path: String,
        value: f64,
        range: String,
    },
}

impl Param {
    const fn new(
        path: &'static str,
        label: &'static str,
        kind: Kind,
        get: Getter,
        set: Setter,
    ) -> Self {
        Self {
            path,
            label,
            unit: "",
            help: "",
            kind,
            min: f64::MIN,
            max: f64::MAX,
            slider_min: f64::MIN,
            slider_max: f64::MAX,
            max_open: false,
            scale: Scale::Linear,
            step: 0.0,
            group: Group::Run,
            cli: None,
            control: false,
            presets: &Preset::ALL,
            get,
            set,
        }
    }
    const fn range(mut self, min: f64, max: f64, step: f64) -> Self {
        self.min = min;
        self.max = max;
        self.slider_min = min;
        self.slider_max = max;
        self.step = step;
        self
    }
    /// A slider span narrower than the allowed range (for very wide ranges).
    const fn slider(mut self, lo: f64, hi: f64) -> Self {
        self.slider_min = lo;
        self.slider_max = hi;
        self
    }
    const fn open_above(mut self) -> Self {
        self.max_open = true;
        self
    }
    const fn log(mut self) -> Self {
        self.scale = Scale::Log;
        self
    }
    const fn unit(mut self, unit: &'static str) -> Self {
        self.unit = unit;
        self
    }
    const fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }
    /// Its group; the traders' and the market's need a market (`MARKET_PRESETS`).
    const fn group(mut self, group: Group) -> Self {
        self.group = group;
        if matches!(group, Group::Traders | Group::Market) {
            self.presets = MARKET_PRESETS;
        }
        self
    }
    /// Only these presets' runs depend on it.
    const fn only(mut self, presets: &'static [Preset]) -> Self {
        self.presets = presets;
        self
    }
    const fn cli(mut self, flag: &'static str) -> Self {
        self.cli = Some(flag);
        self
    }
    /// Shown as a page control.
    const fn shown(mut self) -> Self {
        self.control = true;
        self
    }

    /// The value in the registry's numeric view (flags 0/1, choices by index; `None` = empty).
    pub fn value(&self, cfg: &Config) -> Option<f64> {
        (self.get)(cfg)
    }

    /// The allowed range in words, e.g. `in [0, 1)` or `an odd integer in [1, 15]`.
    pub fn range_text(&self) -> String {
        let hi = if self.max_open { ")" } else { "]" };
        let span = format!("[{}, {}{hi}", num(self.min), num(self.max));
        match self.kind {
            Kind::Float => format!("in {span}"),
            Kind::OptionalFloat => format!("empty or in {span}"),
            Kind::Int => format!("an integer in {span}"),
            Kind::OddInt => format!("an odd integer in {span}"),
            Kind::Flag => "true or false".into(),
            Kind::Choice(names) => format!("one of {}", names.join(", ")),
        }
    }

    /// Checks a value against the kind and range.
    pub fn check(&self, value: Option<f64>) -> Result<(), ParamError> {
        let Some(x) = value else {
            return match self.kind {
                Kind::OptionalFloat => Ok(()),
                _ => Err(self.range_error(f64::NAN)),
            };
        };
        let ok = x.is_finite()
            && x >= self.min
            && (x < self.max || (!self.max_open && x == self.max))
            && match self.kind {
                Kind::Int | Kind::Flag | Kind::Choice(_) => x.fract() == 0.0,
                Kind::OddInt => x.fract() == 0.0 && x.rem_euclid(2.0) == 1.0,
                Kind::Float | Kind::OptionalFloat => true,
            };
        if ok {
            Ok(())
        } else {
            Err(self.range_error(x))
        }
    }

    fn range_error(&self, value: f64) -> ParamError {
        ParamError::Range {
            path: self.path.into(),
            value,
            range: self.range_text(),
        }
    }

    /// Parses `text` for this parameter (choices by name, flags as true/false/1/0/on/off,
    /// optional floats as empty/none/null).
    pub fn parse(&self, text: &str) -> Result<Option<f64>, ParamError> {
        let t = text.trim();
        let err = |reason: &str| ParamError::Parse {
            path: self.path.into(),
            text: text.into(),
            reason: reason.into(),
        };
        match self.kind {
            Kind::Flag => match t {
                "true" | "1" | "on" => Ok(Some(1.0)),
                "false" | "0" | "off" => Ok(Some(0.0)),
                _ => Err(err("expected true or false")),
            },
            Kind::Choice(names) => names
                .iter()
                .position(|n| *n == t)
                .map(|i| Some(i as f64))
                .ok_or_else(|| err(&format!("expected one of {}", names.join(", ")))),
            Kind::OptionalFloat if matches!(t, "" | "none" | "null") => Ok(None),
            _ => {
                let x: f64 = t.parse().map_err(|_| err("not a number"))?;
                if x.is_finite() {
                    Ok(Some(x))
                } else {
                    Err(err("not a finite number"))
                }
            }
        }
    }

    /// The value as URL-hash / CLI text (the inverse of `parse`).
    pub fn text(&self, cfg: &Config) -> String {
        match (self.kind, self.value(cfg)) {
            (_, None) => "none".into(),
            (Kind::Flag, Some(x)) => (x != 0.0).to_string(),
            (Kind::Choice(names), Some(x)) => names.get(x as usize).copied().unwrap_or("").into(),
            (_, Some(x)) => num(x),
        }
    }

    /// Sets a checked value in `cfg`.
    pub fn assign(&self, cfg: &mut Config, value: Option<f64>) -> Result<(), ParamError> {
        self.check(value)?;
        (self.set)(cfg, value);
        Ok(())
    }
}

impl Derived {
    /// The view's value from its source's.
    pub fn from_source(&self, x: f64) -> f64 {
        self.offset + self.factor * x
    }
    /// The source's value for a view value.
    pub fn to_source(&self, v: f64) -> f64 {
        // Rounded to 12 significant digits so 1 − 0.3 sets 0.7, not 0.7000000000000001.
        let x = (v - self.offset) / self.factor;
        format!("{x:.12e}").parse().unwrap_or(x)
    }
}

/// Accessors for a numeric field (`u32`, `u64` or `f64`).
macro_rules! num_field {
    ($($f:ident).+) => {
        (
            |c: &Config| Some(c.$($f).+ as f64),
            |c: &mut Config, v: Option<f64>| {
                if let Some(v) = v {
                    c.$($f).+ = v as _;
                }
            },
        )
    };
}

/// Accessors for a `bool` field.
macro_rules! flag_field {
    ($($f:ident).+) => {
        (
            |c: &Config| Some(c.$($f).+ as u8 as f64),
            |c: &mut Config, v: Option<f64>| c.$($f).+ = v.is_some_and(|v| v != 0.0),
        )
    };
}

/// Accessors for an `Option<f64>` field.
macro_rules! optional_field {
    ($($f:ident).+) => {
        (|c: &Config| c.$($f).+, |c: &mut Config, v: Option<f64>| c.$($f).+ = v)
    };
}

/// Accessors for an enum field with `ALL` (the choices in order).
macro_rules! choice_field {
    ($ty:ty, $($f:ident).+) => {
        (
            |c: &Config| <$ty>::ALL.iter().position(|x| *x == c.$($f).+).map(|i| i as f64),
            |c: &mut Config, v: Option<f64>| {
                if let Some(x) = v.and_then(|v| <$ty>::ALL.get(v as usize)) {
                    c.$($f).+ = *x;
                }
            },
        )
    };
}

const fn param(
    path: &'static str,
    label: &'static str,
    kind: Kind,
    acc: (Getter, Setter),
) -> Param {
    Param::new(path, label, kind, acc.0, acc.1)
}
const fn float(path: &'static str, label: &'static str, acc: (Getter, Setter)) -> Param {
    param(path, label, Kind::Float, acc)
}
const fn int(path: &'static str, label: &'static str, acc: (Getter, Setter)) -> Param {
    param(path, label, Kind::Int, acc)
}
const fn flag(path: &'static str, label: &'static str, acc: (Getter, Setter)) -> Param {
    param(path, label, Kind::Flag, acc).range(0.0, 1.0, 1.0)
}

const TRANSFORMS: &[&str] = &["identity", "sqrt"];

/// The presets with a market (traders, a fee pool, an oracle).
const MARKET_PRESETS: &[Preset] = &[Preset::Paper, Preset::Control];
const PAPER: &[Preset] = &[Preset::Paper];
const CONTROL: &[Preset] = &[Preset::Control];
const BAND: &[Preset] = &[Preset::Band];

/// Every parameter, in the order the page shows them within a group.
pub static PARAMS: &[Param] = &[
    param("preset", "Preset", Kind::Choice(Preset::NAMES), choice_field!(Preset, preset))
        .range(0.0, (Preset::NAMES.len() - 1) as f64, 1.0)
        .help("Which MDP to pose: the paper's ±1 repeg, the operator's control problem, or the stylised repeg band.")
        .cli("preset"),
    int("seed", "seed", num_field!(seed))
        .range(0.0, 4_294_967_295.0, 1.0)
        .group(Group::Learn)
        .help("Seed of the run's random number generator; same seed, same numbers.")
        .cli("seed")
        .shown(),
    // Traders.
    float("traders.informed_prob", "λi — informed share", num_field!(traders.informed_prob))
        .range(0.0, 1.0, 0.01)
        .group(Group::Traders)
        .help("Probability that the step's trader is informed (trades toward the oracle).")
        .cli("informed")
        .shown(),
    float("traders.volume.beta0", "β0 — base volume per step", num_field!(traders.volume.beta0))
        .range(-1e12, 1e12, 1000.0)
        .slider(0.0, 500000.0)
        .unit("USD")
        .group(Group::Traders)
        .help("Intercept of the volume regression.")
        .shown(),
    float("traders.volume.beta_price", "β1 — volume per unit of f(price)", num_field!(traders.volume.beta_price))
        .range(-1e12, 1e12, 1.0)
        .slider(-2000.0, 2000.0)
        .unit("USD")
        .group(Group::Traders)
        .help("Price coefficient of the volume regression.")
        .shown(),
    float("traders.volume.beta_k", "β2 — volume per unit of g(√k)", num_field!(traders.volume.beta_k))
        .range(-1e12, 1e12, 0.0005)
        .slider(0.0, 0.5)
        .unit("USD")
        .group(Group::Traders)
        .help("Liquidity coefficient of the volume regression.")
        .shown(),
    param("traders.volume.price_transform", "f — price transform", Kind::Choice(TRANSFORMS), choice_field!(Transform, traders.volume.price_transform))
        .range(0.0, 1.0, 1.0)
        .group(Group::Traders)
        .help("f(price) = price or √price in the volume regression."),
    param("traders.volume.k_transform", "g — liquidity transform", Kind::Choice(TRANSFORMS), choice_field!(Transform, traders.volume.k_transform))
        .range(0.0, 1.0, 1.0)
        .group(Group::Traders)
        .help("g(√k) = k or √k in the volume regression."),
    float("traders.size_noise", "σ — trade size noise", num_field!(traders.size_noise))
        .range(0.0, 3.0, 0.05)
        .slider(0.0, 2.0)
        .group(Group::Traders)
        .help("σ of the log-normal noise on each trade's size (mean 1).")
        .shown(),
    float("traders.closing", "c — closing share of uninformed traders", num_field!(traders.closing))
        .range(0.0, 1.0, 0.05)
        .slider(0.0, 1.0)
        .group(Group::Traders)
        .only(CONTROL)
        .help("Share of uninformed traders who trade against the users' net position, closing it (0 = 50/50; docs/modeling.md §19). The paper preset's traders are 50/50.")
        .shown(),
    flag("traders.arbitrageur", "arbitrageur (mark → oracle each step)", flag_field!(traders.arbitrageur))
        .group(Group::Traders)
        .help("After every oracle move an arbitrageur trades the mark to the oracle, net of the fee (docs/lvr.md).")
        .shown(),
    // Market.
    float("market.sqrt_k", "√k — liquidity depth", num_field!(market.sqrt_k))
        .range(10.0, 1e12, 0.01)
        .slider(1000.0, 10000000.0)
        .log()
        .unit("base units")
        .group(Group::Market)
        .help("√k at the start; b = q = √k.")
        .cli("sqrt-k")
        .shown(),
    float("market.peg", "peg — start price", num_field!(market.peg))
        .range(crate::amm::PEG_RANGE.0, crate::amm::PEG_RANGE.1, 0.01)
        .slider(0.1, 100000.0)
        .log()
        .unit("USD")
        .group(Group::Market)
        .help("Peg at the start, which is also the starting mark and oracle price.")
        .cli("peg")
        .shown(),
    float("market.fee_rate", "fee rate", num_field!(market.fee_rate))
        .range(0.0, 0.05, 0.0001)
        .group(Group::Market)
        .help("Taker fee per USD of notional (Drift v1: 0.001)."),
    float("market.total_fee", "F — cumulative fees at start", num_field!(market.total_fee))
        .range(0.0, 1e12, 500.0)
        .unit("USD")
        .group(Group::Market)
        .help("Cumulative fees F; the pool's floor is F/2."),
    float("market.fee_pool", "P — fee pool at start", num_field!(market.fee_pool))
        .range(0.0, 1e12, 500.0)
        .slider(0.0, 100000.0)
        .unit("USD")
        .group(Group::Market)
        .help("Fee pool P; repegs may spend P − F/2.")
        .shown(),
    flag("market.rules.repeg_floor", "repegs keep P ≥ F/2", flag_field!(market.rules.repeg_floor)).group(Group::Market),
    flag("market.rules.k_cost_within_pool", "k costs fit in P", flag_field!(market.rules.k_cost_within_pool)).group(Group::Market),
    flag("market.rules.k_floor", "k updates keep P ≥ F/2", flag_field!(market.rules.k_floor)).group(Group::Market),
    param("market.rules.min_k_ratio", "smallest √k ratio per k update", Kind::OptionalFloat, optional_field!(market.rules.min_k_ratio))
        .range(0.5, 1.0, 0.001)
        .group(Group::Market)
        .help("Drift v1 from Jan 2022: 0.975; empty = no limit."),
    float("oracle.volatility", "σ oracle — volatility per step", num_field!(oracle.volatility))
        .range(0.0, 1.0, 0.001)
        .slider(0.0, 0.05)
        .group(Group::Market)
        .help("GBM volatility of the oracle per step (0.01 ≈ 1% per hour).")
        .cli("volatility")
        .shown(),
    float("oracle.drift", "μ oracle — drift per step", num_field!(oracle.drift))
        .range(-0.5, 0.5, 0.0005)
        .slider(-0.005, 0.005)
        .group(Group::Market)
        .help("GBM drift of the oracle per step.")
        .shown(),
    // MDP.
    float("mdp.delta", "δ — paper: mark offset from oracle", num_field!(mdp.delta))
        .range(0.0, 0.5, 0.001)
        .slider(0.0, 0.05)
        .open_above()
        .group(Group::Mdp)
        .only(PAPER)
        .help("How far from the oracle the paper's ±1 actions put the mark.")
        .shown(),
    float("mdp.kappa", "κ — control: √k step", num_field!(mdp.kappa))
        .range(1e-4, 0.5, 0.001)
        .slider(0.005, 0.025)
        .group(Group::Mdp)
        .only(CONTROL)
        .help("Relative √k step of the k actions.")
        .shown(),
    param("mdp.imbalance_bins", "imbalance bins", Kind::Int, num_field!(mdp.imbalance_bins))
        .range(1.0, 64.0, 1.0)
        .slider(1.0, 21.0)
        .group(Group::Mdp)
        .only(MARKET_PRESETS)
        .help("Bins of the users' net position N/b₀.")
        .shown(),
    float("mdp.imbalance_range", "imbalance range", num_field!(mdp.imbalance_range))
        .range(1e-4, 0.99, 0.01)
        .group(Group::Mdp)
        .only(MARKET_PRESETS)
        .help("The imbalance bins span N/b₀ ∈ [−range, range]."),
    int("mdp.gap_bins", "gap bins (control)", num_field!(mdp.gap_bins))
        .range(1.0, 64.0, 1.0)
        .slider(1.0, 15.0)
        .group(Group::Mdp)
        .only(CONTROL)
        .help("Bins of the gap (mark − oracle)/oracle.")
        .shown(),
    float("mdp.gap_range", "gap range", num_field!(mdp.gap_range))
        .range(1e-4, 0.99, 0.001)
        .group(Group::Mdp)
        .only(MARKET_PRESETS)
        .help("The gap bins span [−range, range]."),
    param("mdp.k_levels", "√k levels (control, odd)", Kind::OddInt, num_field!(mdp.k_levels))
        .range(1.0, 15.0, 2.0)
        .slider(1.0, 9.0)
        .group(Group::Mdp)
        .only(CONTROL)
        .help("Number of √k levels √k₀·(1+κ)^j, centred on j = 0.")
        .shown(),
    flag("mdp.funding", "settle funding each step", flag_field!(mdp.funding)).group(Group::Mdp)
        .only(CONTROL),
    flag("mdp.funding_clamp", "clamp funding to ±oracle/33", flag_field!(mdp.funding_clamp)).group(Group::Mdp)
        .only(CONTROL),
    flag("mdp.counterparty_pnl", "add counterparty PnL at the oracle", flag_field!(mdp.counterparty_pnl)).group(Group::Mdp)
        .only(MARKET_PRESETS)
        .help("With the curve valuation only: also count the position at the oracle, valuing it twice (docs/modeling.md §1, the money pump)."),
    param("mdp.valuation", "valuation of open positions", Kind::Choice(Valuation::NAMES), choice_field!(Valuation, mdp.valuation))
        .range(0.0, (Valuation::NAMES.len() - 1) as f64, 1.0)
        .group(Group::Mdp)
        .only(MARKET_PRESETS)
        .help("How the control reward values the users' open positions: on the curve (repeg and k costs count) or at the oracle (every fill against the oracle; repeg and k costs only re-mark the curve; the paper preset shows that PnL as a memo)."),
    flag("mdp.exploring_starts", "exploring starts", flag_field!(mdp.exploring_starts)).group(Group::Mdp),
    int("mdp.episode_len", "T — steps per episode", num_field!(mdp.episode_len))
        .range(1.0, 100_000.0, 10.0)
        .slider(10.0, 1000.0)
        .group(Group::Mdp)
        .help("Steps per episode (one step ≈ one hour of funding).")
        .cli("episode-len")
        .shown(),
    float("mdp.overhead", "overhead per adjustment", num_field!(mdp.overhead))
        .range(0.0, 1e9, 10.0)
        .slider(0.0, 2000.0)
        .unit("USD")
        .group(Group::Mdp)
        .only(CONTROL)
        .help("Operating cost of one repeg or k update (transactions, operations), on top of Drift's own cost.")
        .cli("overhead")
        .shown(),
    // Learning.
    int("learn.episodes", "training episodes", num_field!(learn.episodes))
        .range(0.0, 10_000_000.0, 1000.0)
        .group(Group::Learn)
        .help("Episodes a CLI run trains for (the page trains until paused).")
        .cli("episodes"),
    float("learn.discount", "γ — discount", num_field!(learn.discount))
        .range(0.0, 1.0, 0.01)
        .slider(0.0, 0.99)
        .open_above()
        .group(Group::Learn)
        .help("Discount factor of the Q-learning target.")
        .cli("gamma")
        .shown(),
    float("learn.alpha", "α0 — step size", num_field!(learn.alpha))
        .range(1e-6, 1.0, 0.01)
        .slider(0.01, 1.0)
        .group(Group::Learn)
        .help("Step size of a pair's first visit.")
        .cli("alpha")
        .shown(),
    float("learn.alpha_decay", "ω — step-size decay α0/n^ω", num_field!(learn.alpha_decay))
        .range(0.0, 1.0, 0.05)
        .group(Group::Learn)
        .help("α_n = α0/n^ω per (state, action) pair.")
        .shown(),
    float("learn.alpha_min", "α min", num_field!(learn.alpha_min))
        .range(0.0, 1.0, 0.001)
        .group(Group::Learn)
        .help("Lower bound on α_n."),
    float("learn.epsilon", "ε — exploration at start", num_field!(learn.epsilon))
        .range(0.0, 1.0, 0.01)
        .group(Group::Learn)
        .help("ε of ε-greedy at the first episode.")
        .shown(),
    float("learn.epsilon_decay", "ε decay per episode", num_field!(learn.epsilon_decay))
        .range(0.0, 1.0, 0.0001)
        .slider(0.99, 1.0)
        .group(Group::Learn)
        .help("ε is multiplied by this after every episode.")
        .shown(),
    float("learn.epsilon_min", "ε min", num_field!(learn.epsilon_min))
        .range(0.0, 1.0, 0.01)
        .group(Group::Learn)
        .help("Lower bound on ε.")
        .shown(),
    param("learn.averaging", "averaging — weight power p", Kind::OptionalFloat, optional_field!(learn.averaging))
        .range(0.0, 8.0, 0.5)
        .group(Group::Learn)
        .help("Polyak–Ruppert averaging: the estimate is a running mean of each pair's iterates, the m-th weighted ∝ m^p; empty = off (the last iterate).")
        .shown(),
    int("learn.qstar_every", "Q* every (episodes)", num_field!(learn.qstar_every))
        .range(0.0, 1_000_000.0, 10.0)
        .group(Group::Learn)
        .help("Recompute Q* of the estimated model every this many episodes (0 = never)."),
    // Evaluation.
    int("eval.seeds", "evaluation seeds", num_field!(eval.seeds))
        .range(1.0, 100_000.0, 10.0)
        .group(Group::Eval)
        .help("Episodes (one per seed) each policy is evaluated on.")
        .cli("seeds"),
    int("eval.first_seed", "first evaluation seed", num_field!(eval.first_seed))
        .range(0.0, 9_007_199_254_740_992.0, 1.0)
        .group(Group::Eval)
        .help("Evaluation seeds are first_seed, first_seed + 1, …, kept apart from the training seed."),
    float("eval.drift_threshold", "v1 rule: gap threshold", num_field!(eval.drift_threshold))
        .range(0.0, 1.0, 0.001)
        .group(Group::Eval)
        .help("The v1-style rule repegs when |mark − oracle|/oracle exceeds this."),
    int("eval.yardstick_transitions", "yardstick transitions", num_field!(eval.yardstick_transitions))
        .range(0.0, 1e9, 1e6)
        .group(Group::Eval)
        .help("Transitions per round of the yardstick's model (exploring starts; three rounds: random actions, then ε-greedy around the previous round's policy). The best round's optimal tabular policy is evaluated beside the learned one; 0 = off.")
        .cli("yardstick"),
    // Drift v2's automatic rules (the drift_v2 baseline).
    int("drift_v2.curve_update_intensity", "v2: curve update intensity I", num_field!(drift_v2.curve_update_intensity))
        .range(0.0, 200.0, 1.0)
        .group(Group::Eval)
        .help("0 disables both rules; the 0.1% k cut needs I ≥ 100; formulaic k moves √k by ±0.1%·I/100."),
    float("drift_v2.max_spread", "v2: max spread", num_field!(drift_v2.max_spread))
        .range(0.0, 1.0, 0.0005)
        .open_above()
        .group(Group::Eval)
        .help("Total bid-ask width as a fraction of the oracle; the repeg band is the oracle ± half of it."),
    float("drift_v2.concentration_coef", "v2: concentration coefficient", num_field!(drift_v2.concentration_coef))
        .range(1.0001, 1000.0, 0.01)
        .group(Group::Eval)
        .help("The base reserve may range over [(b+N)/c, (b+N)·c]; bounds the 0.1% k cut."),
    float("drift_v2.min_order_size", "v2: min order size", num_field!(drift_v2.min_order_size))
        .range(0.0, 1e12, 1e-9)
        .unit("base units")
        .group(Group::Eval)
        .help("Smallest order; bounds the 0.1% k cut."),
    float("drift_v2.base_spread", "v2: base spread", num_field!(drift_v2.base_spread))
        .range(0.0, 1.0, 0.0001)
        .open_above()
        .group(Group::Eval)
        .help("Base spread (fraction); with all spreads 0 they are ignored."),
    float("drift_v2.long_spread", "v2: long spread", num_field!(drift_v2.long_spread))
        .range(0.0, 1.0, 0.0001)
        .open_above()
        .group(Group::Eval)
        .help("Long spread (fraction); above the base spread it blocks formulaic k increases."),
    float("drift_v2.short_spread", "v2: short spread", num_field!(drift_v2.short_spread))
        .range(0.0, 1.0, 0.0001)
        .open_above()
        .group(Group::Eval)
        .help("Short spread (fraction); above the base spread it blocks formulaic k increases."),
    flag("drift_v2.disable_formulaic_k", "v2: disable formulaic k", flag_field!(drift_v2.disable_formulaic_k))
        .group(Group::Eval),
    // The band preset's model.
    float("band.sigma", "band: σ — gap shock per step", num_field!(band.sigma))
        .range(1e-6, 1e6, 0.01)
        .group(Group::Mdp)
        .only(BAND)
        .help("Band preset: standard deviation of the mark–oracle gap's random walk per step."),
    float("band.holding_cost", "band: a — holding cost", num_field!(band.holding_cost))
        .range(1e-6, 1e6, 0.1)
        .group(Group::Mdp)
        .only(BAND)
        .help("Band preset: keeping a gap d costs (a/2)·d² per step."),
    float("band.repeg_cost", "band: K — repeg cost", num_field!(band.repeg_cost))
        .range(1e-6, 1e9, 0.01)
        .slider(1.0, 3000.0)
        .log()
        .group(Group::Mdp)
        .only(BAND)
        .help("Band preset: fixed cost of one repeg (it closes the gap).")
        .shown(),
    float("band.gap_range", "band: gap grid half-width", num_field!(band.gap_range))
        .range(1e-6, 1e9, 0.5)
        .group(Group::Mdp)
        .only(BAND)
        .help("Band preset: the learner's gap bins span [−range, range]."),
    param("band.gap_bins", "band: gap bins (odd)", Kind::OddInt, num_field!(band.gap_bins))
        .range(3.0, 10_001.0, 2.0)
        .group(Group::Mdp)
        .only(BAND)
        .help("Band preset: number of gap bins (odd, so d = 0 is a bin centre)."),
];

/// Views of other parameters.
pub static DERIVED: &[Derived] = &[Derived {
    path: "traders.uninformed_prob",
    label: "λu = 1 − λi — uninformed share",
    unit: "",
    help: "Probability that the step's trader is uninformed (long or short 50/50).",
    source: "traders.informed_prob",
    offset: 1.0,
    factor: -1.0,
    group: Group::Traders,
    cli: Some("uninformed"),
    control: true,
}];

/// The parameter at `path`.
pub fn find(path: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.path == path)
}

/// The derived view at `path`.
pub fn find_derived(path: &str) -> Option<&'static Derived> {
    DERIVED.iter().find(|d| d.path == path)
}

/// Sets the parameter (or derived view) at `path` from text; `cfg` is unchanged on error.
/// Errors name `path` as the user wrote it, with the allowed range.
pub fn set(cfg: &mut Config, path: &str, text: &str) -> Result<(), ParamError> {
    if let Some(p) = find(path) {
        let v = p.parse(text)?;
        return p.assign(cfg, v);
    }
    let d = find_derived(path).ok_or_else(|| ParamError::Unknown(path.into()))?;
    let src = find(d.source).ok_or_else(|| ParamError::Unknown(d.source.into()))?;
    let v = src.parse(text).map_err(|e| rename(e, d.path))?;
    let x = v.map(|v| d.to_source(v));
    match src.check(x) {
        Ok(()) => src.assign(cfg, x),
        Err(_) => {
            let (a, b) = (d.from_source(src.min), d.from_source(src.max));
            Err(ParamError::Range {
                path: d.path.into(),
                value: v.unwrap_or(f64::NAN),
                range: format!("in [{}, {}]", num(a.min(b)), num(a.max(b))),
            })
        }
    }
}

fn rename(e: ParamError, path: &str) -> ParamError {
    match e {
        ParamError::Parse { text, reason, .. } => ParamError::Parse {
            path: path.into(),
            text,
            reason,
        },
        other => other,
    }
}

/// Every parameter's and view's value, by path (for the page's controls).
pub fn values(cfg: &Config) -> Vec<(&'static str, Option<f64>)> {
    let mut out: Vec<_> = PARAMS.iter().map(|p| (p.path, p.value(cfg))).collect();
    for d in DERIVED {
        let v = find(d.source)
            .and_then(|p| p.value(cfg))
            .map(|x| d.from_source(x));
        out.push((d.path, v));
    }
    out
}

/// The README's parameter table (Markdown), generated from the registry.
pub fn markdown_table() -> String {
    let mut out =
        String::from("| path | meaning | unit | allowed | CLI |\n|---|---|---|---|---|\n");
    let defaults = Config::default();
    for p in PARAMS {
        out.push_str(&format!(
            "| `{}` | {} (default {}) | {} | {} | {} |\n",
            p.path,
            p.label,
            p.text(&defaults),
            p.unit,
            p.range_text(),
            p.cli.map(|c| format!("`--{c}`")).unwrap_or_default()
        ));
    }
    for d in DERIVED {
        out.push_str(&format!(
            "| `{}` | {} (view of `{}`) | {} | in [0, 1] | {} |\n",
            d.path,
            d.label,
            d.source,
            d.unit,
            d.cli.map(|c| format!("`--{c}`")).unwrap_or_default()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_param_reads_back_what_it_writes() {
        let defaults = Config::default();
        for p in PARAMS {
            let mut c = defaults.clone();
            let text = p.text(&defaults);
            p.assign(&mut c, p.parse(&text).unwrap()).unwrap();
            assert_eq!(c, defaults, "{}", p.path);
            assert!(
                p.check(p.value(&defaults)).is_ok(),
                "default of {} out of range",
                p.path
            );
        }
    }

    /// Every leaf of the config's JSON (but the oracle series, a list) is a registry
    /// parameter, so the URL hash and the CLI can reach every field.
    #[test]
    fn every_config_field_is_registered() {
        fn leaves(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, v) in m {
                        let p = if prefix.is_empty() {
                            k.clone()
                        } else {
                            format!("{prefix}.{k}")
                        };
                        leaves(&p, v, out);
                    }
                }
                _ => out.push(prefix.to_string()),
            }
        }
        let mut paths = Vec::new();
        leaves(
            "",
            &serde_json::to_value(Config::default()).unwrap(),
            &mut paths,
        );
        for p in &paths {
            assert!(find(p).is_some(), "{p} is not in the registry");
        }
        assert_eq!(paths.len(), PARAMS.len());
    }

    #[test]
    fn slider_spans_lie_inside_the_allowed_range_and_hold_the_default() {
        let d = Config::default();
        for p in PARAMS {
            assert!(p.min <= p.slider_min && p.slider_max <= p.max, "{}", p.path);
            assert!(
                p.slider_min < p.slider_max || p.kind == Kind::Flag,
                "{}",
                p.path
            );
            if let (true, Some(v)) = (p.control, p.value(&d)) {
                assert!((p.slider_min..=p.slider_max).contains(&v), "{}", p.path);
            }
        }
    }

    #[test]
    fn paths_are_unique_and_cli_flags_too() {
        let mut paths: Vec<_> = PARAMS.iter().map(|p| p.path).collect();
        paths.extend(DERIVED.iter().map(|d| d.path));
        let n = paths.len();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), n);
        let mut flags: Vec<_> = PARAMS.iter().filter_map(|p| p.cli).collect();
        flags.extend(DERIVED.iter().filter_map(|d| d.cli));
        let n = flags.len();
        flags.sort();
        flags.dedup();
        assert_eq!(flags.len(), n);
    }

    #[test]
    fn ranges_kinds_and_views() {
        let mut c = Config::default();
        let e = set(&mut c, "learn.discount", "1").unwrap_err();
        assert_eq!(e.to_string(), "learn.discount = 1: must be in [0, 1)");
        let e = set(&mut c, "mdp.k_levels", "4").unwrap_err();
        assert_eq!(
            e.to_string(),
            "mdp.k_levels = 4: must be an odd integer in [1, 15]"
        );
        let e = set(&mut c, "mdp.episode_len", "1.5").unwrap_err();
        assert!(e.to_string().contains("an integer"), "{e}");
        let e = set(&mut c, "traders.uninformed_prob", "1.2").unwrap_err();
        assert_eq!(
            e.to_string(),
            "traders.uninformed_prob = 1.2: must be in [0, 1]"
        );
        assert_eq!(c, Config::default());
        set(&mut c, "traders.uninformed_prob", "0.3").unwrap();
        assert_eq!(c.traders.informed_prob, 0.7);
        set(&mut c, "market.rules.min_k_ratio", "none").unwrap();
        assert_eq!(c.market.rules.min_k_ratio, None);
        set(&mut c, "preset", "paper").unwrap();
        assert_eq!(c.preset, Preset::Paper);
        assert!(matches!(
            set(&mut c, "nope", "1"),
            Err(ParamError::Unknown(_))
        ));
    }

    #[test]
    fn messages_show_huge_and_tiny_values_compactly() {
        let e = set(&mut Config::default(), "market.sqrt_k", "1e300").unwrap_err();
        assert_eq!(
            e.to_string(),
            "market.sqrt_k = 1e300: must be in [10, 1000000000000]"
        );
    }
}
