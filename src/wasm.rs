//! The WebAssembly binding (wasm32 only): a `Playground` class over the engine's `Session`,
//! and a `Viewer` that draws what a `Playground` in another thread posted.
//!
//! It converts JS values to and from engine types (serde-wasm-bindgen), maps engine errors
//! to JS `Error`s and draws the charts on canvases with plotters-canvas. No training or
//! market logic lives here; if some creeps in, it belongs in the engine.
//!
//! The page trains in a Web Worker (`www/js/worker.js`), which owns the `Playground`, and
//! draws on the UI thread, which cannot share it. The worker posts `Playground::frame_bytes`
//! (a `Frame`: the session's `Snapshot` as JSON bytes, with only the tail of the history the
//! page does not have yet); the page's `Viewer::apply` rebuilds the snapshot and draws its
//! `view()` with the same chart code.

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::config::Config;
use crate::session::{Session, Snapshot, View};

/// Shows any panic in the page's `#panic` element and the console instead of a dead canvas.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let msg = format!("dAMM Lab crashed: {info}");
        web_sys::console::error_1(&msg.clone().into());
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("panic"))
        {
            el.set_text_content(Some(&msg));
            let _ = el.set_attribute("role", "alert");
            let _ = el.remove_attribute("hidden");
        }
    }));
}

pub(crate) fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

pub(crate) fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    v.serialize(&ser).map_err(js_err)
}

/// The parameter registry for the page's controls, as `{params: [...], derived: [...]}`.
/// Each param: path, label, unit, help, kind ({type, choices?}), min, max, max_open, scale,
/// step, group, cli, control; each derived view: path, label, source, offset, factor
/// (view = offset + factor·source), group, control.
#[wasm_bindgen(js_name = paramSpecs)]
pub fn param_specs() -> Result<JsValue, JsError> {
    to_js(&serde_json::json!({
        "params": crate::config::params::PARAMS,
        "derived": crate::config::params::DERIVED,
    }))
}

/// The charts' palette (`charts::palette`), `[[name, "#rrggbb"], ...]`: the page sets each
/// as the CSS variable `--c-<name>` for its HTML legends, so there is one palette.
#[wasm_bindgen(js_name = chartPalette)]
pub fn chart_palette() -> Result<JsValue, JsError> {
    let named: Vec<(&str, String)> = crate::charts::palette::NAMED
        .iter()
        .map(|(n, c)| (*n, crate::charts::palette::hex(*c)))
        .collect();
    to_js(&named)
}

/// The shown episode's money split as the page shows it beside the stacked chart: each term
/// (name, CSS colour name, USD), the net, the episode's summed reward, and the memo items.
#[derive(Serialize)]
struct SplitReport {
    terms: Vec<(&'static str, &'static str, f64)>,
    net: f64,
    reward: f64,
    informed_loss: f64,
    arbitrageur_loss: f64,
    lvr_reference: f64,
    /// The flows the preset's reward leaves out (the paper's repeg costs, funding), memo.
    outside_reward: f64,
    /// Whether a split applies at all (not for the band preset, which has no market).
    applies: bool,
    /// What the page says about the split's scope (`MoneyScope::note`), if anything.
    note: Option<&'static str>,
}

impl SplitReport {
    fn of(view: &View<'_>) -> Self {
        let scope = view.money_scope;
        let total = crate::mdp::MoneySplit::total(view.trajectory).scoped(scope);
        let colours = crate::charts::split_colour_names();
        SplitReport {
            terms: crate::mdp::money::TERM_NAMES
                .iter()
                .zip(colours)
                .zip(total.terms())
                .map(|((n, c), v)| (*n, c, v))
                .collect(),
            net: total.net(),
            reward: view.trajectory.iter().map(|s| s.reward).sum(),
            informed_loss: total.informed_loss,
            arbitrageur_loss: total.arbitrageur_loss,
            lvr_reference: total.lvr_reference,
            outside_reward: total.outside_reward,
            applies: scope != crate::mdp::MoneyScope::NoMarket,
            note: scope.note(),
        }
    }
}

