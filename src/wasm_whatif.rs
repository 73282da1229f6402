//! The WebAssembly binding of the what-if panels (wasm32 only): the evaluation of a run as
//! `damm eval` does it (`Evaluation`), one sweep point as `damm sweep` runs it, the state
//! inspector and the policy replay of the live run (`Playground.inspect`, `.replay`), the
//! q_table chart's hit test and the what-if charts on canvases.
//!
//! Thin like `wasm`: every number comes from the engine (`session::whatif`,
//! `session::sweep`, `charts::whatif`); this file only converts values and errors.

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::prelude::*;

use crate::config::Config;
use crate::learn::EvalTable;
use crate::session::sweep::{self, Axis, Grid, SweepRow};
use crate::session::{whatif, Session};
use crate::wasm::{js_err, to_js, Playground};

/// A run trained to its configured episodes and evaluated, step by step so the page can show
/// progress: `train` in chunks until `trained() == target()`, then `report`. The same steps
/// as `damm eval --url` (train, Q*, evaluate), so the same numbers.
#[wasm_bindgen]
pub struct Evaluation {
    session: Session,
    table: Option<EvalTable>,
}

#[wasm_bindgen]
impl Evaluation {
    /// A fresh run of the config in a URL hash (`preset=control&seed=3`).
    #[wasm_bindgen(js_name = fromHash)]
    pub fn from_hash(hash: &str) -> Result<Evaluation, JsError> {
        let cfg = Config::from_hash(hash).map_err(js_err)?;
        Ok(Self {
            session: Session::new(cfg).map_err(js_err)?,
            table: None,
        })
    }

    /// Episodes to train (`learn.episodes`).
    pub fn target(&self) -> u32 {
        self.session.config().learn.episodes
    }

    /// Episodes trained so far.
    pub fn trained(&self) -> u32 {
        self.session.episode()
    }

    /// Trains up to `episodes` more episodes, never beyond the target; returns `trained()`.
    pub fn train(&mut self, episodes: u32) -> u32 {
        let left = self.target().saturating_sub(self.session.episode());
        self.session.advance_episodes(episodes.min(left));
        self.session.episode()
    }

    /// Once trained: Q*, then every policy on the evaluation seeds; `damm eval`'s JSON
    /// report (`session::whatif::eval_report`).
    pub fn report(&mut self) -> Result<JsValue, JsError> {
        if self.trained() < self.target() {
            return Err(JsError::new("the run is not trained to learn.episodes yet"));
        }
        if self.table.is_none() {
            self.session.compute_q_star();
            self.table = Some(self.session.evaluate());
        }
        let table = self
            .table
            .as_ref()
            .ok_or_else(|| JsError::new("no table"))?;
        to_js(&whatif::eval_report(&self.session, table))
    }

    /// The evaluation table as CSV (after `report`).
    pub fn csv(&self) -> Result<String, JsError> {
        let table = self
            .table
            .as_ref()
            .ok_or_else(|| JsError::new("not evaluated yet"))?;
        Ok(whatif::eval_csv(table))
    }
}

/// Parses sweep axes (`path=lo:hi:step` or `path=v1,v2,…`, as `damm sweep --grid`) into a
/// grid; a bad axis throws the engine's message naming the parameter and its range.
#[wasm_bindgen(js_name = sweepGrid)]
pub fn sweep_grid(specs: Vec<String>) -> Result<JsValue, JsError> {
    let axes = specs
        .iter()
        .map(|s| Axis::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(js_err)?;
    let grid = Grid { axes };
    if grid.len() > sweep::MAX_POINTS {
        return Err(JsError::new(&format!(
            "the grid has {} points; at most {}",
            grid.len(),
            sweep::MAX_POINTS
        )));
    }
    to_js(&grid)
}

/// Trains and evaluates point `index` of `grid` (the JSON of a `sweepGrid` result) on the
/// config of `base_hash`: one row of `damm sweep` (`session::sweep::run_point`).
#[wasm_bindgen(js_name = sweepPoint)]
pub fn sweep_point(base_hash: &str, grid: &str, index: u32) -> Result<JsValue, JsError> {
    let base = Config::from_hash(base_hash).map_err(js_err)?;
    let grid: Grid = serde_json::from_slice(grid.as_bytes()).map_err(js_err)?;
    if index as usize >= grid.len() {
        return Err(JsError::new("the point is outside the grid"));
    }
    to_js(&sweep::run_point(&base, &grid, index as usize).map_err(js_err)?)
}

/// The sweep's CSV, as `damm sweep --csv` writes it (`session::sweep::to_csv`), from the
/// JSON of the grid and of the rows.
#[wasm_bindgen(js_name = sweepCsv)]
pub fn sweep_csv(grid: &str, rows: &str) -> Result<String, JsError> {
    let grid: Grid = serde_json::from_slice(grid.as_bytes()).map_err(js_err)?;
    let rows: Vec<SweepRow> = serde_json::from_slice(rows.as_bytes()).map_err(js_err)?;
    Ok(sweep::to_csv(&grid, &rows))
}

/// The state whose cell of the q_table chart (state grid `shape`, canvas `width` ×
/// `height` device pixels drawn at `scale`) contains device pixel (x, y); −1 outside.
#[wasm_bindgen(js_name = qtableStateAt)]
pub fn qtable_state_at(
    shape: Vec<u32>,
    width: u32,
    height: u32,
    scale: f64,
    x: i32,
    y: i32,
) -> i32 {
    let [ni, ng, nk] = match shape.as_slice() {
        [a, b, c] if *a > 0 && *b > 0 && *c > 0 => [*a as usize, *b as usize, *c as usize],
        _ => return -1,
    };
    let look = crate::charts::Look {
        scale,
        annotate: false,
    };
    crate::charts::q_table_state_at([ni, ng, nk], (width, height), look, (x, y))
        .map_or(-1, |s| s as i32)
}

/// Draws a what-if chart (`kind`: lines, whiskers or heatmap; `spec`: its JSON, see
/// `charts::whatif`) on the canvas with id `canvas_id`.
#[wasm_bindgen(js_name = drawWhatIf)]
pub fn draw_what_if(canvas_id: &str, kind: &str, spec: &str, scale: f64) -> Result<(), JsError> {
    let backend = CanvasBackend::new(canvas_id)
        .ok_or_else(|| JsError::new(&format!("no canvas #{canvas_id}")))?;
    let root = backend.into_drawing_area();
    crate::charts::whatif::draw_json(&root, kind, spec, scale).map_err(|e| JsError::new(&e))?;
    root.present().map_err(js_err)
}

#[wasm_bindgen]
impl Playground {
    /// The state inspector's view of `state` in the live run (Q, Q*, visits, availability
    /// and why not, the likeliest next states under the estimated model); up to `top` next
    /// states per action.
    pub fn inspect(&self, state: u32, top: u32) -> Result<JsValue, JsError> {
        let r = whatif::inspect(&self.session, state as usize, top as usize)
            .ok_or_else(|| JsError::new(&format!("no state {state}")))?;
        to_js(&r)
    }

    /// Every policy (the baselines and the live Q's greedy policy) on one fresh episode
    /// from seed `seed`: the same oracle path and traders for all.
    pub fn replay(&self, seed: f64) -> Result<JsValue, JsError> {
        if !(seed.is_finite()
            && (0.0..=9_007_199_254_740_992.0).contains(&seed)
            && seed.fract() == 0.0)
        {
            return Err(JsError::new(
                "replay seed: an integer in [0, 9007199254740992]",
            ));
        }
        to_js(&whatif::replay(&self.session, seed as u64))
    }
}