/// Plans the living curve's move (`trade`, `repeg` or `k`) on `view`.
fn plan_curve(
    view: &View<'_>,
    kind: &str,
    trade: f64,
) -> Result<crate::charts::CurveAnimation, JsError> {
    let kind = crate::charts::CurveMove::parse(kind)
        .ok_or_else(|| JsError::new(&format!("unknown curve move {kind:?}: trade, repeg or k")))?;
    crate::charts::curve_animation(view, kind, trade)
        .ok_or_else(|| JsError::new("this move cannot be shown on the current market"))
}

/// Draws the living curve's move at `phase` on `#chart-curve`.
fn draw_curve_move(
    view: &View<'_>,
    kind: &str,
    phase: f64,
    scale: f64,
    trade: f64,
) -> Result<(), JsError> {
    let plan = plan_curve(view, kind, trade)?;
    let backend =
        CanvasBackend::new("chart-curve").ok_or_else(|| JsError::new("no canvas #chart-curve"))?;
    let root = backend.into_drawing_area();
    let look = crate::charts::Look {
        scale,
        annotate: false,
    };
    crate::charts::draw_curve_animation(&root, look, &plan, phase).map_err(js_err)?;
    root.present().map_err(js_err)
}

/// A live training run for the page.
#[wasm_bindgen]
pub struct Playground {
    pub(crate) session: Session,
}

/// A small per-frame summary (cheaper than a full snapshot).
#[derive(Serialize)]
struct Stats {
    episode: u32,
    step: u32,
    total_steps: u64,
    epsilon: f64,
    mark: f64,
    oracle: f64,
    peg: f64,
    sqrt_k: f64,
    net_base: f64,
    fee_pool: f64,
    spendable: f64,
    last_return: Option<f64>,
    q_error: Option<f64>,
    relative_error: Option<f64>,
    agreement: Option<f64>,
    mask: u32,
    action_names: Vec<String>,
    /// Band preset: learned band, exact optimum, continuous law.
    band: Option<crate::session::BandReport>,
    /// The last step of the shown episode so far (the timeline's end).
    last_step: u32,
    /// Whether these are the values at a step chosen on the timeline (not the run now).
    at_cursor: bool,
    /// The MDP state index the greedy-policy chart highlights: the chosen step's (the state
    /// its row arrived in), or the run's now.
    state: u32,
}

impl Stats {
    /// The summary of a snapshot, now or at step `cursor` of the shown episode.
    fn of(s: &Snapshot, cursor: Option<usize>) -> Self {
        // The last step's record is the market now (the band model: mark = its gap).
        let last_step = s.trajectory.len().saturating_sub(1);
        let at = cursor.map(|c| c.min(last_step));
        // Right after an episode ends, the values are its last row's (`Snapshot::view_at`).
        let row_now = at.is_some() || s.ended();
        let last = at
            .and_then(|i| s.trajectory.get(i))
            .or(s.trajectory.last())
            .copied()
            .unwrap_or_default();
        Stats {
            episode: s.episode,
            step: at.map_or(s.step, |i| i as u32),
            total_steps: s.total_steps,
            epsilon: s.epsilon,
            mark: last.mark,
            oracle: last.oracle,
            peg: last.peg,
            sqrt_k: last.sqrt_k,
            net_base: last.net_base,
            fee_pool: last.fee_pool,
            // At a chosen step, the row's own headroom P − F/2 (the band model has none).
            spendable: match (row_now, s.amm) {
                (true, Some(_)) => last.fee_pool - crate::amm::TRANCHE * last.total_fee,
                _ => s.spendable,
            },
            last_return: s.history.episode_return.last().copied(),
            q_error: s.q_comparison.map(|c| c.max_error),
            relative_error: s.q_comparison.map(|c| c.relative_error),
            agreement: s.q_comparison.map(|c| c.agreement),
            mask: s.mask,
            action_names: s.action_names.clone(),
            band: s.band,
            last_step: last_step as u32,
            at_cursor: at.is_some(),
            state: if row_now { last.state } else { s.state as u32 },
        }
    }
}

/// What the training worker posts to the page: the run's snapshot whose `history` holds
/// only the episodes from `snapshot.history.first_episode` on (the tail the page lacks).
#[derive(Serialize, Deserialize)]
struct Frame {
    snapshot: Snapshot,
    /// The first episode the run's history still keeps (older ones were dropped).
    history_first: u32,
}

/// Draws the named charts of `view` on canvases with ids `chart-<name>`.
fn draw_charts(view: &View<'_>, names: Vec<String>, scale: f64, trade: f64) -> Result<(), JsError> {
    for name in names {
        let id = format!("chart-{name}");
        let backend =
            CanvasBackend::new(&id).ok_or_else(|| JsError::new(&format!("no canvas #{id}")))?;
        let root = backend.into_drawing_area();
        let look = crate::charts::Look {
            scale,
            annotate: false,
        };
        crate::charts::draw(&name, &root, view, look, trade).map_err(js_err)?;
        root.present().map_err(js_err)?;
    }
    Ok(())
}

#[wasm_bindgen]
impl Playground {
    /// Builds a run from a config object (any subset of fields; `undefined` = defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<Playground, JsError> {
        // Through JSON text so unknown fields are rejected exactly as in the CLI.
        let cfg = if config.is_undefined() || config.is_null() {
            Config::default()
        } else {
            let text = js_sys::JSON::stringify(&config)
                .map_err(|_| JsError::new("the config is not a plain object"))?;
            Config::from_json(&String::from(text)).map_err(js_err)?
        };
        Ok(Self {
            session: Session::new(cfg).map_err(js_err)?,
        })
    }

    /// Builds a run from a URL hash (`#preset=paper&seed=3`).
    #[wasm_bindgen(js_name = fromHash)]
    pub fn from_hash(hash: &str) -> Result<Playground, JsError> {
        let cfg = Config::from_hash(hash).map_err(js_err)?;
        Ok(Self {
            session: Session::new(cfg).map_err(js_err)?,
        })
    }

    /// A fresh random seed (from the browser's crypto API via getrandom).
    #[wasm_bindgen(js_name = freshSeed)]
    pub fn fresh_seed() -> u32 {
        crate::rng::SimRng::fresh_seed() as u32
    }

    /// Trains for `steps` steps; returns the number of episodes completed.
    pub fn advance(&mut self, steps: u32) -> u32 {
        self.session.advance(steps as u64)
    }

    /// Trains until the current episode ends.
    #[wasm_bindgen(js_name = finishEpisode)]
    pub fn finish_episode(&mut self) {
        self.session.advance_episodes(1);
    }

    /// Restarts the run from its config and seed.
    pub fn reset(&mut self) -> Result<(), JsError> {
        self.session = Session::new(self.session.config().clone()).map_err(js_err)?;
        Ok(())
    }

    /// Sets one parameter by its config path (e.g. `learn.discount`) and restarts the run.
    /// An invalid value throws an Error naming the parameter and changes nothing.
    #[wasm_bindgen(js_name = setParam)]
    pub fn set_param(&mut self, name: &str, value: &str) -> Result<(), JsError> {
        let cfg = self
            .session
            .config()
            .with_param(name, value)
            .map_err(js_err)?;
        let session = Session::new(cfg).map_err(js_err)?;
        self.session = session;
        Ok(())
    }

    /// The whole config as a JS object.
    pub fn config(&self) -> Result<JsValue, JsError> {
        to_js(self.session.config())
    }

    /// Every parameter's and derived view's current value by path (flags 0/1, choices by
    /// index, `null` for an empty optional).
    pub fn values(&self) -> Result<JsValue, JsError> {
        let map: serde_json::Map<String, serde_json::Value> =
            crate::config::params::values(self.session.config())
                .into_iter()
                .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
                .collect();
        to_js(&map)
    }

    /// The config as a URL hash (without `#`).
    pub fn hash(&self) -> String {
        self.session.config().to_hash()
    }

    /// Recomputes Q* of the estimated model now.
    #[wasm_bindgen(js_name = computeQStar)]
    pub fn compute_q_star(&mut self) -> Result<JsValue, JsError> {
        to_js(&self.session.compute_q_star())
    }

    /// Everything: trajectory, Q table, Q*, diagnostics (plain data).
    pub fn snapshot(&self) -> Result<JsValue, JsError> {
        to_js(&self.session.snapshot())
    }

    /// A small summary for the status line (from a snapshot holding only the last
    /// episode's history, so the summary is written once, in `Stats::of`).
    pub fn stats(&self) -> Result<JsValue, JsError> {
        let last = self.session.episode().saturating_sub(1);
        to_js(&Stats::of(&self.session.snapshot_since(last), None))
    }

    /// The run as a `Frame` in JSON bytes (a `Uint8Array` whose buffer the worker transfers
    /// to the page): the snapshot with the history's episodes from `history_from` on only.
    /// Pass 0 for the whole history.
    #[wasm_bindgen(js_name = frameBytes)]
    pub fn frame_bytes(&self, history_from: u32) -> Result<Vec<u8>, JsError> {
        let frame = Frame {
            snapshot: self.session.snapshot_since(history_from),
            history_first: self.session.history().first_episode,
        };
        serde_json::to_vec(&frame).map_err(js_err)
    }

    /// Draws the named charts on canvases with ids `chart-<name>`; `scale` is the device
    /// pixel ratio the canvases were sized with; `trade` the trade size (USD) for the curve.
    pub fn draw(&self, names: Vec<String>, scale: f64, trade: f64) -> Result<(), JsError> {
        draw_charts(&self.session.view(), names, scale, trade)
    }

    /// The shown episode's trajectory as CSV.
    #[wasm_bindgen(js_name = trajectoryCsv)]
    pub fn trajectory_csv(&self) -> String {
        self.session.trajectory_csv()
    }

    /// Config, Q table, Q*, greedy policy and visit counts as JSON text.
    #[wasm_bindgen(js_name = exportJson)]
    pub fn export_json(&self) -> Result<String, JsError> {
        let s = self.session.snapshot();
        let v = serde_json::json!({
            "config": s.config,
            "url": s.config.to_hash(),
            "episodes": s.episode,
            "action_names": s.action_names,
            "state_shape": s.state_shape,
            "q": s.q,
            "q_star": s.q_star,
            "policy": s.policy,
            "visits": s.visits,
        });
        serde_json::to_string_pretty(&v).map_err(js_err)
    }
}

/// Drift's history in the page: parsed CSVs and the analyses of the Data panel.
#[wasm_bindgen]
pub struct DataLab {
    ds: crate::analysis::Dataset,
    classifier: Option<crate::ml::classify::SuccessModel>,
    predictor: crate::ml::sequence::ConvNet,
    report: serde_json::Value,
}

#[wasm_bindgen]
impl DataLab {
    /// Parses a curve history CSV and (optionally, may be empty) a funding history CSV and
    /// runs the analyses. A malformed file throws an Error naming the line and column.
    #[wasm_bindgen(constructor)]
    pub fn new(curve_csv: &str, funding_csv: &str) -> Result<DataLab, JsError> {
        use crate::data::events::LabelRule;
        let ds = crate::analysis::Dataset::parse(curve_csv, funding_csv).map_err(js_err)?;
        let rule = LabelRule::default();
        let events = ds.events(&rule);
        let fits = ds
            .volume_fits()
            .map_err(|e| JsError::new(&format!("volume regression: {e}")))?;
        let classify = ds
            .classify(&rule, crate::analysis::CV_FOLDS, crate::analysis::CV_SEED)
            .map_err(|e| e.to_string());
        let (predictor, predict) = ds.predict(
            crate::analysis::PREDICT_WINDOW,
            crate::analysis::PREDICT_SEED,
        );
        let table: Vec<serde_json::Value> = fits
            .iter()
            .map(|f| {
                serde_json::json!({
                    "price_transform": f.price_transform, "k_transform": f.k_transform,
                    "n": f.fit.n, "beta": f.fit.beta, "std_err": f.fit.std_err, "r_squared": f.fit.r_squared,
                })
            })
            .collect();
        let report = serde_json::json!({
            "summary": ds.summary(),
            "volume_regression": table,
            "events": events.len(),
            "successes": events.iter().filter(|e| e.success).count(),
            "classify": classify.as_ref().ok(),
            "classify_error": classify.as_ref().err(),
            "predict": predict,
        });
        // With a single class (or too few events) there is no classifier to consult.
        let classifier = ds.success_model(&rule).ok();
        Ok(DataLab {
            ds,
            classifier,
            predictor,
            report,
        })
    }

    /// Summary, regression table, classifier table and predictor report.
    pub fn report(&self) -> Result<JsValue, JsError> {
        to_js(&self.report)
    }

    /// Draws `chart-history` (one market over time) and `chart-regression` (best variant).
    pub fn draw(&self, market: u8, scale: f64) -> Result<(), JsError> {
        let look = crate::charts::Look {
            scale,
            annotate: false,
        };
        let canvas = |id: &str| {
            CanvasBackend::new(id)
                .ok_or_else(|| JsError::new(&format!("no canvas #{id}")))
                .map(|b| b.into_drawing_area())
        };
        let root = canvas("chart-history")?;
        crate::charts::data::history(&root, &self.ds.curve, market, look).map_err(js_err)?;
        root.present().map_err(js_err)?;
        let periods = crate::analysis::volume::volume_periods(
            &self.ds.curve,
            crate::analysis::dataset::MIN_PERIOD_HOURS,
        );
        let fits = self.ds.volume_fits().map_err(js_err)?;
        if let Some(best) = fits
            .iter()
            .max_by(|a, b| a.fit.r_squared.total_cmp(&b.fit.r_squared))
        {
            let observed: Vec<f64> = periods.iter().map(|p| p.volume_per_hour).collect();
            let fitted: Vec<f64> = observed
                .iter()
                .zip(&best.fit.residuals)
                .map(|(o, r)| o - r)
                .collect();
            let root = canvas("chart-regression")?;
            crate::charts::data::fit(&root, "", &observed, &fitted, look).map_err(js_err)?;
            root.present().map_err(js_err)?;
        }
        Ok(())
    }
}

#[wasm_bindgen]
impl Playground {
    /// The ensemble's recommendation for the simulator's current state (control preset).
    pub fn recommend(&self, lab: &DataLab, min_success: f64) -> Result<JsValue, JsError> {
        let rec = crate::analysis::ensemble::recommend(
            self.session.env(),
            self.session.agent().q(),
            self.session.shown_trajectory(),
            lab.classifier.as_ref(),
            Some(&lab.predictor),
            min_success,
        );
        to_js(&rec)
    }
}

/// The page's side of a run that trains elsewhere (the worker): it keeps the last posted
/// snapshot, joining each frame's history tail to the history it already has, and draws it,
/// now or at the step of the shown episode the page's timeline chose (`setCursor`).
#[wasm_bindgen]
#[derive(Default)]
pub struct Viewer {
    snapshot: Option<Snapshot>,
    /// The step of the shown episode the timeline chose (`None`: follow the run).
    cursor: Option<usize>,
}

#[wasm_bindgen]
impl Viewer {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Viewer {
        Viewer::default()
    }

    /// Takes a frame from `Playground.frameBytes`. Returns false, keeping what it had, when
    /// the frame's history tail does not join the history held here (ask for a whole one).
    pub fn apply(&mut self, bytes: &[u8]) -> Result<bool, JsError> {
        let mut frame: Frame = serde_json::from_slice(bytes).map_err(js_err)?;
        let tail = std::mem::take(&mut frame.snapshot.history);
        let history = if tail.first_episode == frame.history_first {
            tail
        } else {
            let Some(old) = self.snapshot.as_mut() else {
                return Ok(false);
            };
            let mut h = std::mem::take(&mut old.history);
            if !h.join(tail, frame.history_first) {
                old.history = h;
                return Ok(false);
            }
            h
        };
        frame.snapshot.history = history;
        self.snapshot = Some(frame.snapshot);
        Ok(true)
    }

    /// Whether a frame was applied.
    #[wasm_bindgen(js_name = hasSnapshot)]
    pub fn has_snapshot(&self) -> bool {
        self.snapshot.is_some()
    }

    /// One past the last episode of the held history (0 with none): where the next frame's
    /// tail should start, less one (the last episode's Q* columns may still change).
    #[wasm_bindgen(js_name = historyEnd)]
    pub fn history_end(&self) -> u32 {
        self.snapshot.as_ref().map_or(0, |s| {
            s.history.first_episode + s.history.episode_return.len() as u32
        })
    }

    /// Forgets the held snapshot (the next frame must be whole).
    pub fn clear(&mut self) {
        self.snapshot = None;
    }

    /// The same summary as `Playground.stats()`, of the held snapshot (at the timeline's
    /// step when one is chosen).
    pub fn stats(&self) -> Result<JsValue, JsError> {
        to_js(&Stats::of(self.held()?, self.cursor))
    }

    /// Chooses a step of the shown episode for every chart, the stats and the summary
    /// (`undefined`: follow the run again). A step past the end shows the last one.
    #[wasm_bindgen(js_name = setCursor)]
    pub fn set_cursor(&mut self, step: Option<u32>) {
        self.cursor = step.map(|s| s as usize);
    }

    /// The chosen step, if any.
    pub fn cursor(&self) -> Option<u32> {
        self.cursor.map(|c| c as u32)
    }

    /// The shown episode's totals up to the chosen step (or so far): `EpisodeSummary`.
    pub fn summary(&self) -> Result<JsValue, JsError> {
        let s = self.held()?;
        to_js(&crate::session::episode::EpisodeSummary::of(
            &s.trajectory,
            self.cursor.unwrap_or(usize::MAX),
        ))
    }

    /// What a long of `usd` does on the curve at the chosen step (or now): a
    /// `TradePreview`, or `null` when the AMM refuses it or the preset has no market.
    #[wasm_bindgen(js_name = tradePreview)]
    pub fn trade_preview(&self, usd: f64) -> Result<JsValue, JsError> {
        let preview = self
            .held()?
            .view_at(self.cursor)
            .amm
            .and_then(|a| crate::session::episode::trade_preview(&a, usd));
        to_js(&preview)
    }

    fn held(&self) -> Result<&Snapshot, JsError> {
        self.snapshot
            .as_ref()
            .ok_or_else(|| JsError::new("no snapshot yet"))
    }

    /// The held snapshot as plain data.
    pub fn snapshot(&self) -> Result<JsValue, JsError> {
        to_js(&self.snapshot)
    }

    /// Draws the named charts of the held snapshot, as `Playground.draw` does.
    pub fn draw(&self, names: Vec<String>, scale: f64, trade: f64) -> Result<(), JsError> {
        draw_charts(&self.held()?.view_at(self.cursor), names, scale, trade)
    }

    /// The money split of the shown episode up to the timeline's step (what the stacked
    /// chart draws), with its net and the summed reward.
    #[wasm_bindgen(js_name = moneySplit)]
    pub fn money_split(&self) -> Result<JsValue, JsError> {
        to_js(&SplitReport::of(&self.held()?.view_at(self.cursor)))
    }

    /// The living curve's move `kind` (`trade`, `repeg`, `k`) on the market at the
    /// timeline's step: before and after, cost, whether Drift's rules allow it, its text.
    #[wasm_bindgen(js_name = curveMove)]
    pub fn curve_move(&self, kind: &str, trade: f64) -> Result<JsValue, JsError> {
        to_js(&plan_curve(
            &self.held()?.view_at(self.cursor),
            kind,
            trade,
        )?)
    }

    /// Draws the living curve's move `kind` at `phase` ∈ [0, 1] on `#chart-curve`.
    #[wasm_bindgen(js_name = drawCurveMove)]
    pub fn draw_curve_move(
        &self,
        kind: &str,
        phase: f64,
        scale: f64,
        trade: f64,
    ) -> Result<(), JsError> {
        draw_curve_move(
            &self.held()?.view_at(self.cursor),
            kind,
            phase,
            scale,
            trade,
        )
    }
}
